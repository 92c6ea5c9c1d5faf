//! `lnpay-ldk`'s persisted scorer (`LnpayScorer` read with LDK's `ReadableArgs`), the bytes an
//! LDK node reads back at start.
//!
//! Checks, for any bytes: reading never panics (a bad version, prior, direction or bound is an
//! error); what reads writes back to bytes that read again and write back the same.

use ldk::LnpayScorer;
use lightning::routing::gossip::NetworkGraph;
use lightning::util::logger::{Logger, Record};
use lightning::util::ser::{ReadableArgs, Writeable};

struct Quiet;

impl Logger for Quiet {
    fn log(&self, _record: Record) {}
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let graph = NetworkGraph::new(bitcoin::Network::Bitcoin, &Quiet);
    let Ok(scorer) = LnpayScorer::read(&mut &data[..], &graph) else { return };
    let bytes = scorer.encode();
    let again = match LnpayScorer::read(&mut &bytes[..], &graph) {
        Ok(s) => s,
        Err(e) => panic!("a scorer that read wrote bytes that do not read: {e:?}"),
    };
    assert_eq!(again.encode(), bytes, "a scorer read back writes other bytes");
}
