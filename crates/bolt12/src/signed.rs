//! What invoice requests and invoices share: the signature field over the merkle root, and
//! signing a stream.

use secp256k1::{schnorr, PublicKey, SecretKey};
use types::tlv::TlvStream;

use crate::fields::SIGNATURE_TYPE;
use crate::merkle;

/// Removes every signature record (types 240 to 1000) from `s`.
pub(crate) fn strip_signatures(s: &mut TlvStream) {
    s.records.retain(|r| !merkle::SIGNATURE_TYPES.contains(&r.typ));
}

/// The digest `messagename`'s `signature` field signs over `s`.
pub(crate) fn digest(messagename: &str, s: &TlvStream) -> [u8; 32] {
    let root = merkle::root(&s.records).unwrap_or([0; 32]);
    merkle::signature_digest(messagename, "signature", &root)
}

/// Signs `s` (without its signature records) as `messagename` and adds the `signature`.
pub(crate) fn sign(messagename: &str, s: &mut TlvStream, key: &SecretKey) {
    strip_signatures(s);
    let sig = merkle::sign(&digest(messagename, s), key);
    s.insert(SIGNATURE_TYPE, sig.as_ref().to_vec());
}

/// Whether `sig` is `key`'s signature of `s` as `messagename`.
pub(crate) fn verify(
    messagename: &str,
    s: &TlvStream,
    sig: &schnorr::Signature,
    key: &PublicKey,
) -> bool {
    merkle::verify(&digest(messagename, s), sig, &key.x_only_public_key().0)
}
