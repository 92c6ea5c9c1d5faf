//! A part ending in a blinded path: each node peels its layer with the key BOLT 4 gives it
//! (its own key up to the introduction node, its blinded key after), reads what it must
//! and nothing more, and the final node learns the amount, CLTV and total.

use lnpay_onion::blinded_payment::{build_blinded_payment_onion, BlindedFinalData};
use lnpay_onion::blinding::{
    blinded_node_secret, build_blinded_path, decrypt_recipient_data, EncryptedDataTlv,
};
use lnpay_onion::packet::peel;
use lnpay_onion::payload::{BlindedFinal, HopPayload};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use types::{Hop, Msat, NodeId, PaymentHash, ShortChannelId};

fn key(i: u8) -> (SecretKey, PublicKey) {
    let sk = SecretKey::from_slice(&[i; 32]).unwrap();
    (sk, PublicKey::from_secret_key(&Secp256k1::new(), &sk))
}

#[test]
fn every_node_peels_its_layer_and_the_recipient_gets_amount_cltv_and_total() {
    let secp = Secp256k1::new();
    let (a_sk, a_pk) = key(1);
    let (i_sk, i_pk) = key(2);
    let (r2_sk, r2_pk) = key(3);
    let (r3_sk, r3_pk) = key(4);
    let data = |i: u8| EncryptedDataTlv { path_id: Some(vec![i; 4]), ..Default::default() };
    for len in 1..=3usize {
        let nodes =
            [(i_pk, data(0).encode()), (r2_pk, data(1).encode()), (r3_pk, data(2).encode())];
        let path =
            build_blinded_path(&secp, &SecretKey::from_slice(&[9; 32]).unwrap(), &nodes[..len])
                .unwrap();
        let hops = [
            Hop {
                id: NodeId::from_pubkey(&a_pk),
                channel: ShortChannelId(1),
                direction: 0,
                amount: Msat(10_250),
                delay: 190,
            },
            Hop {
                id: NodeId::from_pubkey(&i_pk),
                channel: ShortChannelId(2),
                direction: 1,
                amount: Msat(10_100),
                delay: 150,
            },
        ];
        let fin = BlindedFinalData { amount: Msat(10_000), delay: 7, total_amount: Msat(30_000) };
        let hash = PaymentHash([5; 32]);
        let (onion, secrets) = build_blinded_payment_onion(
            &SecretKey::from_slice(&[8; 32]).unwrap(),
            &hops,
            800_000,
            &path,
            &fin,
            &hash,
        )
        .unwrap();
        assert_eq!(secrets.len(), 1 + len);
        // The first hop forwards to the introduction node as usual.
        let p = peel(&a_sk, &onion, &hash.0).unwrap();
        match HopPayload::decode(&p.payload, false).unwrap() {
            HopPayload::Forward(f) => {
                assert_eq!(f.amt_to_forward, Msat(10_100));
                assert_eq!(f.outgoing_cltv_value, 800_150);
                assert_eq!(f.short_channel_id, ShortChannelId(2));
            }
            other => panic!("{other:?}"),
        }
        // The introduction node: its own key, and the path key in the payload.
        let mut packet = p.next.unwrap();
        let mut path_key = path.first_path_key;
        let keys = [i_sk, r2_sk, r3_sk];
        for (j, sk) in keys.iter().take(len).enumerate() {
            let peel_key = if j == 0 { *sk } else { blinded_node_secret(sk, &path_key).unwrap() };
            let p = peel(&peel_key, &packet, &hash.0).unwrap();
            assert_eq!(p.shared_secret.0, secrets[1 + j].0);
            let last = j + 1 == len;
            assert_eq!(p.next.is_none(), last);
            let HopPayload::Blinded(b) = HopPayload::decode(&p.payload, last).unwrap() else {
                panic!("hop {j} is not blinded");
            };
            assert_eq!(b.current_path_key, (j == 0).then_some(path.first_path_key));
            let un =
                decrypt_recipient_data(&secp, sk, &path_key, &b.encrypted_recipient_data).unwrap();
            assert_eq!(un.data, data(j as u8));
            if last {
                assert_eq!(
                    b.final_values,
                    Some(BlindedFinal {
                        amt_to_forward: Msat(10_000),
                        outgoing_cltv_value: 800_007,
                        total_amount_msat: Msat(30_000),
                    })
                );
            } else {
                assert_eq!(b.final_values, None);
                packet = p.next.unwrap();
            }
            path_key = un.next_path_key;
        }
    }
}
