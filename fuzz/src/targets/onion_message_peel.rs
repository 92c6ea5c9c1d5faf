//! BOLT 4 onion messages (`onion::message`): peeling, the `onionmsg_tlv` and `blinded_path`
//! readers, and the build/peel round trip.
//!
//! Checks, for any bytes:
//! - the bytes as an `onion_message_packet` never make `peel_onion_message` panic; a message to
//!   forward keeps the packet's length, and errors tell the truth (too short only under 66
//!   bytes, an unknown version only when it is not 0);
//! - the bytes as an `onionmsg_tlv` or a `blinded_path` that decode re-encode to exactly the
//!   bytes they came from;
//! - the bytes read as a message (first byte: how many of the sender's own hops, forwarders
//!   and dummy hops; second: the payload type; the rest: the payload) build an onion message
//!   that every hop peels in turn, forwarding to the next node, until the recipient receives
//!   the payload, the `path_id` and the count of dummy hops; one flipped bit of the packet makes
//!   the first hop refuse it.

use onion::blinding::BlindedPath;
use onion::message::path::build_message_path;
use onion::message::tlv::{MessageContents, OnionMsgTlv};
use onion::message::{
    build_onion_message, peel_onion_message, FinalContents, MessageKeys, MessagePacketError,
    NextNode, PeelMessageError, PeeledMessage, PACKET_OVERHEAD,
};
use onion::secp256k1::{PublicKey, Secp256k1, SecretKey};
use wire::OnionMessage;

fn key(i: u8) -> SecretKey {
    let mut k = [0x22u8; 32];
    k[31] = i.wrapping_add(1);
    match SecretKey::from_slice(&k) {
        Ok(k) => k,
        Err(e) => unreachable!("fixed key is valid: {e}"),
    }
}

/// Runs the checks above on `data`, panicking when one fails.
pub fn do_test(data: &[u8]) {
    let secp = Secp256k1::new();
    peel_arbitrary(&secp, data);
    decode_round_trips(data);
    round_trip(&secp, data);
}

fn peel_arbitrary(secp: &Secp256k1<onion::secp256k1::All>, data: &[u8]) {
    let message = OnionMessage {
        path_key: PublicKey::from_secret_key(secp, &key(200)),
        onion_message_packet: data.to_vec(),
        unknown_tlvs: Default::default(),
    };
    match peel_onion_message(secp, &key(0), &message) {
        Ok(PeeledMessage::Forward { message: next, .. }) => {
            assert_eq!(next.onion_message_packet.len(), data.len());
        }
        Ok(PeeledMessage::Receive(_)) => {}
        Err(PeelMessageError::Packet(MessagePacketError::TooShort { len })) => {
            assert_eq!(len, data.len());
            assert!(len < PACKET_OVERHEAD);
        }
        Err(PeelMessageError::UnknownVersion { version }) => {
            assert_ne!(version, 0);
            assert_eq!(data.first(), Some(&version));
        }
        Err(_) => assert!(data.len() >= PACKET_OVERHEAD),
    }
}

fn decode_round_trips(data: &[u8]) {
    if let Ok(tlv) = OnionMsgTlv::decode(data) {
        assert_eq!(tlv.encode(), data, "onionmsg_tlv re-encodes differently");
    }
    if let Ok((path, used)) = BlindedPath::decode_prefix(data) {
        assert_eq!(
            Some(&path.encode()[..]),
            data.get(..used),
            "blinded_path re-encodes differently"
        );
    }
}

fn round_trip(secp: &Secp256k1<onion::secp256k1::All>, data: &[u8]) {
    let [shape, typ, payload @ ..] = data else { return };
    let (own, forwarders, dummies) =
        (usize::from(shape % 3), usize::from(shape / 3 % 3), usize::from(shape / 9 % 3));
    let ids = |from: u8, n: usize| -> Vec<(SecretKey, PublicKey)> {
        (0..n as u8)
            .map(|i| (key(from + i), PublicKey::from_secret_key(secp, &key(from + i))))
            .collect()
    };
    let own = ids(1, own);
    let forwarders = ids(10, forwarders);
    let recipient = (key(20), PublicKey::from_secret_key(secp, &key(20)));
    let path_id = payload.get(..payload.len().min(32)).map(<[u8]>::to_vec);
    let fwd: Vec<PublicKey> = forwarders.iter().map(|(_, p)| *p).collect();
    let path = match build_message_path(secp, &key(30), &fwd, recipient.1, dummies, path_id.clone())
    {
        Ok(p) => p,
        Err(e) => panic!("fixed keys blind: {e}"),
    };
    let contents = match typ % 4 {
        0 => MessageContents::InvoiceRequest(payload.to_vec()),
        1 => MessageContents::Invoice(payload.to_vec()),
        2 => MessageContents::InvoiceError(payload.to_vec()),
        _ => MessageContents::Other { typ: 65 + 2 * u64::from(*typ), value: payload.to_vec() },
    };
    let keys = MessageKeys { session_key: key(40), path_key: key(41) };
    let own_ids: Vec<PublicKey> = own.iter().map(|(_, p)| *p).collect();
    let final_contents =
        FinalContents { reply_path: None, contents: Some(contents.clone()), unknown: vec![] };
    let (peer, mut message) =
        match build_onion_message(secp, &keys, &own_ids, &path, &final_contents) {
            Ok(m) => m,
            Err(e) => panic!("{} bytes of payload do not build: {e}", payload.len()),
        };
    let route: Vec<&(SecretKey, PublicKey)> =
        own.iter().chain(&forwarders).chain([&recipient]).collect();
    assert_eq!(Some(peer), route.first().map(|(_, p)| *p));

    let mut flipped = message.clone();
    let at = usize::from(*shape) % flipped.onion_message_packet.len().saturating_sub(1).max(1) + 1;
    if let Some(b) = flipped.onion_message_packet.get_mut(at) {
        *b ^= 1;
    }
    if let Some((first, _)) = route.first() {
        assert!(peel_onion_message(secp, first, &flipped).is_err(), "flipped bit {at} peels");
    }

    for (i, (secret, _)) in route.iter().enumerate() {
        match peel_onion_message(secp, secret, &message) {
            Ok(PeeledMessage::Forward { next, message: m }) => {
                let expected = route.get(i + 1).map(|(_, p)| NextNode::NodeId(*p));
                assert_eq!(Some(next), expected, "hop {i} forwards elsewhere");
                message = m;
            }
            Ok(PeeledMessage::Receive(r)) => {
                assert_eq!(i + 1, route.len(), "hop {i} receives early");
                assert_eq!(r.contents, Some(contents.clone()));
                assert_eq!(r.path_id, path_id);
                assert_eq!(r.dummy_hops, dummies);
            }
            Err(e) => panic!("hop {i} refuses: {e}"),
        }
    }
}
