//! Tidy checks over the whole repository, as plain `#[test]`s so that `cargo test --workspace`
//! (and so `cargo xtask test` and CI) enforces them. In the manner of rust-analyzer's
//! `xtask/src/tidy.rs`.
//!
//! - **Layering**: every crate under `crates/` depends only on the lnpay crates below it (see
//!   [`LAYERS`]). Normal, build and dev-dependencies all count for product crates; a crate
//!   that is not in the table must be marked dev-only and no product crate may depend on it.
//!   Only `crates/ldk` may depend on LDK (`lightning`, `lightning-invoice`) outside
//!   `[dev-dependencies]`. The rule is [`check_layering`], a pure function over [`Manifest`]s read from
//!   `cargo metadata`; its own tests prove it fails on made-up upward and sideways edges.
//! - **Nothing links the program**: no member at all (tooling, dev-only and examples included)
//!   depends on `crates/node`, the `lnpay` program; and a downstream example under
//!   `examples/` depends only on the library crates of [`LAYERS`], as a user outside the
//!   workspace would ([`check_dependents`]).
//! - **Crate docs**: every `crates/*/src/lib.rs`, `examples/*/src/lib.rs` and `fuzz/src/lib.rs`
//!   opens with `//!` and warns of `missing_docs` (so `clippy -D warnings` fails on an
//!   undocumented public item).
//! - **No skipped or inverted tests**: no `#[ignore]` and no `#[should_panic]` under `crates/`,
//!   `examples/`, `xtask/` or `fuzz/`.
//! - **Fuzz targets are complete**: each `fuzz/fuzz_targets/<name>.rs` is a `[[bin]]` of
//!   `lnpay-fuzz`, has a module `fuzz/src/targets/<name>.rs`, an entry in
//!   `lnpay_fuzz::TARGETS` and a non-empty `fuzz/corpus/<name>/`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{cargo, project_root};

/// The product crates, by directory under `crates/`, with the lnpay crates each may depend on.
/// Keep in step with ARCHITECTURE.md's code map.
const LAYERS: &[(&str, &[&str])] = &[
    ("types", &[]),
    ("wire", &["types"]),
    ("bolt11", &["types"]),
    ("bolt12", &["types"]),
    ("onion", &["types", "wire"]),
    ("route", &["types", "wire"]),
    ("payment", &["types", "wire", "bolt11", "bolt12", "onion", "route"]),
    ("sim", &["types", "wire", "bolt11", "bolt12", "onion", "route"]),
    ("harness", &["types", "wire", "bolt11", "bolt12", "onion", "route", "payment", "sim"]),
    ("rpc", &["types", "bolt11", "bolt12", "onion", "route", "payment"]),
    ("ldk", &["types", "bolt11", "route"]),
    (
        "node",
        &[
            "types", "wire", "bolt11", "bolt12", "onion", "route", "payment", "sim", "harness",
            "rpc",
        ],
    ),
];

/// The top row of [`LAYERS`]: the `lnpay` program, which no workspace member may depend on.
const BINARY: &str = "node";

/// The one product crate that may link LDK as a normal dependency: lnpay inside an LDK node.
/// Every other product crate may use LDK in tests only (as the reference implementation).
const LDK_CRATE: &str = "ldk";

/// LDK's packages, which only [`LDK_CRATE`] (and dev-only crates) may depend on outside
/// `[dev-dependencies]`.
const LDK_PACKAGES: &[&str] = &["lightning", "lightning-invoice"];

/// What the layering rule needs to know about one workspace member.
#[derive(Debug)]
struct Manifest {
    /// The package name, e.g. `lnpay-types`.
    name: String,
    /// The directory under `crates/` (`types`), or `None` for members elsewhere (`xtask`,
    /// `fuzz`, examples), which are not layers.
    crate_dir: Option<String>,
    /// The directory under `examples/` (`wallet`), for a downstream example.
    example_dir: Option<String>,
    /// `publish = false` and `[package.metadata.lnpay] dev-only = true`.
    dev_only: bool,
    dependencies: Vec<Dependency>,
}

#[derive(Debug)]
struct Dependency {
    /// The package depended on (not the local rename).
    name: String,
    /// The manifest section it comes from.
    section: &'static str,
}

/// Reads the members of the workspace described by `cargo metadata --format-version 1
/// --no-deps` output.
fn manifests_from_metadata(metadata: &Value) -> Vec<Manifest> {
    let root = Path::new(metadata["workspace_root"].as_str().unwrap_or_default());
    let crates_dir = root.join("crates");
    let examples_dir = root.join("examples");
    let packages = metadata["packages"].as_array().map(Vec::as_slice).unwrap_or_default();
    packages
        .iter()
        .map(|package| {
            let manifest_path = Path::new(package["manifest_path"].as_str().unwrap_or_default());
            let dir = manifest_path.parent().unwrap_or(manifest_path);
            let dir_in = |parent: &Path| {
                (dir.parent() == Some(parent))
                    .then(|| dir.file_name().map(|name| name.to_string_lossy().into_owned()))
                    .flatten()
            };
            let crate_dir = dir_in(&crates_dir);
            let example_dir = dir_in(&examples_dir);
            // `publish = false` reads as `"publish": []`.
            let unpublished = package["publish"].as_array().is_some_and(Vec::is_empty);
            let marked = package["metadata"]["lnpay"]["dev-only"].as_bool() == Some(true);
            let dependencies = package["dependencies"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|dep| Dependency {
                    name: dep["name"].as_str().unwrap_or_default().to_owned(),
                    section: match dep["kind"].as_str() {
                        Some("dev") => "dev-dependencies",
                        Some("build") => "build-dependencies",
                        _ => "dependencies",
                    },
                })
                .collect();
            Manifest {
                name: package["name"].as_str().unwrap_or_default().to_owned(),
                crate_dir,
                example_dir,
                dev_only: unpublished && marked,
                dependencies,
            }
        })
        .collect()
}

/// Every violation of the layering rule among `manifests` (one workspace), as messages.
///
/// A product crate (a `crates/` directory in [`LAYERS`]) may depend, in any section, only on
/// the product crates its row lists. Any other `crates/` directory must be dev-only; it may
/// depend on anything, and nothing in [`LAYERS`] may depend on it. Members outside `crates/`
/// (tooling, examples) are not layers: no product crate may depend on them, and only
/// [`check_dependents`] limits what they depend on.
fn check_layering(manifests: &[Manifest]) -> Vec<String> {
    let members: BTreeMap<&str, &Manifest> =
        manifests.iter().map(|manifest| (manifest.name.as_str(), manifest)).collect();
    let mut violations = Vec::new();
    for manifest in manifests {
        let Some(dir) = manifest.crate_dir.as_deref() else { continue };
        let Some(&(_, allowed)) = LAYERS.iter().find(|(layer, _)| *layer == dir) else {
            if !manifest.dev_only {
                violations.push(format!(
                    "crates/{dir} ({}) is not a known layer: add it to LAYERS in \
                     xtask/src/tidy.rs and to ARCHITECTURE.md, or mark it dev-only with \
                     `publish = false` and `[package.metadata.lnpay] dev-only = true`",
                    manifest.name
                ));
            }
            continue;
        };
        let expected_name = format!("lnpay-{dir}");
        if manifest.name != expected_name {
            violations.push(format!(
                "crates/{dir} is named `{}`; product crates are named `{expected_name}`",
                manifest.name
            ));
        }
        for dep in &manifest.dependencies {
            if dir != LDK_CRATE
                && dep.section != "dev-dependencies"
                && LDK_PACKAGES.contains(&dep.name.as_str())
            {
                violations.push(format!(
                    "{} (crates/{dir}) depends on {} in [{}]: only crates/{LDK_CRATE} may \
                     link LDK outside [dev-dependencies]",
                    manifest.name, dep.name, dep.section
                ));
                continue;
            }
            if dep.name == manifest.name {
                // A crate's dev-dependency on itself turns on its test-support feature.
                continue;
            }
            let Some(target) = members.get(dep.name.as_str()) else { continue };
            let target_dir = target.crate_dir.as_deref();
            let ok = target_dir.is_some_and(|target_dir| allowed.contains(&target_dir));
            if ok {
                continue;
            }
            let what = match target_dir {
                Some(target_dir) if target.dev_only => {
                    format!("the dev-only crate crates/{target_dir}")
                }
                Some(target_dir) if LAYERS.iter().any(|(layer, _)| *layer == target_dir) => {
                    format!("crates/{target_dir}, which is not below it")
                }
                Some(target_dir) => format!("crates/{target_dir}, which is not a known layer"),
                None => "a tooling crate".to_owned(),
            };
            let allowed = if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") };
            violations.push(format!(
                "{} (crates/{dir}) depends on {} in [{}]: that is {what}; \
                 crates/{dir} may depend on these lnpay crates only: {allowed}",
                manifest.name, dep.name, dep.section
            ));
        }
    }
    violations
}

/// Every dependency on the program ([`BINARY`]) from any member, and every dependency of an
/// example on a member that is not a library crate of [`LAYERS`], as messages.
fn check_dependents(manifests: &[Manifest]) -> Vec<String> {
    let members: BTreeMap<&str, &Manifest> =
        manifests.iter().map(|manifest| (manifest.name.as_str(), manifest)).collect();
    let mut violations = Vec::new();
    for manifest in manifests {
        for dep in &manifest.dependencies {
            let Some(target) = members.get(dep.name.as_str()) else { continue };
            let target_dir = target.crate_dir.as_deref();
            if target_dir == Some(BINARY) {
                violations.push(format!(
                    "{} depends on {} in [{}]: that is the lnpay program (crates/{BINARY}), which \
                     nothing depends on; use the library crate below it that holds what you need",
                    manifest.name, dep.name, dep.section
                ));
                continue;
            }
            let Some(example) = manifest.example_dir.as_deref() else { continue };
            let library = !target.dev_only
                && target_dir.is_some_and(|dir| LAYERS.iter().any(|(layer, _)| *layer == dir));
            if !library {
                violations.push(format!(
                    "{} (examples/{example}) depends on {} in [{}]: an example uses only the \
                     library crates of LAYERS, as a downstream user would",
                    manifest.name, dep.name, dep.section
                ));
            }
        }
    }
    violations
}

/// `cargo metadata --format-version 1 --no-deps --offline` of the workspace at `dir`.
fn cargo_metadata(dir: &Path) -> Value {
    let output = cargo()
        .current_dir(dir)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .output();
    let output = match output {
        Ok(output) if output.status.success() => output,
        Ok(output) => panic!(
            "`cargo metadata` failed in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => panic!("cannot run `cargo metadata` in {}: {error}", dir.display()),
    };
    match serde_json::from_slice(&output.stdout) {
        Ok(metadata) => metadata,
        Err(error) => panic!("`cargo metadata` printed something other than JSON: {error}"),
    }
}

fn read(path: &Path) -> String {
    match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => panic!("cannot read {}: {error}", path.display()),
    }
}

/// Directories directly in `dir`, sorted; none if `dir` does not exist.
fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Every `.rs` file under `dir`, skipping build output (`target/`) and hidden directories.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn crates_depend_only_downward() {
    let manifests = manifests_from_metadata(&cargo_metadata(&project_root()));
    let product = manifests.iter().filter(|m| m.crate_dir.is_some()).count();
    assert!(product > 0, "cargo metadata lists no crate under crates/");
    let violations = check_layering(&manifests);
    assert!(violations.is_empty(), "layering violations:\n{}", violations.join("\n"));
}

#[test]
fn nothing_depends_on_the_program_and_examples_use_only_libraries() {
    let manifests = manifests_from_metadata(&cargo_metadata(&project_root()));
    let examples = manifests.iter().filter(|m| m.example_dir.is_some()).count();
    assert!(examples > 0, "cargo metadata lists no member under examples/");
    let violations = check_dependents(&manifests);
    assert!(violations.is_empty(), "dependency violations:\n{}", violations.join("\n"));
}

/// A manifest for [`check_dependents`]'s own test: `deps` are package names, in
/// `[dependencies]`.
fn member(
    name: &str,
    crate_dir: Option<&str>,
    example_dir: Option<&str>,
    deps: &[&str],
) -> Manifest {
    Manifest {
        name: name.to_owned(),
        crate_dir: crate_dir.map(str::to_owned),
        example_dir: example_dir.map(str::to_owned),
        dev_only: crate_dir == Some("bench"),
        dependencies: deps
            .iter()
            .map(|dep| Dependency { name: (*dep).to_owned(), section: "dependencies" })
            .collect(),
    }
}

#[test]
fn dependents_check_rejects_links_to_the_program_and_examples_on_non_libraries() {
    let manifests = [
        member("lnpay-types", Some("types"), None, &[]),
        member("lnpay-payment", Some("payment"), None, &["lnpay-types"]),
        member("lnpay-node", Some("node"), None, &["lnpay-payment"]),
        member("lnpay-bench", Some("bench"), None, &["lnpay-node", "lnpay-payment"]),
        member("lnpay-fuzz", None, None, &["lnpay-types", "lnpay-node"]),
        member("xtask", None, None, &[]),
        member("lnpay-example-ok", None, Some("ok"), &["lnpay-payment", "lnpay-types"]),
        member("lnpay-example-bad", None, Some("bad"), &["lnpay-bench", "xtask", "lnpay-node"]),
    ];
    let violations = check_dependents(&manifests);
    let expect = [
        "lnpay-bench depends on lnpay-node in [dependencies]: that is the lnpay program",
        "lnpay-fuzz depends on lnpay-node in [dependencies]: that is the lnpay program",
        "lnpay-example-bad (examples/bad) depends on lnpay-bench in [dependencies]: an example",
        "lnpay-example-bad (examples/bad) depends on xtask in [dependencies]: an example",
        "lnpay-example-bad depends on lnpay-node in [dependencies]: that is the lnpay program",
    ];
    for expected in expect {
        assert!(
            violations.iter().any(|violation| violation.starts_with(expected)),
            "no violation starting with {expected:?} in:\n{}",
            violations.join("\n")
        );
    }
    assert_eq!(violations.len(), expect.len(), "{}", violations.join("\n"));
}

/// A throwaway workspace under the system temp directory, removed on drop.
struct ScratchWorkspace(PathBuf);

impl ScratchWorkspace {
    /// `crates` holds `(directory, extra manifest text)`; each gets a `[package]` named
    /// `lnpay-<directory>` and an empty `src/lib.rs`.
    fn new(label: &str, crates: &[(&str, &str)]) -> ScratchWorkspace {
        let root = std::env::temp_dir().join(format!("lnpay-tidy-{}-{label}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let write = |path: PathBuf, text: &str| {
            if let Some(parent) = path.parent() {
                let _ = fs::create_dir_all(parent);
            }
            if let Err(error) = fs::write(&path, text) {
                panic!("cannot write {}: {error}", path.display());
            }
        };
        write(root.join("Cargo.toml"), "[workspace]\nresolver = \"2\"\nmembers = [\"crates/*\"]\n");
        for (dir, extra) in crates {
            let manifest = format!(
                "[package]\nname = \"lnpay-{dir}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
                 publish = false\n{extra}\n"
            );
            write(root.join("crates").join(dir).join("Cargo.toml"), &manifest);
            write(root.join("crates").join(dir).join("src").join("lib.rs"), "//! scratch\n");
        }
        ScratchWorkspace(root)
    }

    fn violations(&self) -> Vec<String> {
        check_layering(&manifests_from_metadata(&cargo_metadata(&self.0)))
    }
}

impl Drop for ScratchWorkspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn dep(section: &str, dir: &str) -> String {
    format!("[{section}]\n{dir} = {{ package = \"lnpay-{dir}\", path = \"../{dir}\" }}\n")
}

#[test]
fn layering_check_accepts_a_proper_workspace() {
    let node = [
        dep("dependencies", "types"),
        "bolt11 = { package = \"lnpay-bolt11\", path = \"../bolt11\" }\n".to_owned(),
        dep("build-dependencies", "route"),
    ]
    .concat();
    let bench = format!(
        "[package.metadata.lnpay]\ndev-only = true\n{}",
        dep("dependencies", "node")
            + "types = { package = \"lnpay-types\", path = \"../types\" }\n"
    );
    let workspace = ScratchWorkspace::new(
        "proper",
        &[
            ("types", ""),
            ("bolt11", &dep("dependencies", "types")),
            ("route", &(dep("dev-dependencies", "types") + "lightning = \"0.2.7\"\n")),
            ("node", &node),
            ("ldk", &(dep("dependencies", "route") + "lightning = \"0.2.7\"\n")),
            ("bench", &(bench + "lightning-invoice = \"0.34.1\"\n")),
        ],
    );
    assert_eq!(workspace.violations(), Vec::<String>::new());
}

#[test]
fn layering_check_rejects_upward_and_sideways_edges() {
    let workspace = ScratchWorkspace::new(
        "bad",
        &[
            // Upward: the bottom layer depends on a crate above it.
            ("types", &dep("dependencies", "route")),
            // Sideways: two crates of the same layer.
            ("bolt11", &dep("dependencies", "onion")),
            // Upward through a build-dependency, and a product crate on a dev-only one.
            ("onion", &(dep("build-dependencies", "node") + &dep("dev-dependencies", "bench"))),
            // Upward through a dev-dependency: product crates may not do that either.
            ("route", &dep("dev-dependencies", "bolt11")),
            // LDK as a normal dependency of a product crate other than ldk.
            ("node", "[dependencies]\nlightning = \"0.2.7\"\n"),
            ("bench", "[package.metadata.lnpay]\ndev-only = true\n"),
            // A crate in no layer and not marked dev-only.
            ("extra", ""),
        ],
    );
    let violations = workspace.violations();
    let expect = [
        "lnpay-types (crates/types) depends on lnpay-route in [dependencies]",
        "lnpay-bolt11 (crates/bolt11) depends on lnpay-onion in [dependencies]",
        "lnpay-onion (crates/onion) depends on lnpay-node in [build-dependencies]",
        "lnpay-onion (crates/onion) depends on lnpay-bench in [dev-dependencies]: that is the \
         dev-only crate",
        "lnpay-route (crates/route) depends on lnpay-bolt11 in [dev-dependencies]",
        "crates/extra (lnpay-extra) is not a known layer",
        "lnpay-node (crates/node) depends on lightning in [dependencies]: only crates/ldk",
    ];
    for expected in expect {
        assert!(
            violations.iter().any(|violation| violation.starts_with(expected)),
            "no violation starting with {expected:?} in:\n{}",
            violations.join("\n")
        );
    }
    assert_eq!(violations.len(), expect.len(), "{}", violations.join("\n"));
}

#[test]
fn every_lib_rs_opens_with_a_crate_doc() {
    let root = project_root();
    let mut libs: Vec<PathBuf> = ["crates", "examples"]
        .iter()
        .flat_map(|parent| subdirs(&root.join(parent)))
        .map(|dir| dir.join("src").join("lib.rs"))
        .collect();
    libs.retain(|lib| lib.is_file());
    libs.push(root.join("fuzz").join("src").join("lib.rs"));
    let missing: Vec<String> = libs
        .iter()
        .filter(|lib| {
            let text = read(lib);
            !text.trim_start().starts_with("//!")
                || !text.lines().any(|line| line.trim() == "#![warn(missing_docs)]")
        })
        .map(|lib| lib.strip_prefix(&root).unwrap_or(lib).display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these lib.rs do not open with a `//!` doc saying what the crate is (and is not), or \
         lack `#![warn(missing_docs)]`:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_ignored_or_should_panic_tests() {
    // Spelled in pieces so that this file does not trip its own check.
    let attributes = [concat!("#[", "ignore"), concat!("#[", "should_panic")];
    let words = [concat!("ign", "ore"), concat!("should", "_panic")];
    let root = project_root();
    let mut files = Vec::new();
    for dir in ["crates", "examples", "xtask", "fuzz"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 5, "found only {} .rs files under {}", files.len(), root.display());
    let mut found = Vec::new();
    for file in &files {
        for (number, line) in read(file).lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let attribute = attributes.iter().any(|attribute| code.contains(attribute));
            let in_cfg_attr = code.starts_with("#[cfg_attr")
                && code
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|word| words.contains(&word));
            if attribute || in_cfg_attr {
                let shown = file.strip_prefix(&root).unwrap_or(file).display();
                found.push(format!("{shown}:{}: {code}", number + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "tests must run and must not expect panics (make the failure a returned error and \
         assert on it):\n{}",
        found.join("\n")
    );
}

#[test]
fn every_fuzz_target_is_registered_and_has_a_corpus() {
    let root = project_root();
    let fuzz = root.join("fuzz");
    let targets = match crate::fuzz::target_names(&root) {
        Ok(targets) => targets,
        Err(error) => panic!("cannot list {}: {error}", fuzz.join("fuzz_targets").display()),
    };
    assert!(!targets.is_empty(), "no fuzz targets in {}", fuzz.join("fuzz_targets").display());

    // The names in `pub const TARGETS: &[...] = &[("name", ...), ...];` of fuzz/src/lib.rs.
    let lib = read(&fuzz.join("src").join("lib.rs"));
    let listed: Vec<&str> = lib
        .split_once("pub const TARGETS")
        .and_then(|(_, rest)| rest.split_once("];"))
        .map(|(body, _)| body.split('"').skip(1).step_by(2).collect())
        .unwrap_or_default();

    let metadata = cargo_metadata(&root);
    let packages = metadata["packages"].as_array().map(Vec::as_slice).unwrap_or_default();
    let fuzz_package = packages.iter().find(|package| package["name"] == "lnpay-fuzz");
    let Some(fuzz_package) = fuzz_package else { panic!("no package lnpay-fuzz in the workspace") };
    let bins: Vec<&Value> = fuzz_package["targets"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|target| {
            target["kind"].as_array().is_some_and(|kinds| kinds.contains(&"bin".into()))
        })
        .collect();

    let mut problems = Vec::new();
    for name in &targets {
        let corpus = fuzz.join("corpus").join(name);
        let seeds = fs::read_dir(&corpus).map(|entries| entries.flatten().count()).unwrap_or(0);
        if seeds == 0 {
            problems.push(format!("{name}: no seed inputs in fuzz/corpus/{name}/"));
        }
        if !listed.contains(&name.as_str()) {
            problems.push(format!("{name}: not listed in TARGETS in fuzz/src/lib.rs"));
        }
        if !fuzz.join("src").join("targets").join(format!("{name}.rs")).is_file() {
            problems.push(format!("{name}: no module fuzz/src/targets/{name}.rs"));
        }
        let bin = bins.iter().find(|bin| bin["name"] == name.as_str());
        match bin {
            None => problems.push(format!("{name}: no [[bin]] named {name:?} in fuzz/Cargo.toml")),
            Some(bin) => {
                let path = bin["src_path"].as_str().unwrap_or_default();
                if !path.ends_with(&format!("fuzz_targets/{name}.rs")) {
                    problems.push(format!("{name}: [[bin]] path is {path}"));
                }
                if bin["test"] != false || bin["doc"] != false {
                    problems.push(format!("{name}: [[bin]] needs test = false and doc = false"));
                }
            }
        }
    }
    for name in &listed {
        if !targets.iter().any(|target| target == name) {
            problems.push(format!("{name}: in TARGETS but no fuzz/fuzz_targets/{name}.rs"));
        }
    }
    let deps = fuzz_package["dependencies"].as_array().map(Vec::as_slice).unwrap_or_default();
    for dep in deps.iter().filter(|dep| dep["name"] == "libfuzzer-sys") {
        if dep["target"] != "cfg(fuzzing)" {
            problems.push(
                "libfuzzer-sys must be a [target.'cfg(fuzzing)'.dependencies] dependency".into(),
            );
        }
    }
    assert!(
        problems.is_empty(),
        "fuzz/ is incomplete (see fuzz/README.md):\n{}",
        problems.join("\n")
    );
}
