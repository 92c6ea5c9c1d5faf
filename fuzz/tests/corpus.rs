//! Every fuzz target over every file of its committed corpus (`fuzz/corpus/<target>/`), so
//! each seed and each crash ever found stays a regression test under plain `cargo test`.

use std::panic;

#[test]
fn every_target_passes_its_corpus() {
    let mut total = 0;
    let mut failures = Vec::new();
    for &(name, do_test) in lnpay_fuzz::TARGETS {
        let files = match lnpay_fuzz::corpus_files(name) {
            Ok(files) => files,
            Err(error) => panic!("fuzz target `{name}`: {error}"),
        };
        assert!(
            !files.is_empty(),
            "fuzz target `{name}` has no corpus: add seed inputs to {}",
            lnpay_fuzz::corpus_dir(name).display()
        );
        for file in &files {
            let data = match std::fs::read(file) {
                Ok(data) => data,
                Err(error) => panic!("cannot read {}: {error}", file.display()),
            };
            if panic::catch_unwind(|| do_test(&data)).is_err() {
                failures.push(format!("{name}: {}", file.display()));
            }
        }
        println!("{name}: {} corpus inputs", files.len());
        total += files.len();
    }
    assert!(failures.is_empty(), "fuzz targets panicked on:\n{}", failures.join("\n"));
    println!("ran {total} corpus inputs over {} fuzz targets", lnpay_fuzz::TARGETS.len());
}
