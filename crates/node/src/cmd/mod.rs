//! One module per subcommand of `lnpay`.

pub mod cli;
pub mod decode;
pub mod getroute;
pub mod network;
pub mod node;
pub mod onion;
pub mod sim;

use serde_json::{json, Value};

/// The JSON error object every command prints on failure, as Core Lightning shapes it.
pub fn error_json(code: i64, message: &str) -> Value {
    json!({ "code": code, "message": message })
}
