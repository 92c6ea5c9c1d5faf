//! A blinded path whose introduction node is named by a channel (`sciddir`) decodes, but the
//! onion builders refuse to send over it until the caller has resolved the channel to a node:
//! the blinded layers of a payment onion with `BuildError::UnresolvedIntroduction`, the onion
//! message with
//! `BuildMessageError::UnresolvedIntroduction`, each carrying the channel. Once resolved, the
//! same path builds.

use lnpay_onion::blinded_payment::blinded_hops;
use lnpay_onion::blinding::{build_blinded_path, BlindedPath, IntroductionNode};
use lnpay_onion::message::{build_onion_message, BuildMessageError, FinalContents, MessageKeys};
use lnpay_onion::packet::BuildError;
use lnpay_onion::payload::BlindedFinal;
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use types::{Msat, ShortChannelId, ShortChannelIdDir};

fn sk(b: u8) -> SecretKey {
    SecretKey::from_slice(&[b; 32]).unwrap()
}

fn by_channel(path: &BlindedPath, channel: ShortChannelIdDir) -> BlindedPath {
    let bytes =
        BlindedPath { introduction_node: IntroductionNode::Channel(channel), ..path.clone() }
            .encode();
    BlindedPath::decode_prefix(&bytes).unwrap().0
}

#[test]
fn channel_introduction_is_refused_until_resolved() {
    let secp = Secp256k1::new();
    let nodes: Vec<PublicKey> =
        (1..=2).map(|b| PublicKey::from_secret_key(&secp, &sk(b))).collect();
    let hops: Vec<(PublicKey, Vec<u8>)> = nodes.iter().map(|n| (*n, vec![])).collect();
    let path = build_blinded_path(&secp, &sk(9), &hops).unwrap();
    let channel = ShortChannelIdDir { scid: ShortChannelId(0x0001_0002_0003), direction: 1 };
    let unresolved = by_channel(&path, channel);
    assert_eq!(unresolved.introduction_node, IntroductionNode::Channel(channel));

    let fin = BlindedFinal {
        amt_to_forward: Msat(1000),
        outgoing_cltv_value: 100,
        total_amount_msat: Msat(1000),
    };
    assert_eq!(
        blinded_hops(&unresolved, fin).unwrap_err(),
        BuildError::UnresolvedIntroduction { channel }
    );
    let keys = MessageKeys { session_key: sk(7), path_key: sk(8) };
    assert_eq!(
        build_onion_message(&secp, &keys, &[], &unresolved, &FinalContents::default()).unwrap_err(),
        BuildMessageError::UnresolvedIntroduction { channel }
    );

    let resolved =
        BlindedPath { introduction_node: IntroductionNode::NodeId(nodes[0]), ..unresolved };
    assert_eq!(resolved, path);
    assert!(blinded_hops(&resolved, fin).is_ok());
    let (peer, _) =
        build_onion_message(&secp, &keys, &[], &resolved, &FinalContents::default()).unwrap();
    assert_eq!(peer, nodes[0]);
}
