//! The payment onion to a blinded path (BOLT 4 "Route Blinding", reader of the `blinded_path`):
//! an unblinded onion to the introduction node, whose payload carries `current_path_key` and
//! its `encrypted_recipient_data`, then one hop per blinded node id, each with its
//! `encrypted_recipient_data` (the last one also with amount, expiry and total amount).

use super::{BlindedPath, IntroductionNode};
use crate::crypto::SharedSecret;
use crate::packet::{self, BuildError, OnionPacket};
use crate::payload::{BlindedFinal, BlindedPayload, HopPayload};
use secp256k1::{PublicKey, SecretKey};

/// The hops (node id and payload) the sender appends for `path`: the introduction node under its
/// real node id, the others under their blinded node ids. A path whose introduction node is
/// named by a channel is refused ([`BuildError::UnresolvedIntroduction`]): the caller resolves it
/// first.
pub fn blinded_hops(
    path: &BlindedPath,
    final_values: BlindedFinal,
) -> Result<Vec<(PublicKey, Vec<u8>)>, BuildError> {
    let introduction = match path.introduction_node {
        IntroductionNode::NodeId(k) => k,
        IntroductionNode::Channel(channel) => {
            return Err(BuildError::UnresolvedIntroduction { channel })
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
            let node_id = if i == 0 { introduction } else { hop.blinded_node_id };
            (node_id, payload.encode())
        })
        .collect())
}

/// Builds a payment onion through the unblinded hops `prefix` (node id and encoded payload each;
/// the last of them forwards to the introduction node) and then `path`. Returns the packet and the
/// shared secrets of every hop in route order (for decoding failures).
pub fn build_blinded_payment_onion(
    session_key: &SecretKey,
    prefix: &[(PublicKey, Vec<u8>)],
    path: &BlindedPath,
    final_values: BlindedFinal,
    associated_data: &[u8],
) -> Result<(OnionPacket, Vec<SharedSecret>), BuildError> {
    let mut hops = Vec::with_capacity(prefix.len() + path.hops.len());
    hops.extend_from_slice(prefix);
    hops.extend(blinded_hops(path, final_values)?);
    packet::build(session_key, &hops, associated_data)
}
