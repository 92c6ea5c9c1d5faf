//! Payment hashes, preimages and secrets: 32-byte values shown as hex.

use crate::hex::{self, HexError};
use core::fmt;
use core::str::FromStr;
use sha2::{Digest, Sha256};

macro_rules! bytes32 {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// The 32 bytes.
            pub const fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(&self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }

        impl FromStr for $name {
            type Err = HexError;

            fn from_str(s: &str) -> Result<$name, HexError> {
                hex::decode_array(s).map($name)
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <alloc::string::String as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(<D::Error as serde::de::Error>::custom)
            }
        }
    };
}

bytes32!(
    /// The SHA-256 of a payment preimage: what an HTLC is locked to.
    PaymentHash
);
bytes32!(
    /// The secret whose SHA-256 is the payment hash; releasing it settles the payment.
    PaymentPreimage
);
bytes32!(
    /// The payment secret (BOLT 11 `s`), proving to the payee that a part comes from the payer.
    PaymentSecret
);

impl PaymentPreimage {
    /// The payment hash this preimage settles.
    pub fn hash(&self) -> PaymentHash {
        PaymentHash(Sha256::digest(self.0).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn preimage_hash() {
        // SHA-256 of 32 zero bytes.
        let h = PaymentPreimage([0; 32]).hash();
        assert_eq!(
            h.to_string(),
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
        assert_eq!(h.to_string().parse::<PaymentHash>(), Ok(h));
        assert_eq!(
            "00".parse::<PaymentSecret>(),
            Err(HexError::WrongLength { expected: 32, got: 1 })
        );
    }
}
