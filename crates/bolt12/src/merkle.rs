//! The BOLT 12 signature calculation: the merkle root of a TLV stream's non-signature
//! records (each leaf paired with a nonce leaf), and BIP-340 signatures over it tagged
//! `"lightning" || messagename || fieldname`.

use secp256k1::{schnorr, Keypair, Message, SecretKey, XOnlyPublicKey, SECP256K1};
use sha2::{Digest, Sha256};
use types::tlv::{encode_record, TlvRecord};

/// The inclusive range of signature TLV types, left out of the merkle tree.
pub const SIGNATURE_TYPES: core::ops::RangeInclusive<u64> = 240..=1000;

/// `H(tag, msg)`: SHA256(SHA256(tag) || SHA256(tag) || msg).
pub fn tagged_hash(tag: &[u8], msg: &[u8]) -> [u8; 32] {
    let t = Sha256::digest(tag);
    let mut h = Sha256::new();
    h.update(t);
    h.update(t);
    h.update(msg);
    h.finalize().into()
}

/// `H("LnBranch", lesser || greater)`.
pub fn branch(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut msg = [0u8; 64];
    msg[..32].copy_from_slice(lo);
    msg[32..].copy_from_slice(hi);
    tagged_hash(b"LnBranch", &msg)
}

/// The merkle root of `records` (in stream order), skipping signature records. `None` when
/// no non-signature record is left.
pub fn root<'a>(records: impl IntoIterator<Item = &'a TlvRecord>) -> Option<[u8; 32]> {
    let records: Vec<&TlvRecord> =
        records.into_iter().filter(|r| !SIGNATURE_TYPES.contains(&r.typ)).collect();
    let first = records.first()?;
    let mut nonce_tag = b"LnNonce".to_vec();
    encode_record(first.typ, &first.value, &mut nonce_tag);
    let mut level: Vec<[u8; 32]> = records
        .iter()
        .map(|r| {
            let mut tlv = Vec::with_capacity(r.value.len() + 10);
            encode_record(r.typ, &r.value, &mut tlv);
            let leaf = tagged_hash(b"LnLeaf", &tlv);
            let mut typ = Vec::with_capacity(9);
            types::bigsize::encode(r.typ, &mut typ);
            branch(&leaf, &tagged_hash(&nonce_tag, &typ))
        })
        .collect();
    // Pair neighbours level by level; an odd one out rises unchanged, so the deepest part of
    // the tree is on the lowest-order leaves.
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => branch(a, b),
                [a] => *a,
                _ => [0; 32],
            })
            .collect();
    }
    level.first().copied()
}

/// The digest a signature field signs: `H("lightning" || messagename || fieldname, root)`.
pub fn signature_digest(messagename: &str, fieldname: &str, root: &[u8; 32]) -> [u8; 32] {
    let mut tag = b"lightning".to_vec();
    tag.extend_from_slice(messagename.as_bytes());
    tag.extend_from_slice(fieldname.as_bytes());
    tagged_hash(&tag, root)
}

/// Signs a digest (BIP-340, deterministic: no auxiliary randomness).
pub fn sign(digest: &[u8; 32], key: &SecretKey) -> schnorr::Signature {
    let keypair = Keypair::from_secret_key(SECP256K1, key);
    SECP256K1.sign_schnorr_no_aux_rand(&Message::from_digest(*digest), &keypair)
}

/// Checks a BIP-340 signature of a digest.
pub fn verify(digest: &[u8; 32], sig: &schnorr::Signature, key: &XOnlyPublicKey) -> bool {
    SECP256K1.verify_schnorr(sig, &Message::from_digest(*digest), key).is_ok()
}
