//! The payment onion of a part that ends in a recipient's blinded path (BOLT 4 route
//! blinding, as a BOLT 12 payer uses it).
//!
//! The part's unblinded hops lead to the path's introduction node, the last of them; the
//! onion layer of the introduction node is encrypted to its real node id (BOLT 4: "SHOULD
//! create an unblinded onion payment to `first_node_id`"), every later layer to the
//! blinded node id the path gives. Each blinded hop's payload carries only its
//! `encrypted_recipient_data`; the introduction node's adds the path key
//! (`current_path_key`), and the final one the amount it receives, its CLTV and the total
//! amount of the payment.
//!
//! The recipient's side is here too: [`build_payment_path`] makes the blinded path an invoice
//! carries (each forwarding node told its channel, `payment_relay` and
//! `payment_constraints`, the recipient its `path_id`), [`aggregate_relay`] its payinfo, and
//! [`read_blinded_hop`] is what a node of such a path reads at its hop: where to forward and
//! how much, or what it receives. The simulator's receivers and forwarders use these.

use core::fmt;
use secp256k1::{PublicKey, Secp256k1, SecretKey, Signing, Verification};
use types::blinded::{BlindedPath, IntroductionNode};
use types::{Hop, Msat, PaymentHash, ShortChannelId};

use crate::blinding::{
    build_blinded_path, decrypt_recipient_data, BlindPathError, EncryptedDataTlv,
    PaymentConstraints, PaymentRelay, UnblindError,
};
use crate::crypto::SharedSecret;
use crate::message::path::pad_to_equal;
use crate::packet::{self, OnionPacket};
use crate::payload::{BlindedFinal, BlindedPayload, ForwardPayload, HopPayload};
use crate::payment::BuildPaymentOnionError;

/// What the final (blinded) hop is told of the payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlindedFinalData {
    /// The amount this part delivers to the recipient.
    pub amount: Msat,
    /// The final hop's CLTV delay over `cltv_base` (0 unless a shadow offset is added: the
    /// blinded path's aggregate CLTV delta already holds the recipient's final delta).
    pub delay: u32,
    /// The total amount of the payment, all parts together.
    pub total_amount: Msat,
}

/// The payloads of a part over `hops` (ending at the introduction node of `path`, which the
/// caller resolved to a node id) and then through `path` (`first_path_key` and each hop's
/// blinded node id and encrypted recipient data; the introduction node's blinded node id is
/// not used for a payment), each with the key its layer is encrypted to, in path order.
pub fn blinded_payment_payloads(
    hops: &[Hop],
    cltv_base: u32,
    path: &BlindedPath,
    fin: &BlindedFinalData,
) -> Result<Vec<(PublicKey, HopPayload)>, BuildPaymentOnionError> {
    let mut out = Vec::with_capacity(hops.len() + path.hops.len());
    if hops.is_empty() || path.hops.is_empty() {
        return Err(BuildPaymentOnionError::Packet(packet::BuildError::NoHops));
    }
    let final_values = BlindedFinal {
        amt_to_forward: fin.amount,
        outgoing_cltv_value: cltv_base.saturating_add(fin.delay),
        total_amount_msat: fin.total_amount,
    };
    for (i, hop) in hops.iter().enumerate() {
        let pk = hop
            .id
            .to_pubkey()
            .map_err(|_| BuildPaymentOnionError::InvalidNodeId { hop: i, id: hop.id })?;
        let Some(next) = hops.get(i + 1) else {
            // The introduction node: its layer and the path's come from the path.
            let resolved =
                BlindedPath { introduction_node: IntroductionNode::NodeId(pk), ..path.clone() };
            out.extend(
                blinded_hops(&resolved, final_values).map_err(BuildPaymentOnionError::Packet)?,
            );
            break;
        };
        out.push((
            pk,
            HopPayload::Forward(ForwardPayload {
                amt_to_forward: next.amount,
                outgoing_cltv_value: cltv_base.saturating_add(next.delay),
                short_channel_id: next.channel,
                custom_records: Vec::new(),
            }),
        ));
    }
    Ok(out)
}

/// The layers a sender appends for `path`: the introduction node under its real node id, the
/// others under their blinded node ids, each payload carrying its `encrypted_recipient_data`,
/// the first also the path key, the last the final values. A path whose introduction node is
/// named by a channel is refused ([`packet::BuildError::UnresolvedIntroduction`]): the caller
/// resolves it first.
pub fn blinded_hops(
    path: &BlindedPath,
    final_values: BlindedFinal,
) -> Result<Vec<(PublicKey, HopPayload)>, packet::BuildError> {
    let introduction = match path.introduction_node {
        IntroductionNode::NodeId(k) => k,
        IntroductionNode::Channel(channel) => {
            return Err(packet::BuildError::UnresolvedIntroduction { channel })
        }
    };
    let last = path.hops.len().saturating_sub(1);
    Ok(path
        .hops
        .iter()
        .enumerate()
        .map(|(i, hop)| {
            let payload = HopPayload::Blinded(BlindedPayload {
                encrypted_recipient_data: hop.encrypted_recipient_data.clone(),
                current_path_key: (i == 0).then_some(path.first_path_key),
                final_values: (i == last).then_some(final_values),
            });
            (if i == 0 { introduction } else { hop.blinded_node_id }, payload)
        })
        .collect())
}

/// Builds the onion of a part over `hops` (ending at the introduction node of `path`) and
/// through `path`, under `session_key` with the payment hash as associated data. Returns the
/// packet and the secret shared with each layer (unblinded hops, then the blinded ones after
/// the introduction node). The first HTLC carries the first hop's amount and `cltv_base`
/// plus its delay, as for any part.
pub fn build_blinded_payment_onion(
    session_key: &SecretKey,
    hops: &[Hop],
    cltv_base: u32,
    path: &BlindedPath,
    fin: &BlindedFinalData,
    payment_hash: &PaymentHash,
) -> Result<(OnionPacket, Vec<SharedSecret>), BuildPaymentOnionError> {
    let payloads = blinded_payment_payloads(hops, cltv_base, path, fin)?;
    let keyed: Vec<(PublicKey, Vec<u8>)> =
        payloads.iter().map(|(pk, p)| (*pk, p.encode())).collect();
    packet::build(session_key, &keyed, &payment_hash.0).map_err(BuildPaymentOnionError::Packet)
}

/// A forwarding node of a blinded payment path, as the recipient building the path knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathForward {
    /// The node.
    pub node_id: PublicKey,
    /// The channel it forwards over, toward the next node of the path.
    pub short_channel_id: ShortChannelId,
    /// What it charges and the CLTV delta it takes (`payment_relay`).
    pub relay: PaymentRelay,
    /// What it accepts (`payment_constraints`).
    pub constraints: PaymentConstraints,
}

/// The recipient builds a blinded payment path through `forwards` (the introduction node
/// first) to itself (`payee`): each forwarding node's data names its channel, relay and
/// constraints, the payee's carries `path_id` and `payee_constraints`, and every hop's data is
/// padded to one length so the path does not show which hop is the recipient. `session_key`
/// is `e_0`, from the caller's randomness.
pub fn build_payment_path<C: Signing + Verification>(
    secp: &Secp256k1<C>,
    session_key: &SecretKey,
    forwards: &[PathForward],
    payee: PublicKey,
    path_id: &[u8],
    payee_constraints: PaymentConstraints,
) -> Result<BlindedPath, BlindPathError> {
    let mut data: Vec<EncryptedDataTlv> = forwards
        .iter()
        .map(|f| EncryptedDataTlv {
            short_channel_id: Some(f.short_channel_id),
            payment_relay: Some(f.relay),
            payment_constraints: Some(f.constraints),
            ..EncryptedDataTlv::default()
        })
        .collect();
    data.push(EncryptedDataTlv {
        path_id: Some(path_id.to_vec()),
        payment_constraints: Some(payee_constraints),
        ..EncryptedDataTlv::default()
    });
    pad_to_equal(&mut data);
    let hops: Vec<(PublicKey, Vec<u8>)> = forwards
        .iter()
        .map(|f| f.node_id)
        .chain(core::iter::once(payee))
        .zip(data.iter().map(EncryptedDataTlv::encode))
        .collect();
    build_blinded_path(secp, session_key, &hops)
}

/// A blinded path's aggregate relay, as its payinfo gives it to payers (BOLT 4: fees rounded
/// up node by node from the recipient back, CLTV deltas summed with the recipient's final
/// delta).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggregateRelay {
    /// `fee_base_msat` of the whole path.
    pub fee_base_msat: u32,
    /// `fee_proportional_millionths` of the whole path.
    pub fee_proportional_millionths: u32,
    /// `cltv_expiry_delta` of the whole path, the final delta included.
    pub cltv_expiry_delta: u16,
}

/// The aggregate of `relays` (the path's forwarding nodes, the introduction node first) and
/// the recipient's `final_cltv_delta`; `None` when a total does not fit its field.
pub fn aggregate_relay(relays: &[PaymentRelay], final_cltv_delta: u16) -> Option<AggregateRelay> {
    let (mut base, mut ppm, mut cltv) = (0u128, 0u128, u32::from(final_cltv_delta));
    for r in relays.iter().rev() {
        let (b, p) = (u128::from(r.fee_base_msat), u128::from(r.fee_proportional_millionths));
        base = (b * 1_000_000 + base * (1_000_000 + p)).div_ceil(1_000_000);
        ppm = ((ppm + p) * 1_000_000 + ppm * p).div_ceil(1_000_000);
        cltv = cltv.saturating_add(u32::from(r.cltv_expiry_delta));
    }
    Some(AggregateRelay {
        fee_base_msat: u32::try_from(base).ok()?,
        fee_proportional_millionths: u32::try_from(ppm).ok()?,
        cltv_expiry_delta: u16::try_from(cltv).ok()?,
    })
}

/// What a node of a blinded payment path reads at its hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlindedHopRead {
    /// Forward over `short_channel_id`.
    Forward {
        /// The channel.
        short_channel_id: ShortChannelId,
        /// What to forward: the incoming amount less the relay's fee (BOLT 4's
        /// `((amount - fee_base_msat) * 1000000 + 1000000 + fee_proportional_millionths - 1) /
        /// (1000000 + fee_proportional_millionths)`).
        amt_to_forward: Msat,
        /// The incoming CLTV less the relay's delta.
        outgoing_cltv_value: u32,
        /// The path key to give the next node beside the HTLC.
        next_path_key: PublicKey,
    },
    /// The node is the recipient.
    Receive {
        /// The `path_id` it put in its data.
        path_id: Vec<u8>,
        /// What the payload says: amount, CLTV and total.
        values: BlindedFinal,
    },
}

/// Why a node cannot act on its hop of a blinded payment path (every one of them is
/// answered `invalid_onion_blinding`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlindedHopError {
    /// The path key came both beside the HTLC and in the payload, or neither.
    PathKey {
        /// Whether the HTLC carried one.
        beside_htlc: bool,
    },
    /// The encrypted data does not open or parse.
    Unblind(UnblindError),
    /// The HTLC is below the path's `htlc_minimum_msat` for this node.
    BelowMinimum {
        /// The HTLC's amount.
        amount: Msat,
        /// The minimum.
        minimum: Msat,
    },
    /// The HTLC expires after the path's `max_cltv_expiry` for this node.
    ExpiryTooLate {
        /// The HTLC's CLTV.
        cltv: u32,
        /// The most allowed.
        max: u32,
    },
    /// The HTLC does not pay the relay's fee or its CLTV delta.
    RelayUnpaid {
        /// The HTLC's amount.
        amount: Msat,
        /// The HTLC's CLTV.
        cltv: u32,
    },
    /// The data and the payload disagree on the role: a forwarding node's data without a
    /// channel or relay, a final payload with them, or a recipient without `path_id`.
    Role,
}

impl fmt::Display for BlindedHopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlindedHopError::PathKey { beside_htlc: true } => {
                write!(f, "path key both beside the htlc and in the payload")
            }
            BlindedHopError::PathKey { beside_htlc: false } => write!(f, "no path key"),
            BlindedHopError::Unblind(e) => write!(f, "{e}"),
            BlindedHopError::BelowMinimum { amount, minimum } => {
                write!(f, "amount {amount} below the path's minimum {minimum}")
            }
            BlindedHopError::ExpiryTooLate { cltv, max } => {
                write!(f, "cltv {cltv} after the path's maximum {max}")
            }
            BlindedHopError::RelayUnpaid { amount, cltv } => {
                write!(f, "htlc of {amount} at cltv {cltv} does not pay the relay")
            }
            BlindedHopError::Role => write!(f, "data and payload disagree on the hop's role"),
        }
    }
}

impl std::error::Error for BlindedHopError {}

/// A node (`node_secret`) of a blinded payment path reads its hop from its peeled `payload`
/// and the HTLC it came with (`amount`, `cltv`, and `path_key` beside it, which the
/// introduction node has instead in its payload). Its layer of the onion is peeled with its
/// own key at the introduction node, with [`crate::blinding::blinded_node_secret`] after.
/// The path's constraints are checked against the HTLC; whether the node can forward that
/// much over the channel is its caller's to decide.
pub fn read_blinded_hop<C: Verification>(
    secp: &Secp256k1<C>,
    node_secret: &SecretKey,
    path_key: Option<PublicKey>,
    payload: &BlindedPayload,
    amount: Msat,
    cltv: u32,
) -> Result<BlindedHopRead, BlindedHopError> {
    let key = match (path_key, payload.current_path_key) {
        (None, Some(k)) | (Some(k), None) => k,
        (beside, _) => return Err(BlindedHopError::PathKey { beside_htlc: beside.is_some() }),
    };
    let hop = decrypt_recipient_data(secp, node_secret, &key, &payload.encrypted_recipient_data)
        .map_err(BlindedHopError::Unblind)?;
    let data = hop.data;
    if let Some(c) = data.payment_constraints {
        if amount < c.htlc_minimum_msat {
            return Err(BlindedHopError::BelowMinimum { amount, minimum: c.htlc_minimum_msat });
        }
        if cltv > c.max_cltv_expiry {
            return Err(BlindedHopError::ExpiryTooLate { cltv, max: c.max_cltv_expiry });
        }
    }
    match (payload.final_values, data.short_channel_id, data.payment_relay) {
        (None, Some(short_channel_id), Some(relay)) => {
            let unpaid = BlindedHopError::RelayUnpaid { amount, cltv };
            let ppm = u128::from(relay.fee_proportional_millionths);
            let after_base = u128::from(amount.0)
                .checked_sub(u128::from(relay.fee_base_msat))
                .ok_or(unpaid.clone())?;
            let fwd = (after_base * 1_000_000).div_ceil(1_000_000 + ppm);
            let outgoing_cltv_value =
                cltv.checked_sub(u32::from(relay.cltv_expiry_delta)).ok_or(unpaid.clone())?;
            Ok(BlindedHopRead::Forward {
                short_channel_id,
                amt_to_forward: Msat(u64::try_from(fwd).map_err(|_| unpaid)?),
                outgoing_cltv_value,
                next_path_key: hop.next_path_key,
            })
        }
        (Some(values), None, None) => {
            let path_id = data.path_id.ok_or(BlindedHopError::Role)?;
            Ok(BlindedHopRead::Receive { path_id, values })
        }
        _ => Err(BlindedHopError::Role),
    }
}
