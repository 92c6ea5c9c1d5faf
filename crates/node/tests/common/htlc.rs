//! A 1-hop `update_add_htlc` whose onion pays the channel's peer for an invoice: shared by the
//! network engine's unit tests (`src/network/tests.rs`) and `tests/network.rs`, each of which
//! includes this file with `#[path]`.

use onion::payment::{build_payment_onion, FinalData};
use onion::secp256k1::SecretKey;
use types::{Hop, Msat, PaymentHash, PaymentSecret};
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
    let hop =
        Hop { id: state.peer, channel: state.scid, direction: 0, amount: Msat(amount), delay: 40 };
    let final_data = FinalData {
        payment_secret: Some(secret),
        total_msat: Msat(amount),
        ..FinalData::default()
    };
    let (onion, _) =
        build_payment_onion(&session_key(id), &[hop], height, &final_data, &hash).unwrap();
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
