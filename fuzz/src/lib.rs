//! Fuzz targets for the lnpay crates, written as an ordinary library that compiles on stable.
//!
//! Each target is a module of [`targets`] with `pub fn do_test(data: &[u8])`: it feeds
//! arbitrary bytes to one decoder or parser and checks what must hold for every input (the
//! decoded value re-encodes to the bytes it came from, errors name the offending input, ...),
//! panicking when it does not. [`TARGETS`] lists every target. The same `do_test` runs three
//! ways:
//!
//! - under libFuzzer: `cargo xtask fuzz bigsize --secs 60` builds `fuzz_targets/bigsize.rs`
//!   with cargo-fuzz (`--cfg fuzzing`) on the stable toolchain; a crash is saved in
//!   `fuzz/artifacts/bigsize/`;
//! - over the committed corpus in `cargo test` (`tests/corpus.rs`), so every seed and every
//!   crash ever copied into `fuzz/corpus/<target>/` stays a regression test;
//! - by hand over files: `cargo run -p lnpay-fuzz --bin bigsize -- FILE...` (with no file,
//!   over `fuzz/corpus/bigsize/`).
//!
//! This crate is not a property-test suite (properties with typed inputs live next to the
//! code they test), not a benchmark, and never published. The layout and the four steps to
//! add a target are in `fuzz/README.md`.
//!
//! ```
//! use lnpay_fuzz::{corpus_files, targets, TARGETS};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Any bytes are a valid input; a target panics only when an invariant breaks.
//! targets::bigsize::do_test(&[0xfd, 0x00, 0xfd]);
//! for (name, do_test) in TARGETS {
//!     for file in corpus_files(name)? {
//!         do_test(&std::fs::read(file)?);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub mod targets {
    //! One module per fuzz target, each with `pub fn do_test(data: &[u8])`.
    pub mod askrene_params;
    pub mod bigsize;
    pub mod blinded_hop;
    pub mod bolt11_decode;
    pub mod bolt12_invoice;
    pub mod bolt12_invoice_error;
    pub mod bolt12_invoice_request;
    pub mod bolt12_offer;
    pub mod channel_announcement;
    pub mod channel_update;
    pub mod failure_decode;
    pub mod graph_snapshot;
    pub mod hop_payload;
    pub mod ldk_scorer;
    pub mod listchannels_json;
    pub mod msat_parse;
    pub mod node_announcement;
    pub mod onion_message;
    pub mod onion_message_peel;
    pub mod onion_peel;
    pub mod payment_records;
    pub mod peer_frame;
    pub mod rpc_request;
    pub mod tlv_stream;
    pub mod update_add_htlc;
    pub mod update_fail_htlc;
    pub mod update_fail_malformed_htlc;
    pub mod update_fulfill_htlc;
}

/// A target's `do_test`: checks its invariants on the input, panicking when one fails.
pub type DoTest = fn(&[u8]);

/// Every fuzz target: its name (the binary in `fuzz_targets/`, the directory in `corpus/`)
/// and its `do_test`.
pub const TARGETS: &[(&str, DoTest)] = &[
    ("bigsize", targets::bigsize::do_test),
    ("tlv_stream", targets::tlv_stream::do_test),
    ("msat_parse", targets::msat_parse::do_test),
    ("channel_update", targets::channel_update::do_test),
    ("channel_announcement", targets::channel_announcement::do_test),
    ("node_announcement", targets::node_announcement::do_test),
    ("failure_decode", targets::failure_decode::do_test),
    ("onion_peel", targets::onion_peel::do_test),
    ("blinded_hop", targets::blinded_hop::do_test),
    ("onion_message", targets::onion_message::do_test),
    ("onion_message_peel", targets::onion_message_peel::do_test),
    ("hop_payload", targets::hop_payload::do_test),
    ("bolt11_decode", targets::bolt11_decode::do_test),
    ("bolt12_offer", targets::bolt12_offer::do_test),
    ("bolt12_invoice_request", targets::bolt12_invoice_request::do_test),
    ("bolt12_invoice", targets::bolt12_invoice::do_test),
    ("bolt12_invoice_error", targets::bolt12_invoice_error::do_test),
    ("listchannels_json", targets::listchannels_json::do_test),
    ("payment_records", targets::payment_records::do_test),
    ("rpc_request", targets::rpc_request::do_test),
    ("update_add_htlc", targets::update_add_htlc::do_test),
    ("update_fulfill_htlc", targets::update_fulfill_htlc::do_test),
    ("update_fail_htlc", targets::update_fail_htlc::do_test),
    ("update_fail_malformed_htlc", targets::update_fail_malformed_htlc::do_test),
    ("peer_frame", targets::peer_frame::do_test),
    ("graph_snapshot", targets::graph_snapshot::do_test),
    ("ldk_scorer", targets::ldk_scorer::do_test),
    ("askrene_params", targets::askrene_params::do_test),
];

/// The committed corpus of target `name`: `fuzz/corpus/<name>/`.
pub fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(name)
}

/// The files of target `name`'s committed corpus, sorted by path.
pub fn corpus_files(name: &str) -> Result<Vec<PathBuf>, CorpusError> {
    let dir = corpus_dir(name);
    let entries =
        std::fs::read_dir(&dir).map_err(|source| CorpusError { path: dir.clone(), source })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|source| CorpusError { path: dir.clone(), source })?.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A corpus directory or input file that could not be read.
#[derive(Debug)]
pub struct CorpusError {
    /// The directory or file.
    pub path: PathBuf,
    /// What the file system said.
    pub source: io::Error,
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for CorpusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The `main` of a fuzz target binary built without `cfg(fuzzing)`: runs `do_test` over every
/// file named in `args`, or over the target's committed corpus when there is none.
///
/// A failing invariant panics as it would under libFuzzer; this only reports unreadable files
/// (exit code 1).
pub fn main_without_fuzzer(
    name: &str,
    do_test: DoTest,
    args: impl IntoIterator<Item = OsString>,
) -> ExitCode {
    let mut files: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    if files.is_empty() {
        files = match corpus_files(name) {
            Ok(files) => files,
            Err(error) => {
                eprintln!("{name}: {error}");
                return ExitCode::FAILURE;
            }
        };
    }
    for file in &files {
        match std::fs::read(file) {
            Ok(data) => do_test(&data),
            Err(source) => {
                eprintln!("{name}: {}", CorpusError { path: file.clone(), source });
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{name}: {} inputs ok", files.len());
    ExitCode::SUCCESS
}
