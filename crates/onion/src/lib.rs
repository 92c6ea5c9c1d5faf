//! BOLT 4 onions: Sphinx build and peel, failures, attribution, blinding. (Being built: see issue 4.)

pub use secp256k1;

pub mod crypto;
pub mod packet;
pub mod payload;
pub mod attribution;
pub mod blinding;
pub mod failure;
