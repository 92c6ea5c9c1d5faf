//! Blinded paths for onion messages, the receiver's side: [`build_message_path`] over the nodes
//! that forward to it (each one's data naming the next), dummy hops, a `path_id`, and padding
//! so every hop's data has the same length; [`advance_path`] for a sender that is the
//! introduction node of the path it sends to.

use crate::blinding::{
    build_blinded_path, decrypt_recipient_data, BlindPathError, BlindedPath, EncryptedDataTlv,
    IntroductionNode, UnblindError,
};
use core::fmt;
use secp256k1::{PublicKey, Secp256k1, SecretKey, Signing, Verification};
use types::bigsize;

/// Builds a blinded path for onion messages to `recipient` through `forwarders` (the
/// introduction node first), then `dummy_hops` hops of the recipient's own (each naming the
/// recipient as the next node; [`super::peel_onion_message`] peels them on the spot). The
/// final hop's data carries `path_id`. Every hop's data is padded to the same length.
/// `session_key` is `e_0`, from a CSPRNG.
pub fn build_message_path<C: Signing + Verification>(
    secp: &Secp256k1<C>,
    session_key: &SecretKey,
    forwarders: &[PublicKey],
    recipient: PublicKey,
    dummy_hops: usize,
    path_id: Option<Vec<u8>>,
) -> Result<BlindedPath, BlindPathError> {
    let nodes: Vec<PublicKey> = forwarders
        .iter()
        .copied()
        .chain(core::iter::repeat(recipient).take(dummy_hops + 1))
        .collect();
    let mut data: Vec<EncryptedDataTlv> = nodes
        .iter()
        .skip(1)
        .map(|next| EncryptedDataTlv { next_node_id: Some(*next), ..EncryptedDataTlv::default() })
        .collect();
    data.push(EncryptedDataTlv { path_id, ..EncryptedDataTlv::default() });
    pad_to_equal(&mut data);
    let hops: Vec<(PublicKey, Vec<u8>)> =
        nodes.into_iter().zip(data.iter().map(EncryptedDataTlv::encode)).collect();
    build_blinded_path(secp, session_key, &hops)
}

/// Gives every `encrypted_data_tlv` a `padding` record so that all encode to the same length
/// (exact unless a padding length falls where its BigSize prefix grows, 253 bytes and up).
pub fn pad_to_equal(data: &mut [EncryptedDataTlv]) {
    let bare: Vec<usize> = data
        .iter()
        .map(|d| EncryptedDataTlv { padding: None, ..d.clone() }.encode().len())
        .collect();
    let Some(&longest) = bare.iter().max() else { return };
    for (d, len) in data.iter_mut().zip(bare) {
        // The record is `01 || bigsize(n) || n bytes`: it fills `longest - len + 2` bytes.
        let room = longest - len + 2;
        let mut n = room.saturating_sub(2);
        if bigsize::encoded_len(n as u64) > 1 {
            n = room.saturating_sub(4);
        }
        d.padding = Some(vec![0; n]);
    }
}

/// Why a path could not be advanced past its first hop.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AdvanceError {
    /// The path has no second hop to advance to.
    TooShort {
        /// Its number of hops.
        hops: usize,
    },
    /// The first hop's data does not open.
    Unblind(UnblindError),
    /// The first hop's data names no next node id.
    NoNextNode,
}

impl fmt::Display for AdvanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdvanceError::TooShort { hops } => {
                write!(f, "a path of {hops} hops cannot be advanced")
            }
            AdvanceError::Unblind(e) => write!(f, "{e}"),
            AdvanceError::NoNextNode => f.write_str("first hop's data names no next node id"),
        }
    }
}
impl std::error::Error for AdvanceError {}

/// For the introduction node of `path` (with secret `node_secret`): the same path starting at
/// its second hop, so the node can send over a path that starts with itself.
pub fn advance_path<C: Signing + Verification>(
    secp: &Secp256k1<C>,
    node_secret: &SecretKey,
    path: &BlindedPath,
) -> Result<BlindedPath, AdvanceError> {
    let (first, rest) = match path.hops.split_first() {
        Some((first, rest)) if !rest.is_empty() => (first, rest),
        _ => return Err(AdvanceError::TooShort { hops: path.hops.len() }),
    };
    let hop = decrypt_recipient_data(
        secp,
        node_secret,
        &path.first_path_key,
        &first.encrypted_recipient_data,
    )
    .map_err(AdvanceError::Unblind)?;
    let next = hop.data.next_node_id.ok_or(AdvanceError::NoNextNode)?;
    Ok(BlindedPath {
        introduction_node: IntroductionNode::NodeId(next),
        first_path_key: hop.next_path_key,
        hops: rest.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{
        build_onion_message, peel_onion_message, FinalContents, MessageKeys, PeeledMessage,
    };

    #[test]
    fn padding_equalizes() {
        let secp = Secp256k1::new();
        let key = |b: u8| {
            let sk = SecretKey::from_slice(&[b; 32]).unwrap_or_else(|e| panic!("{e}"));
            (PublicKey::from_secret_key(&secp, &sk), sk)
        };
        let (a, _) = key(1);
        let (r, _) = key(2);
        for path_id in [None, Some(vec![7; 32]), Some(vec![1; 300])] {
            let p = build_message_path(&secp, &key(3).1, &[a], r, 2, path_id.clone())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.hops.len(), 4);
            let lens: Vec<usize> =
                p.hops.iter().map(|h| h.encrypted_recipient_data.len()).collect();
            if path_id.as_ref().map_or(true, |p| p.len() < 200) {
                assert!(lens.iter().all(|l| *l == lens[0]), "{lens:?}");
            }
        }
    }

    #[test]
    fn advance_path_skips_the_introduction_node() {
        let secp = Secp256k1::new();
        let keys: Vec<(PublicKey, SecretKey)> = (1..=3u8)
            .map(|b| {
                let sk = SecretKey::from_slice(&[b; 32]).unwrap_or_else(|e| panic!("{e}"));
                (PublicKey::from_secret_key(&secp, &sk), sk)
            })
            .collect();
        let (a, b, r) = (&keys[0], &keys[1], &keys[2]);
        let session = SecretKey::from_slice(&[9; 32]).unwrap_or_else(|e| panic!("{e}"));
        let path = build_message_path(&secp, &session, &[a.0, b.0], r.0, 0, Some(vec![1]))
            .unwrap_or_else(|e| panic!("{e}"));
        let rest = advance_path(&secp, &a.1, &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rest.introduction_node, IntroductionNode::NodeId(b.0));
        assert_eq!(rest.hops, path.hops[1..]);
        // The advanced path works: a message built to it reaches the recipient through B.
        let keys = MessageKeys { session_key: session, path_key: session };
        let (peer, m) = build_onion_message(&secp, &keys, &[], &rest, &FinalContents::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(peer, b.0);
        let PeeledMessage::Forward { message, .. } =
            peel_onion_message(&secp, &b.1, &m).unwrap_or_else(|e| panic!("{e}"))
        else {
            panic!("b receives")
        };
        let got = peel_onion_message(&secp, &r.1, &message);
        assert!(matches!(got, Ok(PeeledMessage::Receive(ref g)) if g.path_id == Some(vec![1])));
        // Only the introduction node can advance it, and not past its last hop.
        assert!(matches!(advance_path(&secp, &b.1, &path), Err(AdvanceError::Unblind(_))));
        let last = BlindedPath { hops: path.hops[2..].to_vec(), ..rest };
        assert_eq!(advance_path(&secp, &r.1, &last), Err(AdvanceError::TooShort { hops: 1 }));
    }

    #[test]
    fn dummy_hops_are_peeled_up_to_the_cap() {
        let secp = Secp256k1::new();
        let sk = SecretKey::from_slice(&[5; 32]).unwrap_or_else(|e| panic!("{e}"));
        let me = PublicKey::from_secret_key(&secp, &sk);
        let keys = MessageKeys { session_key: sk, path_key: sk };
        for (dummies, ok) in
            [(crate::message::MAX_DUMMY_HOPS, true), (crate::message::MAX_DUMMY_HOPS + 1, false)]
        {
            let path = build_message_path(&secp, &sk, &[], me, dummies, None)
                .unwrap_or_else(|e| panic!("{e}"));
            let (_, m) = build_onion_message(&secp, &keys, &[], &path, &FinalContents::default())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(m.onion_message_packet.len(), 32834);
            match peel_onion_message(&secp, &sk, &m) {
                Ok(PeeledMessage::Receive(r)) => assert!(ok && r.dummy_hops == dummies),
                Err(crate::message::PeelMessageError::TooManyDummyHops { count }) => {
                    assert!(!ok && count == dummies)
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
