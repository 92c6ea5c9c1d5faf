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

use secp256k1::{PublicKey, SecretKey};
use types::blinded::BlindedPath;
use types::{Hop, Msat, PaymentHash};

use crate::crypto::SharedSecret;
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
        let payload = match hops.get(i + 1) {
            Some(next) => HopPayload::Forward(ForwardPayload {
                amt_to_forward: next.amount,
                outgoing_cltv_value: cltv_base.saturating_add(next.delay),
                short_channel_id: next.channel,
                custom_records: Vec::new(),
            }),
            None => HopPayload::Blinded(BlindedPayload {
                encrypted_recipient_data: path
                    .hops
                    .first()
                    .map(|h| h.encrypted_recipient_data.clone())
                    .unwrap_or_default(),
                current_path_key: Some(path.first_path_key),
                final_values: (path.hops.len() <= 1).then_some(final_values),
            }),
        };
        out.push((pk, payload));
    }
    let n = path.hops.len();
    for (j, h) in path.hops.iter().enumerate().skip(1) {
        out.push((
            h.blinded_node_id,
            HopPayload::Blinded(BlindedPayload {
                encrypted_recipient_data: h.encrypted_recipient_data.clone(),
                current_path_key: None,
                final_values: (j + 1 == n).then_some(final_values),
            }),
        ));
    }
    Ok(out)
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
