//! The example's pay, run by `cargo test`: it succeeds, the preimage settles the invoice's
//! payment hash, and the amounts add up.

use lnpay_example_wallet::{pay_invoice, Setup, WalletError};
use types::Msat;

#[test]
fn the_default_setup_pays_with_a_preimage_of_the_invoices_hash() {
    let setup = Setup::default();
    let paid = pay_invoice(&setup).unwrap();
    let r = &paid.result;
    let preimage = r.payment_preimage.unwrap();
    assert_eq!(preimage.hash(), *paid.invoice.payment_hash());
    assert_eq!(r.payment_hash, *paid.invoice.payment_hash());
    assert_eq!(r.amount_msat, setup.amount);
    assert_eq!(r.amount_sent_msat, Msat(r.amount_msat.0 + r.fee().0));
    assert!(r.parts >= 1);
    assert_eq!(r.destination, Some(paid.invoice.payee()));
}

#[test]
fn a_missing_receiver_is_a_typed_error() {
    let setup = Setup { payee: 10_000, ..Setup::default() };
    match pay_invoice(&setup) {
        Err(WalletError::NoInvoice { payee }) => assert_eq!(payee, 10_000),
        other => panic!("expected NoInvoice, got {other:?}"),
    }
}
