//! Round trips, fixed layouts, truncations, TLV rules and the frame decoder.

use crate::*;
use secp256k1::PublicKey;
use sha2::{Digest, Sha256};
use types::tlv::{TlvError, TlvStream};
use types::{Msat, NodeId, PaymentHash, PaymentPreimage, ShortChannelId};

/// The simulator's seeded generator (xoshiro256** seeded through SplitMix64), so the chunk
/// sizes are the ones drawn when these tests lived beside the simulator.
struct SimRng {
    s: [u64; 4],
}

impl SimRng {
    fn new(seed: u64) -> SimRng {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        SimRng { s: [next(), next(), next(), next()] }
    }

    fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = &mut self.s;
        let result = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = *s1 << 17;
        *s2 ^= *s0;
        *s3 ^= *s1;
        *s1 ^= *s2;
        *s0 ^= *s3;
        *s2 ^= t;
        *s3 = s3.rotate_left(45);
        result
    }
}

fn key(n: u8) -> PublicKey {
    let secp = secp256k1::Secp256k1::signing_only();
    let sk = secp256k1::SecretKey::from_slice(&[n.max(1); 32]).unwrap();
    PublicKey::from_secret_key(&secp, &sk)
}

fn node(n: u8) -> NodeId {
    NodeId::from_pubkey(&key(n))
}

fn odd_tlvs() -> TlvStream {
    let mut s = TlvStream::default();
    s.insert(3, vec![1, 2, 3]);
    s.insert(65537, vec![0, 0, 0, 0, 0, 0, 0, 9]);
    s
}

/// One of each message, some with optional fields and unknown odd TLVs.
fn samples() -> Vec<Message> {
    let cid = channel_id(ShortChannelId(0x0a00_000b_0001));
    let mut onion = Box::new([0u8; ONION_LEN]);
    for (i, b) in onion.iter_mut().enumerate() {
        *b = i as u8;
    }
    let add = UpdateAddHtlc {
        channel_id: cid,
        id: 7,
        amount_msat: Msat(123_456),
        payment_hash: PaymentHash([5; 32]),
        cltv_expiry: 800_123,
        onion,
        blinding_point: None,
        unknown_tlvs: TlvStream::default(),
    };
    let add_blinded =
        UpdateAddHtlc { blinding_point: Some(key(3)), unknown_tlvs: odd_tlvs(), ..add.clone() };
    let fail = UpdateFailHtlc {
        channel_id: cid,
        id: 9,
        reason: vec![0xab; 292],
        attribution_data: None,
        unknown_tlvs: TlvStream::default(),
    };
    vec![
        Message::UpdateAddHtlc(add),
        Message::UpdateAddHtlc(add_blinded),
        Message::UpdateFulfillHtlc(UpdateFulfillHtlc {
            channel_id: cid,
            id: 1,
            payment_preimage: PaymentPreimage([1; 32]),
            unknown_tlvs: TlvStream::default(),
        }),
        Message::UpdateFulfillHtlc(UpdateFulfillHtlc {
            channel_id: cid,
            id: u64::MAX,
            payment_preimage: PaymentPreimage([2; 32]),
            unknown_tlvs: odd_tlvs(),
        }),
        Message::UpdateFailHtlc(fail.clone()),
        Message::UpdateFailHtlc(UpdateFailHtlc {
            attribution_data: Some(vec![7; 920]),
            unknown_tlvs: odd_tlvs(),
            ..fail
        }),
        Message::UpdateFailHtlc(UpdateFailHtlc {
            channel_id: cid,
            id: 0,
            reason: vec![],
            attribution_data: Some(vec![]),
            unknown_tlvs: TlvStream::default(),
        }),
        Message::UpdateFailMalformedHtlc(UpdateFailMalformedHtlc {
            channel_id: cid,
            id: 3,
            sha256_of_onion: [9; 32],
            failure_code: 0x8000 | 0x4000 | 5,
            unknown_tlvs: TlvStream::default(),
        }),
        Message::Gossip { msg_type: 258, payload: vec![1, 2, 3] },
        Message::Gossip { msg_type: 256, payload: vec![] },
        Message::Hello(Hello { node_id: node(1), want_gossip: true }),
        Message::Hello(Hello { node_id: node(2), want_gossip: false }),
        Message::ChannelState(ChannelState {
            channel_id: cid,
            scid: ShortChannelId(0x0a00_000b_0001),
            peer: node(4),
            spendable_msat: Msat(10_000_000),
            next_htlc_id: 8,
        }),
        Message::Ready(Ready { block_height: 850_000, sim_time_ms: 123_456_789 }),
        Message::Ack(Ack { channel_id: cid, id: 7 }),
        Message::AddRefused(AddRefused {
            channel_id: cid,
            id: 8,
            code: AddRefused::ID_NOT_INCREASING,
        }),
        Message::InvoiceRequest(InvoiceRequest {
            request_id: 1,
            payee: node(5),
            amount_msat: 0,
            description: b"coffee".to_vec(),
        }),
        Message::InvoiceReply(InvoiceReply { request_id: 1, bolt11: b"lnbcrt1...".to_vec() }),
        Message::InvoiceReply(InvoiceReply { request_id: 2, bolt11: vec![] }),
        Message::OfferRequest(OfferRequest {
            request_id: 3,
            payee: node(5),
            amount_msat: 1_000,
            description: b"tea".to_vec(),
            options: OfferOptions::default(),
        }),
        Message::OfferRequest(OfferRequest {
            request_id: 5,
            payee: node(6),
            amount_msat: 0,
            description: vec![],
            options: OfferOptions {
                blinded: Some(false),
                payment_paths: Some(3),
                fail_first_path: true,
            },
        }),
        Message::SendOnionMessage(SendOnionMessage {
            peer: node(7),
            message: OnionMessage {
                path_key: key(8),
                onion_message_packet: (0..1366u32).map(|i| (i * 3) as u8).collect(),
                unknown_tlvs: TlvStream::default(),
            },
        }),
        Message::SendOnionMessage(SendOnionMessage {
            peer: node(9),
            message: OnionMessage {
                path_key: key(10),
                onion_message_packet: vec![1, 2],
                unknown_tlvs: odd_tlvs(),
            },
        }),
        Message::OnionMessageReceived(OnionMessageReceived {
            payload: vec![0x40, 0x02, 0xaa, 0xbb],
            recipient_data: vec![0x06, 0x01, 0x07],
            dummy_hops: 2,
        }),
        Message::OnionMessageReceived(OnionMessageReceived {
            payload: vec![],
            recipient_data: vec![],
            dummy_hops: 0,
        }),
        Message::OfferReply(OfferReply { request_id: 3, offer: b"lno1...".to_vec() }),
        Message::OfferReply(OfferReply { request_id: 4, offer: vec![] }),
        Message::Unknown { msg_type: 32799, payload: vec![4, 5] },
        Message::Unknown { msg_type: 1, payload: vec![] },
        Message::OnionMessage(OnionMessage {
            path_key: key(6),
            onion_message_packet: (0..1366u32).map(|i| (i * 7) as u8).collect(),
            unknown_tlvs: TlvStream::default(),
        }),
        Message::OnionMessage(OnionMessage {
            path_key: key(7),
            onion_message_packet: vec![],
            unknown_tlvs: odd_tlvs(),
        }),
    ]
}

#[test]
fn onion_message_layout_and_ldk_agree() {
    use lightning::util::ser::{LengthReadable, Writeable};
    let mut packet = vec![0u8; 1366];
    packet[1..34].copy_from_slice(&key(8).serialize());
    for (i, b) in packet[34..].iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    let m = OnionMessage {
        path_key: key(6),
        onion_message_packet: packet.clone(),
        unknown_tlvs: TlvStream::default(),
    };
    let mut payload = Vec::new();
    m.encode_payload(&mut payload);
    assert_eq!(payload[..33], key(6).serialize());
    assert_eq!(payload[33..35], [0x05, 0x56]);
    assert_eq!(payload[35..], packet[..]);
    // LDK reads our payload as its `OnionMessage` and writes back the same bytes.
    let ldk = lightning::ln::msgs::OnionMessage::read_from_fixed_length_buffer(&mut &payload[..])
        .unwrap_or_else(|e| panic!("ldk refuses our onion_message: {e:?}"));
    assert_eq!(ldk.blinding_point, key(6));
    assert_eq!(ldk.encode(), payload);
    assert_eq!(
        Message::decode(&Message::OnionMessage(m.clone()).encode()),
        Ok(Message::OnionMessage(m))
    );
    // A bad path key is refused with its bytes.
    let mut bad = payload.clone();
    bad[0] = 5;
    assert!(matches!(
        OnionMessage::decode(&bad),
        Err(WireError::BadPoint { msg_type: 513, bytes }) if bytes[0] == 5
    ));
}

#[test]
fn every_message_round_trips() {
    let samples = samples();
    assert_eq!(samples.len(), 31);
    for m in &samples {
        let bytes = m.encode();
        assert_eq!(u16::from_be_bytes([bytes[0], bytes[1]]), m.msg_type());
        assert_eq!(Message::decode(&bytes).as_ref(), Ok(m), "{m:?}");
        let frame = m.encode_frame();
        assert_eq!(usize::from(u16::from_be_bytes([frame[0], frame[1]])), bytes.len());
        assert_eq!(frame[2..], bytes[..]);
    }
}

#[test]
fn fixed_layouts() {
    let cid = ChannelId([0x11; 32]);
    let ack = Message::Ack(Ack { channel_id: cid, id: 0x0102 }).encode();
    assert_eq!(ack[..2], [0x80, 0x07]);
    assert_eq!(ack[2..34], [0x11; 32]);
    assert_eq!(ack[34..], [0, 0, 0, 0, 0, 0, 1, 2]);
    let ready = Message::Ready(Ready { block_height: 1, sim_time_ms: 2 }).encode();
    assert_eq!(ready, [0x80, 0x05, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]);
    // update_fulfill_htlc: 32 + 8 + 32 bytes, no TLVs.
    let f = UpdateFulfillHtlc {
        channel_id: cid,
        id: 1,
        payment_preimage: PaymentPreimage([0x22; 32]),
        unknown_tlvs: TlvStream::default(),
    };
    let mut payload = Vec::new();
    f.encode_payload(&mut payload);
    assert_eq!(payload.len(), 72);
    // The channel id of the spec: sha256("lnpay-sim-channel" || scid BE).
    let mut h = Sha256::new();
    h.update(b"lnpay-sim-channel");
    h.update([0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(channel_id(ShortChannelId(1)).0, <[u8; 32]>::from(h.finalize()));
    assert_ne!(channel_id(ShortChannelId(1)), channel_id(ShortChannelId(2)));
}

#[test]
fn every_truncation_is_an_error() {
    let mut checked = 0;
    for m in samples() {
        let bytes = m.encode();
        let fixed = matches!(
            m,
            Message::Hello(_)
                | Message::ChannelState(_)
                | Message::Ready(_)
                | Message::Ack(_)
                | Message::AddRefused(_)
                | Message::InvoiceRequest(_)
                | Message::InvoiceReply(_)
                | Message::OfferReply(_)
                | Message::SendOnionMessage(_)
                | Message::OnionMessageReceived(_)
        );
        let has_tlvs = match &m {
            Message::UpdateAddHtlc(a) => {
                a.blinding_point.is_some() || !a.unknown_tlvs.records.is_empty()
            }
            Message::UpdateFulfillHtlc(a) => !a.unknown_tlvs.records.is_empty(),
            Message::UpdateFailHtlc(a) => {
                a.attribution_data.is_some() || !a.unknown_tlvs.records.is_empty()
            }
            Message::OnionMessage(a) => !a.unknown_tlvs.records.is_empty(),
            // Its options are a trailing TLV stream: a cut on a record boundary is a request
            // with fewer options.
            Message::OfferRequest(a) => a.options != OfferOptions::default(),
            _ => false,
        };
        if !(fixed
            || matches!(
                m,
                Message::UpdateAddHtlc(_)
                    | Message::UpdateFailHtlc(_)
                    | Message::UpdateFulfillHtlc(_)
                    | Message::UpdateFailMalformedHtlc(_)
                    | Message::OnionMessage(_)
                    | Message::OfferRequest(_)
            ))
        {
            continue;
        }
        for cut in 0..bytes.len() {
            let result = Message::decode(&bytes[..cut]);
            // A BOLT 2 message cut inside its TLV stream may end on a record boundary:
            // that is a valid shorter message, which must then differ.
            match result {
                Err(_) => {}
                Ok(other) => {
                    assert!(has_tlvs, "{m:?} cut at {cut} decodes");
                    assert_ne!(other, m);
                }
            }
            checked += 1;
        }
        // One extra byte: fixed-size messages refuse it, BOLT 2 ones read a bad TLV.
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Message::decode(&longer).is_err(), "{m:?} plus a byte decodes");
    }
    assert!(checked > 5000, "only {checked} truncations checked");
}

#[test]
fn truncation_errors_name_lengths() {
    assert_eq!(Message::decode(&[0x80]), Err(WireError::NoType { got: 1 }));
    assert_eq!(
        UpdateFulfillHtlc::decode(&[0; 50]),
        Err(WireError::TooShort { msg_type: 130, need: 72, got: 50 })
    );
    assert_eq!(
        Ack::decode(&[0; 41]),
        Err(WireError::LengthMismatch { msg_type: 32775, expected: 40, got: 41 })
    );
    let mut hello = node(1).as_bytes().to_vec();
    hello.push(2);
    assert_eq!(Hello::decode(&hello), Err(WireError::BadBool { msg_type: 32769, value: 2 }));
    hello[0] = 4;
    hello[33] = 0;
    assert!(matches!(Hello::decode(&hello), Err(WireError::BadNodeId { msg_type: 32769, .. })));
    // reason length beyond the payload
    let mut fail = vec![0u8; 40];
    fail.extend_from_slice(&[0, 10, 1, 2]);
    assert_eq!(
        UpdateFailHtlc::decode(&fail),
        Err(WireError::TooShort { msg_type: 131, need: 52, got: 44 })
    );
}

#[test]
fn unknown_message_types() {
    assert_eq!(Message::decode(&[0, 2, 1]), Err(WireError::UnknownEvenType(2)));
    assert_eq!(Message::decode(&[0x80, 0x02]), Err(WireError::UnknownEvenType(32770)));
    assert_eq!(Message::decode(&[0, 16]), Err(WireError::UnknownEvenType(16)));
    assert_eq!(
        Message::decode(&[0x80, 0x1f, 9]),
        Ok(Message::Unknown { msg_type: 32799, payload: vec![9] })
    );
    assert_eq!(
        Message::decode(&[1, 2, 9]),
        Ok(Message::Gossip { msg_type: 258, payload: vec![9] })
    );
}

fn fulfill_with(tlvs: &[u8]) -> Vec<u8> {
    let mut p = vec![0u8; 72];
    p.extend_from_slice(tlvs);
    p
}

#[test]
fn tlv_rules() {
    // unknown even TLV: refused
    assert!(matches!(
        UpdateFulfillHtlc::decode(&fulfill_with(&[2, 1, 0])),
        Err(WireError::BadTlv { msg_type: 130, error: TlvError::UnknownEvenType { typ: 2 } })
    ));
    // unknown odd TLV: kept, re-encoded identically
    let bytes = fulfill_with(&[1, 2, 7, 7, 5, 0]);
    let m = UpdateFulfillHtlc::decode(&bytes).unwrap();
    assert_eq!(m.unknown_tlvs.get(1), Some(&[7u8, 7][..]));
    assert_eq!(m.unknown_tlvs.get(5), Some(&[][..]));
    let mut out = Vec::new();
    m.encode_payload(&mut out);
    assert_eq!(out, bytes);
    // out of order, truncated
    assert!(matches!(
        UpdateFulfillHtlc::decode(&fulfill_with(&[5, 0, 1, 0])),
        Err(WireError::BadTlv { error: TlvError::NotIncreasing { previous: 5, typ: 1 }, .. })
    ));
    assert!(matches!(
        UpdateFulfillHtlc::decode(&fulfill_with(&[1, 3, 0])),
        Err(WireError::BadTlv { error: TlvError::ValueTruncated { typ: 1, .. }, .. })
    ));
    // known even TLV 0 of update_add_htlc: wrong length, not a point
    let mut add = vec![0u8; 32 + 8 + 8 + 32 + 4 + ONION_LEN];
    let base = add.len();
    add.extend_from_slice(&[0, 2, 2, 2]);
    assert_eq!(
        UpdateAddHtlc::decode(&add),
        Err(WireError::BadTlvLength { msg_type: 128, tlv_type: 0, expected: 33, got: 2 })
    );
    add.truncate(base);
    add.extend_from_slice(&[0, 33, 2]);
    add.extend_from_slice(&[0xff; 32]);
    assert!(matches!(UpdateAddHtlc::decode(&add), Err(WireError::BadPoint { .. })));
    add.truncate(base);
    add.extend_from_slice(&[0, 33]);
    add.extend_from_slice(&key(9).serialize());
    add.extend_from_slice(&[4, 0]); // unknown even after it
    assert!(matches!(
        UpdateAddHtlc::decode(&add),
        Err(WireError::BadTlv { error: TlvError::UnknownEvenType { typ: 4 }, .. })
    ));
    add.truncate(add.len() - 2);
    assert_eq!(UpdateAddHtlc::decode(&add).unwrap().blinding_point, Some(key(9)));
    // update_fail_htlc: TLV 1 is the attribution data, not an unknown record
    let mut fail = vec![0u8; 40];
    fail.extend_from_slice(&[0, 1, 0xee, 1, 2, 3, 4, 3, 0]);
    let f = UpdateFailHtlc::decode(&fail).unwrap();
    assert_eq!(f.attribution_data, Some(vec![3, 4]));
    assert_eq!(f.unknown_tlvs.records.len(), 1);
    let mut out = Vec::new();
    f.encode_payload(&mut out);
    assert_eq!(out, fail);
}

#[test]
fn encode_ignores_known_types_in_unknown_tlvs() {
    let mut tlvs = TlvStream::default();
    tlvs.insert(1, vec![9]);
    tlvs.insert(3, vec![8]);
    let f = UpdateFailHtlc {
        channel_id: ChannelId([0; 32]),
        id: 0,
        reason: vec![],
        attribution_data: Some(vec![1]),
        unknown_tlvs: tlvs,
    };
    let m = Message::UpdateFailHtlc(f);
    let d = Message::decode(&m.encode()).unwrap();
    let Message::UpdateFailHtlc(d) = d else { panic!("{d:?}") };
    assert_eq!(d.attribution_data, Some(vec![1]));
    assert_eq!(d.unknown_tlvs.records.len(), 1);
}

#[test]
fn oversized_fields_are_refused_by_try_encode_frame() {
    let m = Message::InvoiceReply(InvoiceReply { request_id: 1, bolt11: vec![b'x'; 70_000] });
    assert_eq!(
        m.try_encode_frame(),
        Err(EncodeError::FieldTooLong { msg_type: 32781, len: 70_000 })
    );
    assert!(m.encode_frame().is_empty());
    let m = Message::Unknown { msg_type: 1, payload: vec![0; 65_534] };
    assert_eq!(m.try_encode_frame(), Err(EncodeError::TooLong { msg_type: 1, len: 65_536 }));
    let m = Message::Unknown { msg_type: 1, payload: vec![0; 65_533] };
    assert_eq!(m.try_encode_frame().unwrap().len(), MAX_FRAME);
}

fn stream() -> (Vec<u8>, Vec<Message>) {
    let msgs = samples();
    let mut bytes = Vec::new();
    for m in &msgs {
        bytes.extend_from_slice(&m.encode_frame());
    }
    (bytes, msgs)
}

fn drain(d: &mut FrameDecoder, out: &mut Vec<Message>) {
    while let Some(r) = d.next() {
        out.push(r.unwrap());
    }
}

#[test]
fn frame_decoder_byte_by_byte() {
    let (bytes, msgs) = stream();
    let mut d = FrameDecoder::new();
    let mut got = Vec::new();
    for b in &bytes {
        d.push(std::slice::from_ref(b));
        drain(&mut d, &mut got);
        assert!(d.buffered() < MAX_FRAME);
    }
    assert_eq!(got, msgs);
    assert_eq!(d.buffered(), 0);
}

#[test]
fn frame_decoder_random_chunks() {
    let (bytes, msgs) = stream();
    let mut rng = SimRng::new(42);
    for _ in 0..50 {
        let mut d = FrameDecoder::new();
        let mut got = Vec::new();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = (rng.next_u64() % 3000) as usize + 1;
            let (a, b) = rest.split_at(n.min(rest.len()));
            d.push(a);
            rest = b;
            if rng.next_u64() % 2 == 0 {
                drain(&mut d, &mut got);
            }
        }
        drain(&mut d, &mut got);
        assert_eq!(got, msgs);
    }
}

#[test]
fn frame_decoder_skips_bad_frames_and_stays_in_step() {
    let good = Message::Ack(Ack { channel_id: ChannelId([1; 32]), id: 1 }).encode_frame();
    let mut bytes = vec![0, 1, 0xaa]; // length 1: below 2
    bytes.extend_from_slice(&[0, 3, 0, 2, 7]); // unknown even type 2
    bytes.extend_from_slice(&[0, 3, 0x80, 0x07, 0]); // ack far too short
    bytes.extend_from_slice(&good);
    let mut d = FrameDecoder::new();
    d.push(&bytes);
    assert_eq!(d.next(), Some(Err(WireError::FrameTooShort { len: 1 })));
    assert_eq!(d.next(), Some(Err(WireError::UnknownEvenType(2))));
    assert!(matches!(d.next(), Some(Err(WireError::TooShort { msg_type: 32775, .. }))));
    assert_eq!(d.next(), Some(Message::decode(&good[2..])));
    assert_eq!(d.next(), None);
    // an incomplete frame waits
    d.push(&good[..10]);
    assert_eq!(d.next(), None);
    d.push(&good[10..]);
    assert!(matches!(d.next(), Some(Ok(Message::Ack(_)))));
}

#[test]
fn offer_request_options_are_optional_trailing_records() {
    let plain = OfferRequest {
        request_id: 9,
        payee: node(3),
        amount_msat: 5,
        description: b"x".to_vec(),
        options: OfferOptions::default(),
    };
    let bytes = Message::OfferRequest(plain.clone()).encode();
    // Without options it is exactly the invoice request's layout under its own type.
    let as_invoice = Message::InvoiceRequest(InvoiceRequest {
        request_id: 9,
        payee: node(3),
        amount_msat: 5,
        description: b"x".to_vec(),
    })
    .encode();
    assert_eq!(bytes[2..], as_invoice[2..]);
    let mut with = bytes.clone();
    with.extend_from_slice(&[1, 1, 1, 3, 1, 2, 5, 0]);
    let Ok(Message::OfferRequest(r)) = Message::decode(&with) else { panic!("{with:?}") };
    assert_eq!(
        r.options,
        OfferOptions { blinded: Some(true), payment_paths: Some(2), fail_first_path: true }
    );
    let mut bad = bytes.clone();
    bad.extend_from_slice(&[1, 1, 2]);
    assert_eq!(
        Message::decode(&bad),
        Err(WireError::BadBool { msg_type: OfferRequest::TYPE, value: 2 })
    );
    let mut long = bytes.clone();
    long.extend_from_slice(&[3, 2, 1, 1]);
    assert!(matches!(Message::decode(&long), Err(WireError::BadTlvLength { tlv_type: 3, .. })));
    // An unknown odd record is skipped, an unknown even one refused.
    let mut odd = bytes.clone();
    odd.extend_from_slice(&[7, 1, 0]);
    assert_eq!(Message::decode(&odd), Ok(Message::OfferRequest(plain)));
    let mut even = bytes;
    even.extend_from_slice(&[8, 0]);
    assert!(Message::decode(&even).is_err());
}

#[test]
fn onion_message_link_messages_carry_their_parts() {
    let inner = OnionMessage {
        path_key: key(4),
        onion_message_packet: vec![0; 1366],
        unknown_tlvs: TlvStream::default(),
    };
    let send = SendOnionMessage { peer: node(2), message: inner.clone() };
    let bytes = Message::SendOnionMessage(send.clone()).encode();
    assert_eq!(bytes[..2], SendOnionMessage::TYPE.to_be_bytes());
    assert_eq!(bytes[2..35], *node(2).as_bytes());
    // The embedded message is the type-513 payload, length first.
    let mut payload = Vec::new();
    inner.encode_payload(&mut payload);
    assert_eq!(bytes[35..37], (payload.len() as u16).to_be_bytes());
    assert_eq!(bytes[37..], payload[..]);
    // A bad embedded point is the onion message's error.
    let mut bad = bytes.clone();
    bad[37] = 0x05;
    assert!(matches!(
        Message::decode(&bad),
        Err(WireError::BadPoint { msg_type: OnionMessage::TYPE, .. })
    ));
    let got = OnionMessageReceived { payload: vec![1], recipient_data: vec![2, 3], dummy_hops: 1 };
    assert_eq!(
        Message::OnionMessageReceived(got).encode(),
        [&OnionMessageReceived::TYPE.to_be_bytes()[..], &[0, 1, 1, 0, 2, 2, 3, 0, 1]].concat()
    );
}
