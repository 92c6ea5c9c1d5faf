//! The payment onion of a path: each hop's payload built from the [`Path`](types::Path)'s
//! hops and the final hop's payment data, then wrapped by [`crate::packet::build`]. This is
//! the one place a sender turns a route into an onion (LDK's `create_payment_onion`).
//!
//! Hop `i`'s payload carries what the next hop receives: its amount, its absolute CLTV
//! (`cltv_base` plus its relative delay) and the channel to it. The last hop's payload carries
//! its own amount and CLTV and the [`FinalData`].

use std::fmt;

use secp256k1::{PublicKey, SecretKey};
use types::tlv::TlvRecord;
use types::{Hop, Msat, NodeId, PaymentHash, PaymentPreimage, PaymentSecret};

use crate::crypto::SharedSecret;
use crate::packet::{self, BuildError, OnionPacket};
use crate::payload::{FinalPayload, ForwardPayload, HopPayload, PaymentData};

/// What the final hop's payload carries beyond its amount and CLTV.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FinalData {
    /// The invoice's payment secret; with it the payload carries `payment_data`.
    pub payment_secret: Option<PaymentSecret>,
    /// The total amount of the payment (all its parts), sent with the payment secret.
    pub total_msat: Msat,
    /// The invoice's payment metadata, echoed back.
    pub payment_metadata: Option<Vec<u8>>,
    /// A spontaneous payment's preimage (keysend).
    pub keysend_preimage: Option<PaymentPreimage>,
    /// Custom records for the payee, in type order.
    pub custom_records: Vec<TlvRecord>,
}

/// Why a payment onion could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildPaymentOnionError {
    /// A hop's node id is not a valid public key.
    InvalidNodeId {
        /// Index of the hop in the path.
        hop: usize,
        /// Its node id.
        id: NodeId,
    },
    /// The packet could not be built from the payloads (no hops, or too long).
    Packet(BuildError),
}

impl fmt::Display for BuildPaymentOnionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildPaymentOnionError::InvalidNodeId { hop, id } => {
                write!(f, "node id {id} of hop {hop} is not a valid public key")
            }
            BuildPaymentOnionError::Packet(e) => write!(f, "cannot build the onion: {e}"),
        }
    }
}

impl std::error::Error for BuildPaymentOnionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildPaymentOnionError::Packet(e) => Some(e),
            BuildPaymentOnionError::InvalidNodeId { .. } => None,
        }
    }
}

/// The payloads of `hops`, in path order: each forwarding hop's tells it what the next hop
/// receives and over which channel, at `cltv_base` plus that hop's delay; the last hop's
/// carries `final_data`.
pub fn payment_payloads(hops: &[Hop], cltv_base: u32, final_data: &FinalData) -> Vec<HopPayload> {
    let mut payloads = Vec::with_capacity(hops.len());
    for (i, hop) in hops.iter().enumerate() {
        payloads.push(match hops.get(i + 1) {
            Some(next) => HopPayload::Forward(ForwardPayload {
                amt_to_forward: next.amount,
                outgoing_cltv_value: cltv_base.saturating_add(next.delay),
                short_channel_id: next.channel,
                custom_records: Vec::new(),
            }),
            None => HopPayload::Final(FinalPayload {
                amt_to_forward: hop.amount,
                outgoing_cltv_value: cltv_base.saturating_add(hop.delay),
                payment_data: final_data.payment_secret.map(|payment_secret| PaymentData {
                    payment_secret,
                    total_msat: final_data.total_msat,
                }),
                payment_metadata: final_data.payment_metadata.clone(),
                keysend_preimage: final_data.keysend_preimage,
                custom_records: final_data.custom_records.clone(),
            }),
        });
    }
    payloads
}

/// Builds the payment onion of `hops` (as [`types::Path::hops`]): the payloads of
/// [`payment_payloads`], encoded and wrapped for each hop's node id under `session_key`, with
/// the payment hash as associated data. `cltv_base` is the height the hops' relative delays
/// count from (LDK's `cur_block_height`: the best known height plus one for a payer that
/// follows BOLT 2). Returns the packet and the secret shared with each hop, in path order;
/// the first HTLC carries the first hop's amount and `cltv_base` plus its delay.
pub fn build_payment_onion(
    session_key: &SecretKey,
    hops: &[Hop],
    cltv_base: u32,
    final_data: &FinalData,
    payment_hash: &PaymentHash,
) -> Result<(OnionPacket, Vec<SharedSecret>), BuildPaymentOnionError> {
    let payloads = payment_payloads(hops, cltv_base, final_data);
    let mut keyed: Vec<(PublicKey, Vec<u8>)> = Vec::with_capacity(hops.len());
    for (i, (hop, payload)) in hops.iter().zip(&payloads).enumerate() {
        let pk = hop
            .id
            .to_pubkey()
            .map_err(|_| BuildPaymentOnionError::InvalidNodeId { hop: i, id: hop.id })?;
        keyed.push((pk, payload.encode()));
    }
    packet::build(session_key, &keyed, &payment_hash.0).map_err(BuildPaymentOnionError::Packet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secp256k1::Secp256k1;
    use types::ShortChannelId;

    fn node(i: u8) -> (PublicKey, NodeId) {
        let sk = SecretKey::from_slice(&[i; 32]).unwrap();
        let pk = PublicKey::from_secret_key(&Secp256k1::new(), &sk);
        (pk, NodeId::from_pubkey(&pk))
    }

    fn hop(i: u8, amount: u64, delay: u32) -> Hop {
        Hop {
            id: node(i).1,
            channel: ShortChannelId(u64::from(i) << 40 | 1),
            direction: i % 2,
            amount: Msat(amount),
            delay,
        }
    }

    /// The onion equals the one written out payload by payload, as the payer built it
    /// before this function existed (forward payloads carry the next hop's amount, CLTV
    /// and channel), for one to four hops and every final-payload field.
    #[test]
    fn equals_the_payloads_written_out() {
        let session_key = SecretKey::from_slice(&[0x41; 32]).unwrap();
        let hash = PaymentHash([0x42; 32]);
        let full = FinalData {
            payment_secret: Some(PaymentSecret([7; 32])),
            total_msat: Msat(5_000),
            payment_metadata: Some(vec![1, 2, 3]),
            keysend_preimage: Some(PaymentPreimage([9; 32])),
            custom_records: vec![TlvRecord { typ: 65_537, value: vec![4, 5] }],
        };
        let mut checked = 0;
        for final_data in [FinalData::default(), full] {
            for n in 1..=4u8 {
                let hops: Vec<Hop> = (0..n)
                    .map(|i| {
                        hop(i + 1, 1_000 + 10 * u64::from(n - 1 - i), 9 + 40 * u32::from(n - 1 - i))
                    })
                    .collect();
                let base = 800_001;
                let mut written = Vec::new();
                for (i, h) in hops.iter().enumerate() {
                    let payload = match hops.get(i + 1) {
                        Some(next) => HopPayload::Forward(ForwardPayload {
                            amt_to_forward: next.amount,
                            outgoing_cltv_value: base + next.delay,
                            short_channel_id: next.channel,
                            custom_records: vec![],
                        }),
                        None => HopPayload::Final(FinalPayload {
                            amt_to_forward: h.amount,
                            outgoing_cltv_value: base + h.delay,
                            payment_data: final_data.payment_secret.map(|payment_secret| {
                                PaymentData { payment_secret, total_msat: final_data.total_msat }
                            }),
                            payment_metadata: final_data.payment_metadata.clone(),
                            keysend_preimage: final_data.keysend_preimage,
                            custom_records: final_data.custom_records.clone(),
                        }),
                    };
                    written.push((h.id.to_pubkey().unwrap(), payload.encode()));
                }
                let expected = packet::build(&session_key, &written, &hash.0).unwrap();
                let built =
                    build_payment_onion(&session_key, &hops, base, &final_data, &hash).unwrap();
                assert_eq!(built.0.to_bytes(), expected.0.to_bytes());
                assert!(built.1 == expected.1);
                checked += 1;
            }
        }
        assert_eq!(checked, 8);
    }

    #[test]
    fn errors_name_the_hop() {
        let key = SecretKey::from_slice(&[0x41; 32]).unwrap();
        let hash = PaymentHash([0; 32]);
        assert_eq!(
            build_payment_onion(&key, &[], 0, &FinalData::default(), &hash).err(),
            Some(BuildPaymentOnionError::Packet(BuildError::NoHops))
        );
        let mut bad = [2u8; 33];
        bad[1..].fill(0xff);
        let id = NodeId::from_array(bad).unwrap();
        let hops = [hop(1, 10, 9), Hop { id, ..hop(2, 10, 9) }];
        assert_eq!(
            build_payment_onion(&key, &hops, 0, &FinalData::default(), &hash).err(),
            Some(BuildPaymentOnionError::InvalidNodeId { hop: 1, id })
        );
    }
}
