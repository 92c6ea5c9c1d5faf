//! A 1-hop `update_add_htlc` whose onion pays the channel's peer for an invoice: shared by the
//! network engine's unit tests (`src/network/tests.rs`) and `tests/network.rs`, each of which
//! includes this file with `#[path]`.

use onion::payload::{FinalPayload, HopPayload, PaymentData};
use onion::secp256k1::SecretKey;
use types::{Msat, PaymentHash, PaymentSecret};
use wire::{ChannelState, UpdateAddHtlc};

/// The onion session key of the add with HTLC id `id`: a different valid key for every id.
pub fn session_key(id: u64) -> SecretKey {
    let mut session = [0u8; 32];
    session[..8].copy_from_slice(&(id + 1).to_be_bytes());
    session[31] = 1;
    SecretKey::from_slice(&session).unwrap()
}

/// A 1-hop add with HTLC id `id` paying `amount` to the peer of `state` for the invoice of
/// `hash` and `secret`, expiring 40 blocks after `height`.
pub fn add_for(
    state: &ChannelState,
    id: u64,
    amount: u64,
    hash: PaymentHash,
    secret: PaymentSecret,
    height: u32,
) -> UpdateAddHtlc {
    let cltv = height + 40;
    let payload = HopPayload::Final(FinalPayload {
        amt_to_forward: Msat(amount),
        outgoing_cltv_value: cltv,
        payment_data: Some(PaymentData { payment_secret: secret, total_msat: Msat(amount) }),
        payment_metadata: None,
        keysend_preimage: None,
        custom_records: Vec::new(),
    });
    let hops = [(state.peer.to_pubkey().unwrap(), payload.encode())];
    let (onion, _) = onion::packet::build(&session_key(id), &hops, &hash.0).unwrap();
    UpdateAddHtlc {
        channel_id: state.channel_id,
        id,
        amount_msat: Msat(amount),
        payment_hash: hash,
        cltv_expiry: cltv,
        onion: Box::new(onion.to_bytes()),
        blinding_point: None,
        unknown_tlvs: Default::default(),
    }
}
