//! The cryptographic primitives of BOLT 4, shared by packet construction, peeling, failure
//! messages and route blinding.

use chacha20::cipher::{KeyIvInit, StreamCipher};
use chacha20::ChaCha20;
use hmac::{Hmac, Mac};
use secp256k1::{ecdh, PublicKey, SecretKey};
use sha2::{Digest, Sha256};

/// A per-hop shared secret: SHA-256 of the compressed ECDH point (BOLT 4 "Shared Secret").
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SharedSecret(pub [u8; 32]);

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

impl SharedSecret {
    /// ECDH between our secret key and their public key.
    pub fn new(their_pubkey: &PublicKey, our_secret: &SecretKey) -> SharedSecret {
        SharedSecret(ecdh::SharedSecret::new(their_pubkey, our_secret).secret_bytes())
    }

    /// A key derived for one purpose: HMAC-SHA256 keyed with the key type (`rho`, `mu`, `um`,
    /// `ammag`, `pad`, ...) over the secret.
    pub fn derive(&self, key_type: &[u8]) -> [u8; 32] {
        hmac_sha256(key_type, &[&self.0])
    }
}

/// HMAC-SHA256 of the concatenation of `parts`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length, so `new_from_slice` cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("hmac accepts any key length"),
    };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// XORs `data` with the ChaCha20 stream of `key` (96-bit zero nonce, counter 0).
pub fn xor_stream(key: &[u8; 32], data: &mut [u8]) {
    let mut cipher = ChaCha20::new(key.into(), &[0u8; 12].into());
    cipher.apply_keystream(data);
}

/// XORs `data` with the ChaCha20 stream of `key` starting `offset` bytes into the stream
/// (96-bit zero nonce): the filler and peeling work on windows of one long stream.
pub fn xor_stream_at(key: &[u8; 32], offset: u64, data: &mut [u8]) {
    use chacha20::cipher::StreamCipherSeek;
    let mut cipher = ChaCha20::new(key.into(), &[0u8; 12].into());
    cipher.seek(offset);
    cipher.apply_keystream(data);
}

/// `len` bytes of the ChaCha20 stream of `key`.
pub fn stream(key: &[u8; 32], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    xor_stream(key, &mut out);
    out
}

/// The blinding factor that turns one ephemeral key into the next:
/// SHA-256(ephemeral public key || shared secret).
pub fn blinding_factor(ephemeral: &PublicKey, secret: &SharedSecret) -> [u8; 32] {
    sha256(&[&ephemeral.serialize(), &secret.0])
}

/// Constant-time equality for MACs.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chacha20_rfc8439_zero_key_block() {
        // RFC 8439 §2.3.2 test vector 1 (key 0, nonce 0, counter 0): first bytes of the stream.
        let s = stream(&[0u8; 32], 8);
        assert_eq!(s, [0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90]);
    }

    #[test]
    fn stream_windows_agree() {
        let key = [7u8; 32];
        let whole = stream(&key, 300);
        let mut window = [0u8; 100];
        xor_stream_at(&key, 150, &mut window);
        assert_eq!(&window[..], &whole[150..250]);
    }

    #[test]
    fn constant_time_eq() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
