//! Pays one invoice over a generated simulated network with lnpay's typed API and prints the
//! typed result: `cargo run -p lnpay-example-wallet`.

use lnpay_example_wallet::{pay_invoice, Setup};
use std::process::ExitCode;

fn main() -> ExitCode {
    let setup = Setup::default();
    match pay_invoice(&setup) {
        Ok(paid) => {
            let r = &paid.result;
            println!("paid {} to node {}", paid.invoice.payment_hash(), setup.payee);
            println!("amount   {}", r.amount_msat);
            println!("fee      {}", r.fee());
            println!("parts    {}", r.parts);
            match r.payment_preimage {
                Some(preimage) => println!("preimage {preimage}"),
                None => println!("preimage (none)"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wallet: {e}");
            ExitCode::FAILURE
        }
    }
}
