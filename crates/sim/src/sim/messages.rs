//! Onion messages between simulated nodes (BOLT 4 "Onion Messages"): a node sends an
//! `onion_message` to a channel peer; the peer, after one latency, peels its layer with its own
//! key and forwards the rest to the next node (named by node id or by short channel id, and a
//! channel peer of its own), or, at the destination, hands what it received to the node's
//! inbox ([`Simulator::take_onion_messages`]). A message that cannot be peeled or forwarded is
//! dropped, as the spec wants, and recorded ([`Simulator::dropped_onion_messages`]). Replies are
//! the caller's: it builds one over the received `reply_path` and sends it from the recipient.

use super::{Event, Simulator};
use core::fmt;
use onion::message::{
    peel_onion_message, NextNode, PeelMessageError, PeeledMessage, ReceivedMessage,
};
use secp256k1::{PublicKey, Secp256k1};
use types::NodeId;
use wire::OnionMessage;

/// An onion message that reached its destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredMessage {
    /// The recipient.
    pub node: u32,
    /// When it arrived, in simulated milliseconds.
    pub time_ms: u64,
    /// What the recipient read.
    pub message: ReceivedMessage,
}

/// Why a node dropped an onion message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageDrop {
    /// The node could not peel it.
    Peel(PeelMessageError),
    /// The next node is none of the node's channel peers.
    UnknownPeer(NextNode),
    /// The node is offline.
    Offline,
}

impl fmt::Display for MessageDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageDrop::Peel(e) => write!(f, "{e}"),
            MessageDrop::UnknownPeer(next) => write!(f, "next node {next:?} is not a peer"),
            MessageDrop::Offline => f.write_str("node is offline"),
        }
    }
}

/// An onion message a node dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedMessage {
    /// The node that dropped it.
    pub node: u32,
    /// When, in simulated milliseconds.
    pub time_ms: u64,
    /// Why.
    pub reason: MessageDrop,
}

/// Why an onion message could not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendMessageError {
    /// No node has this index.
    UnknownNode {
        /// The index.
        node: u32,
    },
    /// The peer is not one of the sender's channel peers.
    NotAPeer {
        /// The sender.
        from: u32,
        /// The peer asked for.
        peer: PublicKey,
    },
}

impl fmt::Display for SendMessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendMessageError::UnknownNode { node } => write!(f, "no node {node}"),
            SendMessageError::NotAPeer { from, peer } => {
                write!(f, "{peer} is not a channel peer of node {from}")
            }
        }
    }
}
impl std::error::Error for SendMessageError {}

impl Simulator {
    /// Node `from` sends `message` to its channel peer `peer` (the peer
    /// `onion::message::build_onion_message` returned); it arrives after one latency.
    pub fn send_onion_message(
        &mut self,
        from: u32,
        peer: PublicKey,
        message: OnionMessage,
    ) -> Result<(), SendMessageError> {
        if self.nodes.get(from as usize).is_none() {
            return Err(SendMessageError::UnknownNode { node: from });
        }
        let to = self
            .peer_of(from, NextNode::NodeId(peer))
            .ok_or(SendMessageError::NotAPeer { from, peer })?;
        let delay = self.latency();
        self.schedule(delay, Event::OnionMessage(to, Box::new(message)));
        Ok(())
    }

    /// The onion messages delivered since the last call, in arrival order.
    pub fn take_onion_messages(&mut self) -> Vec<DeliveredMessage> {
        self.delivered_messages.drain(..).collect()
    }

    /// Every onion message dropped so far, in order.
    pub fn dropped_onion_messages(&self) -> &[DroppedMessage] {
        &self.dropped_messages
    }

    /// The channel peer of `node` that `next` names.
    fn peer_of(&self, node: u32, next: NextNode) -> Option<u32> {
        let other = |c: u32| -> Option<u32> {
            let ch = self.channels.get(c as usize)?;
            match ch.nodes {
                [a, b] if a == node => Some(b),
                [a, b] if b == node => Some(a),
                _ => None,
            }
        };
        match next {
            NextNode::NodeId(pk) => {
                let target = *self.id_index.get(&NodeId::from_pubkey(&pk))?;
                let chans = self.node_channels.get(node as usize)?;
                chans.iter().any(|&c| other(c) == Some(target)).then_some(target)
            }
            NextNode::ShortChannelId(scid) => other(*self.scid_index.get(&scid)?),
        }
    }

    fn drop_message(&mut self, node: u32, reason: MessageDrop) {
        self.dropped_messages.push(DroppedMessage { node, time_ms: self.now, reason });
    }

    pub(super) fn on_onion_message(&mut self, node: u32, message: &OnionMessage) {
        let Some(n) = self.nodes.get(node as usize) else { return };
        if n.fault.offline {
            return self.drop_message(node, MessageDrop::Offline);
        }
        let secret = n.secret;
        match peel_onion_message(&Secp256k1::new(), &secret, message) {
            Err(e) => self.drop_message(node, MessageDrop::Peel(e)),
            Ok(PeeledMessage::Receive(received)) => {
                if self.offer_request(node, &received) {
                    return;
                }
                self.delivered_messages.push_back(DeliveredMessage {
                    node,
                    time_ms: self.now,
                    message: *received,
                });
            }
            Ok(PeeledMessage::Forward { next, message }) => match self.peer_of(node, next) {
                None => self.drop_message(node, MessageDrop::UnknownPeer(next)),
                Some(to) => {
                    let delay = self.latency();
                    self.schedule(delay, Event::OnionMessage(to, Box::new(message)));
                }
            },
        }
    }
}
