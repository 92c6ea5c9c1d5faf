//! Route blinding (BOLT 4 "Route Blinding"): the recipient builds a blinded path (introduction
//! node, blinded node ids, `encrypted_recipient_data` sealed with ChaCha20-Poly1305 under each
//! hop's `rho` key, and the chain of path keys); each node on the path opens its data with its
//! key and the path key it received, and derives the next path key.
//!
//! The path itself is the plain data type [`BlindedPath`] of `types` (re-exported here).
//! [`EncryptedDataTlv`] is the typed `encrypted_data_tlv` stream. The payment onion to a blinded
//! path is in [`crate::blinded_payment`]; onion messages, which travel only over blinded paths,
//! are in [`crate::message`].

use crate::crypto::{blinding_factor, SharedSecret};
use chacha20poly1305::aead::Aead;
use chacha20poly1305::{ChaCha20Poly1305, KeyInit, Nonce};
use core::fmt;
use secp256k1::{PublicKey, Scalar, Secp256k1, SecretKey, Signing, Verification};
use types::tlv::{self, TlvError, TlvStream, TruncatedIntError};
use types::{Msat, ShortChannelId};

pub use types::blinded::{BlindedHop, BlindedPath, BlindedPathError, IntroductionNode};

/// The keys the creator of a path derives for one hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopKeys {
    /// `E_i`, the path key the hop receives.
    pub path_key: PublicKey,
    /// `ss_i`.
    pub shared_secret: SharedSecret,
    /// `rho_i`, the key sealing the hop's data.
    pub rho: [u8; 32],
    /// `B_i`.
    pub blinded_node_id: PublicKey,
}

/// Why a blinded path could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlindPathError {
    /// No hop was given.
    NoHops,
    /// A tweak left the curve's valid range (probability negligible; hop index given).
    Tweak {
        /// The hop.
        hop: usize,
    },
    /// Sealing the data of a hop failed.
    Seal {
        /// The hop.
        hop: usize,
    },
}

impl fmt::Display for BlindPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlindPathError::NoHops => write!(f, "a blinded path needs at least one hop"),
            BlindPathError::Tweak { hop } => write!(f, "key tweak out of range at hop {hop}"),
            BlindPathError::Seal { hop } => write!(f, "cannot seal recipient data of hop {hop}"),
        }
    }
}
impl std::error::Error for BlindPathError {}

fn scalar(bytes: [u8; 32]) -> Option<Scalar> {
    Scalar::from_be_bytes(bytes).ok()
}

/// `HMAC256("blinded_node_id", ss) * N`.
fn blind_node_id<C: Verification>(
    secp: &Secp256k1<C>,
    node_id: &PublicKey,
    ss: &SharedSecret,
) -> Option<PublicKey> {
    node_id.mul_tweak(secp, &scalar(ss.derive(b"blinded_node_id"))?).ok()
}

/// The keys of every hop of a path built with `session_key` (`e_0`) over `node_ids`.
pub fn hop_keys<C: Signing + Verification>(
    secp: &Secp256k1<C>,
    session_key: &SecretKey,
    node_ids: &[PublicKey],
) -> Result<Vec<HopKeys>, BlindPathError> {
    let mut e = *session_key;
    let mut keys = Vec::with_capacity(node_ids.len());
    for (hop, node_id) in node_ids.iter().enumerate() {
        let path_key = PublicKey::from_secret_key(secp, &e);
        let shared_secret = SharedSecret::new(node_id, &e);
        let blinded_node_id =
            blind_node_id(secp, node_id, &shared_secret).ok_or(BlindPathError::Tweak { hop })?;
        let factor = scalar(blinding_factor(&path_key, &shared_secret));
        e = factor.and_then(|f| e.mul_tweak(&f).ok()).ok_or(BlindPathError::Tweak { hop })?;
        keys.push(HopKeys {
            path_key,
            shared_secret,
            rho: shared_secret.derive(b"rho"),
            blinded_node_id,
        });
    }
    Ok(keys)
}

fn cipher(rho: &[u8; 32]) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(rho.into())
}

/// Builds a blinded path to the last of `hops`: each hop is a node id and the plaintext
/// `encrypted_data_tlv` for it (see [`EncryptedDataTlv::encode`]). `session_key` is `e_0` (from
/// a CSPRNG: the caller's randomness).
pub fn build_blinded_path<C: Signing + Verification>(
    secp: &Secp256k1<C>,
    session_key: &SecretKey,
    hops: &[(PublicKey, Vec<u8>)],
) -> Result<BlindedPath, BlindPathError> {
    let (first, _) = hops.first().ok_or(BlindPathError::NoHops)?;
    let node_ids: Vec<PublicKey> = hops.iter().map(|(n, _)| *n).collect();
    let keys = hop_keys(secp, session_key, &node_ids)?;
    let mut out = Vec::with_capacity(hops.len());
    for (hop, (k, (_, data))) in keys.iter().zip(hops).enumerate() {
        let sealed = cipher(&k.rho)
            .encrypt(&Nonce::default(), data.as_slice())
            .map_err(|_| BlindPathError::Seal { hop })?;
        out.push(BlindedHop {
            blinded_node_id: k.blinded_node_id,
            encrypted_recipient_data: sealed,
        });
    }
    let first_path_key = keys.first().map(|k| k.path_key).ok_or(BlindPathError::NoHops)?;
    Ok(BlindedPath {
        introduction_node: IntroductionNode::NodeId(*first),
        first_path_key,
        hops: out,
    })
}

/// What a node on a blinded path learns from its `encrypted_recipient_data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnblindedHop {
    /// The decrypted `encrypted_data_tlv` bytes.
    pub plaintext: Vec<u8>,
    /// The same, parsed.
    pub data: EncryptedDataTlv,
    /// The path key to pass to the next node: `next_path_key_override` when present, else
    /// `SHA256(E_i || ss_i) * E_i`.
    pub next_path_key: PublicKey,
}

/// Why a node could not read its `encrypted_recipient_data`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnblindError {
    /// The ChaCha20-Poly1305 tag does not verify (wrong key or path key, or tampered data).
    Decrypt {
        /// Length of the sealed data.
        len: usize,
    },
    /// The plaintext is not a valid `encrypted_data_tlv`.
    Tlv(EncryptedDataError),
    /// A tweak left the curve's valid range.
    Tweak,
}

impl fmt::Display for UnblindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnblindError::Decrypt { len } => {
                write!(f, "cannot decrypt {len} bytes of encrypted recipient data")
            }
            UnblindError::Tlv(e) => write!(f, "bad encrypted recipient data: {e}"),
            UnblindError::Tweak => write!(f, "key tweak out of range"),
        }
    }
}
impl std::error::Error for UnblindError {}

/// The node's blinded private key `b_i = HMAC256("blinded_node_id", ss_i) * k_i`: the key that
/// peels an onion encrypted to its blinded node id.
pub fn blinded_node_secret(
    node_secret: &SecretKey,
    path_key: &PublicKey,
) -> Result<SecretKey, UnblindError> {
    let ss = SharedSecret::new(path_key, node_secret);
    let tweak = scalar(ss.derive(b"blinded_node_id")).ok_or(UnblindError::Tweak)?;
    node_secret.mul_tweak(&tweak).map_err(|_| UnblindError::Tweak)
}

/// `E_{i+1} = SHA256(E_i || ss_i) * E_i`.
pub fn next_path_key<C: Verification>(
    secp: &Secp256k1<C>,
    path_key: &PublicKey,
    shared_secret: &SharedSecret,
) -> Result<PublicKey, UnblindError> {
    let factor = scalar(blinding_factor(path_key, shared_secret)).ok_or(UnblindError::Tweak)?;
    path_key.mul_tweak(secp, &factor).map_err(|_| UnblindError::Tweak)
}

fn open(ss: &SharedSecret, encrypted: &[u8]) -> Result<Vec<u8>, UnblindError> {
    cipher(&ss.derive(b"rho"))
        .decrypt(&Nonce::default(), encrypted)
        .map_err(|_| UnblindError::Decrypt { len: encrypted.len() })
}

/// Only the decryption of [`decrypt_recipient_data`]: the plaintext `encrypted_data_tlv` bytes,
/// for a reader that parses them itself (a recipient reading private even types of its own).
pub fn decrypt_recipient_data_bytes(
    node_secret: &SecretKey,
    path_key: &PublicKey,
    encrypted: &[u8],
) -> Result<Vec<u8>, UnblindError> {
    open(&SharedSecret::new(path_key, node_secret), encrypted)
}

/// A node reads its `encrypted_recipient_data` with its key and the path key it received, and
/// derives the next path key.
pub fn decrypt_recipient_data<C: Verification>(
    secp: &Secp256k1<C>,
    node_secret: &SecretKey,
    path_key: &PublicKey,
    encrypted: &[u8],
) -> Result<UnblindedHop, UnblindError> {
    let ss = SharedSecret::new(path_key, node_secret);
    let plaintext = open(&ss, encrypted)?;
    let data = EncryptedDataTlv::decode(&plaintext).map_err(UnblindError::Tlv)?;
    let next = match data.next_path_key_override {
        Some(k) => k,
        None => next_path_key(secp, path_key, &ss)?,
    };
    Ok(UnblindedHop { plaintext, data, next_path_key: next })
}

/// `payment_relay` (type 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentRelay {
    /// `cltv_expiry_delta`.
    pub cltv_expiry_delta: u16,
    /// `fee_proportional_millionths`.
    pub fee_proportional_millionths: u32,
    /// `fee_base_msat` (a `tu32`).
    pub fee_base_msat: u32,
}

/// `payment_constraints` (type 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentConstraints {
    /// `max_cltv_expiry`.
    pub max_cltv_expiry: u32,
    /// `htlc_minimum_msat` (a `tu64`).
    pub htlc_minimum_msat: Msat,
}

/// The `encrypted_data_tlv` stream. Unknown odd records are kept in `unknown` so the stream
/// re-encodes to the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncryptedDataTlv {
    /// `padding` (type 1).
    pub padding: Option<Vec<u8>>,
    /// `short_channel_id` (type 2).
    pub short_channel_id: Option<ShortChannelId>,
    /// `next_node_id` (type 4).
    pub next_node_id: Option<PublicKey>,
    /// `path_id` (type 6).
    pub path_id: Option<Vec<u8>>,
    /// `next_path_key_override` (type 8).
    pub next_path_key_override: Option<PublicKey>,
    /// `payment_relay` (type 10).
    pub payment_relay: Option<PaymentRelay>,
    /// `payment_constraints` (type 12).
    pub payment_constraints: Option<PaymentConstraints>,
    /// `allowed_features` (type 14), big-endian feature bytes.
    pub allowed_features: Option<Vec<u8>>,
    /// Unknown odd records.
    pub unknown: Vec<tlv::TlvRecord>,
}

/// Why bytes are not an `encrypted_data_tlv`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptedDataError {
    /// The TLV framing is wrong, or an unknown even type is present.
    Tlv(TlvError),
    /// A record of a known type has the wrong length.
    Length {
        /// The type.
        typ: u64,
        /// Its length.
        len: usize,
    },
    /// A truncated integer is invalid.
    TruncatedInt {
        /// The type.
        typ: u64,
        /// The problem.
        error: TruncatedIntError,
    },
    /// A point is not on the curve.
    Point {
        /// The type.
        typ: u64,
    },
}

impl fmt::Display for EncryptedDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncryptedDataError::Tlv(e) => write!(f, "{e}"),
            EncryptedDataError::Length { typ, len } => {
                write!(f, "encrypted data type {typ} has bad length {len}")
            }
            EncryptedDataError::TruncatedInt { typ, error } => {
                write!(f, "encrypted data type {typ}: {error}")
            }
            EncryptedDataError::Point { typ } => {
                write!(f, "encrypted data type {typ} is not a valid point")
            }
        }
    }
}
impl std::error::Error for EncryptedDataError {}

const KNOWN_TYPES: [u64; 8] = [1, 2, 4, 6, 8, 10, 12, 14];

fn point(typ: u64, v: &[u8]) -> Result<PublicKey, EncryptedDataError> {
    PublicKey::from_slice(v).map_err(|_| EncryptedDataError::Point { typ })
}

fn fixed<const N: usize>(typ: u64, v: &[u8]) -> Result<[u8; N], EncryptedDataError> {
    v.try_into().map_err(|_| EncryptedDataError::Length { typ, len: v.len() })
}

impl EncryptedDataTlv {
    /// Parses an `encrypted_data_tlv` stream.
    pub fn decode(bytes: &[u8]) -> Result<EncryptedDataTlv, EncryptedDataError> {
        let stream = TlvStream::decode(bytes, &|t| KNOWN_TYPES.contains(&t))
            .map_err(EncryptedDataError::Tlv)?;
        let mut out = EncryptedDataTlv::default();
        for r in stream.records {
            let (typ, v) = (r.typ, r.value.as_slice());
            match typ {
                1 => out.padding = Some(r.value),
                2 => {
                    out.short_channel_id = Some(ShortChannelId(u64::from_be_bytes(fixed(typ, v)?)))
                }
                4 => out.next_node_id = Some(point(typ, v)?),
                6 => out.path_id = Some(r.value),
                8 => out.next_path_key_override = Some(point(typ, v)?),
                10 => {
                    let (head, base) = (v.get(..6), v.get(6..));
                    let head: [u8; 6] = fixed(typ, head.unwrap_or(v))?;
                    let base = tlv::decode_tu32(base.unwrap_or_default())
                        .map_err(|error| EncryptedDataError::TruncatedInt { typ, error })?;
                    out.payment_relay = Some(PaymentRelay {
                        cltv_expiry_delta: u16::from_be_bytes([head[0], head[1]]),
                        fee_proportional_millionths: u32::from_be_bytes([
                            head[2], head[3], head[4], head[5],
                        ]),
                        fee_base_msat: base,
                    });
                }
                12 => {
                    let head: [u8; 4] = fixed(typ, v.get(..4).unwrap_or(v))?;
                    let min = tlv::decode_tu64(v.get(4..).unwrap_or_default())
                        .map_err(|error| EncryptedDataError::TruncatedInt { typ, error })?;
                    out.payment_constraints = Some(PaymentConstraints {
                        max_cltv_expiry: u32::from_be_bytes(head),
                        htlc_minimum_msat: Msat(min),
                    });
                }
                14 => out.allowed_features = Some(r.value),
                _ => out.unknown.push(r),
            }
        }
        Ok(out)
    }

    /// The stream's bytes (types in increasing order, unknown records merged in).
    pub fn encode(&self) -> Vec<u8> {
        let mut stream = TlvStream::default();
        let mut put = |typ: u64, value: Vec<u8>| stream.insert(typ, value);
        if let Some(p) = &self.padding {
            put(1, p.clone());
        }
        if let Some(s) = self.short_channel_id {
            put(2, s.0.to_be_bytes().to_vec());
        }
        if let Some(n) = self.next_node_id {
            put(4, n.serialize().to_vec());
        }
        if let Some(p) = &self.path_id {
            put(6, p.clone());
        }
        if let Some(k) = self.next_path_key_override {
            put(8, k.serialize().to_vec());
        }
        if let Some(r) = self.payment_relay {
            let mut v = Vec::with_capacity(10);
            v.extend_from_slice(&r.cltv_expiry_delta.to_be_bytes());
            v.extend_from_slice(&r.fee_proportional_millionths.to_be_bytes());
            v.extend_from_slice(&tlv::encode_tu64(u64::from(r.fee_base_msat)));
            put(10, v);
        }
        if let Some(c) = self.payment_constraints {
            let mut v = Vec::with_capacity(12);
            v.extend_from_slice(&c.max_cltv_expiry.to_be_bytes());
            v.extend_from_slice(&tlv::encode_tu64(c.htlc_minimum_msat.0));
            put(12, v);
        }
        if let Some(f) = &self.allowed_features {
            put(14, f.clone());
        }
        for r in &self.unknown {
            put(r.typ, r.value.clone());
        }
        stream.encode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_then_unblind_every_hop() {
        let secp = Secp256k1::new();
        let secrets: Vec<SecretKey> =
            (1..=3u8).filter_map(|i| SecretKey::from_slice(&[i + 10; 32]).ok()).collect();
        assert_eq!(secrets.len(), 3);
        let hops: Vec<(PublicKey, Vec<u8>)> = secrets
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let data = EncryptedDataTlv {
                    path_id: Some(vec![i as u8]),
                    ..EncryptedDataTlv::default()
                };
                (PublicKey::from_secret_key(&secp, k), data.encode())
            })
            .collect();
        let session = SecretKey::from_slice(&[9; 32]).unwrap_or_else(|e| panic!("{e}"));
        let path = build_blinded_path(&secp, &session, &hops).unwrap_or_else(|e| panic!("{e}"));
        let mut path_key = path.first_path_key;
        for (i, (k, hop)) in secrets.iter().zip(&path.hops).enumerate() {
            let got = decrypt_recipient_data(&secp, k, &path_key, &hop.encrypted_recipient_data)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got.data.path_id, Some(vec![i as u8]));
            let b = blinded_node_secret(k, &path_key).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(PublicKey::from_secret_key(&secp, &b), hop.blinded_node_id);
            path_key = got.next_path_key;
        }
        let wrong = decrypt_recipient_data(
            &secp,
            &secrets[0],
            &path_key,
            &path.hops[0].encrypted_recipient_data,
        );
        assert!(matches!(wrong, Err(UnblindError::Decrypt { .. })));
        assert_eq!(build_blinded_path(&secp, &session, &[]), Err(BlindPathError::NoHops));
    }

    #[test]
    fn encrypted_data_rejects_bad_records() {
        assert!(matches!(
            EncryptedDataTlv::decode(&[0x02, 0x01, 0x00]),
            Err(EncryptedDataError::Length { typ: 2, len: 1 })
        ));
        assert!(matches!(
            EncryptedDataTlv::decode(&[0x10, 0x00]),
            Err(EncryptedDataError::Tlv(TlvError::UnknownEvenType { typ: 16 }))
        ));
        assert!(matches!(
            EncryptedDataTlv::decode(&[0x0c, 0x05, 0, 0, 0, 1, 0]),
            Err(EncryptedDataError::TruncatedInt { typ: 12, .. })
        ));
    }
}
