//! BOLT 12 receivers: a node creates an offer (reachable over a blinded offer path through one
//! of its channel peers, or naming its node id in the clear), answers an `invoice_request` that
//! arrives as an onion message with a signed invoice sent back over the request's
//! `reply_path`, and is paid through the blinded payment paths that invoice carries.
//!
//! Payment paths start at the payee's channel peers (up to [`MAX_PAYMENT_PATHS`], the best
//! funded first); a payee with a single peer also gets paths introduced two hops away (a peer
//! of that peer). Each forwarding hop's `encrypted_data_tlv` names its channel toward the payee
//! with the channel's real policy as `payment_relay`; the payee's carries the invoice's payment
//! secret as `path_id`. The `payinfo` aggregates the hops' policies as BOLT 4 says (fees
//! rounded up hop by hop, deltas summed, the payee's final delta added). Payments through the
//! paths, multi-part across them,
//! are received like those of a BOLT 11 invoice ([`Simulator::create_invoice`]); failures
//! inside a path come back as BOLT 4 route blinding wants (see the forwarding module).

use super::*;
use bolt12::fields::BlindedPayInfo;
use bolt12::{Invoice, InvoiceFields, InvoiceRequest, Offer, OfferFields};
use onion::blinded_payment::{aggregate_relay, build_payment_path, PathForward};
use onion::blinding::{
    blinded_node_secret, hop_keys, BlindedPath, IntroductionNode, PaymentConstraints, PaymentRelay,
};
use onion::message::path::{advance_path, build_message_path};
use onion::message::tlv::MessageContents;
use onion::message::{build_onion_message, FinalContents, MessageKeys, ReceivedMessage};

/// The most blinded payment paths an invoice carries.
pub const MAX_PAYMENT_PATHS: usize = 3;

/// The channels of one blinded payment path, the introduction node's first: each one's index
/// and the side that pays through it (toward the payee).
pub(super) type PathChannels = Vec<(u32, usize)>;

/// The blinded payment paths of an invoice, their `payinfo` and their channels, in order.
struct PaymentPaths {
    paths: Vec<BlindedPath>,
    infos: Vec<BlindedPayInfo>,
    channels: Vec<PathChannels>,
    /// The last channel of the first path and the node forwarding over it into the payee.
    first_last_hop: Option<(ShortChannelId, u32)>,
}

/// An offer a node answers.
pub(super) struct OfferState {
    offer: Offer,
    /// The key that signs its invoices: the node's own, or the blinded key of the offer
    /// path's last hop when the offer names no issuer.
    signing_key: SecretKey,
    /// The `path_id` of the offer path (`None`: the offer names its issuer in the clear).
    path_id: Option<Vec<u8>>,
    /// How its invoices are made.
    settings: OfferSettings,
}

/// How a receiver makes an offer and the invoices answering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferSettings {
    /// A blinded offer path through the node's best funded peer (no issuer id), or the node's
    /// id in the clear.
    pub blinded: bool,
    /// The most blinded payment paths an invoice carries (1 to [`MAX_PAYMENT_PATHS`]).
    pub payment_paths: usize,
    /// The first payment path of each invoice fails inside it: once the invoice is made, the
    /// last channel of that path (into the receiver) is disabled by the node forwarding over
    /// it, which refuses the HTLC as any disabled channel does (and, inside a blinded path,
    /// that failure reaches the payer as `invalid_onion_blinding` from the introduction node).
    pub fail_first_path: bool,
}

impl Default for OfferSettings {
    fn default() -> OfferSettings {
        OfferSettings { blinded: true, payment_paths: MAX_PAYMENT_PATHS, fail_first_path: false }
    }
}

/// What became of an `invoice_request` that reached a node with offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweredRequest {
    /// The node that answered.
    pub node: u32,
    /// When, in simulated milliseconds.
    pub time_ms: u64,
    /// What it did.
    pub outcome: RequestOutcome,
}

/// The answer to one `invoice_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestOutcome {
    /// An invoice was sent over the reply path.
    Invoiced {
        /// The invoice's payment hash.
        payment_hash: PaymentHash,
        /// The invoice's amount.
        amount: Msat,
        /// Its number of blinded payment paths.
        paths: usize,
    },
    /// The request could not be answered (unreadable, no matching offer, no reply path, no
    /// payment path, or the reply could not be built or sent).
    Refused(RefusedRequest),
}

/// Why a node did not answer an `invoice_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefusedRequest {
    /// The bytes are not a valid invoice request.
    Unreadable,
    /// It answers none of the node's offers (or came through the wrong offer path).
    NoOffer,
    /// It carries no reply path, or one the node cannot reach.
    NoReplyPath,
    /// The offer has no amount and the request names none.
    NoAmount,
    /// The node has no channel to put a payment path on.
    NoPaymentPath,
    /// The invoice or the reply could not be built.
    Build,
}

/// Why an offer could not be created.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CreateOfferError {
    /// No node has this index.
    UnknownNode {
        /// The index.
        node: u32,
    },
    /// A blinded offer needs a channel peer to introduce it.
    NoPeer {
        /// The node.
        node: u32,
    },
    /// The offer path could not be blinded or the offer not encoded.
    Build,
}

impl fmt::Display for CreateOfferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateOfferError::UnknownNode { node } => write!(f, "no node {node}"),
            CreateOfferError::NoPeer { node } => {
                write!(f, "node {node} has no channel peer to introduce a blinded offer")
            }
            CreateOfferError::Build => f.write_str("the offer could not be built"),
        }
    }
}
impl std::error::Error for CreateOfferError {}

impl Simulator {
    /// Node `node` creates an offer for `amount` (any amount when `None`) with `description`.
    /// `blinded`: the offer carries a blinded path through the node's best funded channel peer
    /// and no issuer id (its invoices are signed by the path's last blinded key); otherwise it
    /// names the node as `offer_issuer_id`. Invoice requests for it are answered from then on.
    pub fn create_offer(
        &mut self,
        node: u32,
        amount: Option<Msat>,
        description: &str,
        blinded: bool,
    ) -> Result<Offer, CreateOfferError> {
        let settings = OfferSettings { blinded, ..OfferSettings::default() };
        self.create_offer_with(node, amount, description, settings)
    }

    /// [`Simulator::create_offer`] with every setting (`payment_paths` is clamped to
    /// 1..=[`MAX_PAYMENT_PATHS`]).
    pub fn create_offer_with(
        &mut self,
        node: u32,
        amount: Option<Msat>,
        description: &str,
        settings: OfferSettings,
    ) -> Result<Offer, CreateOfferError> {
        let settings = OfferSettings {
            payment_paths: settings.payment_paths.clamp(1, MAX_PAYMENT_PATHS),
            ..settings
        };
        let blinded = settings.blinded;
        let n = self.nodes.get(node as usize).ok_or(CreateOfferError::UnknownNode { node })?;
        let (secret, pubkey) = (n.secret, n.pubkey);
        let secp = Secp256k1::new();
        let mut fields = OfferFields {
            description: Some(description.to_string()),
            amount: amount.map(|a| a.0),
            ..OfferFields::default()
        };
        let (signing_key, path_id) = if blinded {
            let peer = self
                .payment_peers(node)
                .first()
                .map(|p| p.peer_key)
                .ok_or(CreateOfferError::NoPeer { node })?;
            let session = self.fresh_key();
            let path_id = self.rng.bytes32().to_vec();
            let path =
                build_message_path(&secp, &session, &[peer], pubkey, 0, Some(path_id.clone()))
                    .map_err(|_| CreateOfferError::Build)?;
            let keys =
                hop_keys(&secp, &session, &[peer, pubkey]).map_err(|_| CreateOfferError::Build)?;
            let last = keys.last().ok_or(CreateOfferError::Build)?;
            let key = blinded_node_secret(&secret, &last.path_key)
                .map_err(|_| CreateOfferError::Build)?;
            fields.paths = Some(vec![path]);
            (key, Some(path_id))
        } else {
            fields.issuer_id = Some(pubkey);
            (secret, None)
        };
        let offer = Offer::new(&fields).map_err(|_| CreateOfferError::Build)?;
        self.offers.entry(node).or_default().push(OfferState {
            offer: offer.clone(),
            signing_key,
            path_id,
            settings,
        });
        Ok(offer)
    }

    /// Every `invoice_request` a node with offers answered or refused so far, in order.
    pub fn answered_requests(&self) -> &[AnsweredRequest] {
        &self.answered
    }

    /// Ground truth for an invoice `node` answered with payment hash `hash`: whether the
    /// true balances could deliver `amount` from `src` to `node` entering only through the
    /// invoice's blinded payment paths (max flow over every other channel to the paths'
    /// introduction nodes, then only along the paths' own channels, each direction carrying
    /// what [`Simulator::max_flow`] lets it, once however many paths share it).
    /// `None` when `node` answered no invoice request with `hash`.
    ///
    /// Every such flow is one of the whole network, so this is true only when
    /// [`Simulator::can_deliver`] is; the receiver's choice of paths can make a payment the
    /// network could carry impossible for any payer.
    pub fn can_deliver_via_paths(
        &self,
        src: u32,
        node: u32,
        hash: &PaymentHash,
        amount: Msat,
    ) -> Option<bool> {
        let paths = self.offer_paths.get(&(node, *hash))?;
        let n = self.nodes.len();
        // A path's channel, in its direction, carries only what enters the path.
        let on_path = |ci: u32, side: usize| paths.iter().flatten().any(|&h| h == (ci, side));
        let mut edges = self.flow_edges_but(on_path);
        let offline = |i: u32| self.nodes.get(i as usize).map_or(true, |x| x.fault.offline);
        // Past the introduction node a path's nodes are copies (reachable only along the
        // path) and each channel is a node of its own, so paths sharing it share its
        // capacity: `from -> channel` unbounded, `channel -> next` its capacity.
        let mut extra: HashMap<(bool, u32), u32> = HashMap::new();
        let fresh = |key: (bool, u32), extra: &mut HashMap<(bool, u32), u32>| -> u32 {
            let next = (n + extra.len()) as u32;
            *extra.entry(key).or_insert(next)
        };
        let sink = fresh((false, node), &mut extra);
        let mut seen = std::collections::HashSet::new();
        for path in paths {
            for (j, &(ci, side)) in path.iter().enumerate() {
                let c = self.channels.get(ci as usize)?;
                let (from, to) = (*c.nodes.get(side)?, *c.nodes.get(1 - side)?);
                let entry = if j == 0 { from } else { fresh((false, from), &mut extra) };
                let cnode = fresh((true, ci * 2 + side as u32), &mut extra);
                let next = if to == node { sink } else { fresh((false, to), &mut extra) };
                edges.push((entry, cnode, u64::MAX / 4));
                if seen.insert((ci, side)) {
                    let cap =
                        if offline(from) || offline(to) { 0 } else { self.flow_capacity(c, side) };
                    edges.push((cnode, next, cap));
                }
            }
        }
        let total = n + extra.len();
        Some(crate::flow::max_flow_up_to(total, &edges, src, sink, amount.0) >= amount.0)
    }

    fn fresh_key(&mut self) -> SecretKey {
        loop {
            if let Ok(k) = SecretKey::from_slice(&self.rng.bytes32()) {
                return k;
            }
        }
    }

    /// Whether `node` handles `received` as an offer's issuer (it has offers and the message
    /// is an invoice request); if so it answers it.
    pub(super) fn offer_request(&mut self, node: u32, received: &ReceivedMessage) -> bool {
        let Some(MessageContents::InvoiceRequest(bytes)) = &received.contents else {
            return false;
        };
        if !self.offers.contains_key(&node) {
            return false;
        }
        let outcome = match self.answer(node, bytes, received) {
            Ok(o) => o,
            Err(r) => RequestOutcome::Refused(r),
        };
        self.answered.push(AnsweredRequest { node, time_ms: self.now, outcome });
        true
    }

    fn answer(
        &mut self,
        node: u32,
        bytes: &[u8],
        received: &ReceivedMessage,
    ) -> Result<RequestOutcome, RefusedRequest> {
        let request = InvoiceRequest::from_bytes(bytes).map_err(|_| RefusedRequest::Unreadable)?;
        let (offer_amount, signing_key, settings) = {
            let offers = self.offers.get(&node).ok_or(RefusedRequest::NoOffer)?;
            let o = offers
                .iter()
                .find(|o| {
                    // A blinded offer is answered only through its own path.
                    request.matches_offer(&o.offer)
                        && (o.path_id.is_none() || o.path_id == received.path_id)
                })
                .ok_or(RefusedRequest::NoOffer)?;
            (o.offer.fields().amount, o.signing_key, o.settings)
        };
        let reply_path = received.reply_path.clone().ok_or(RefusedRequest::NoReplyPath)?;
        let amount = match (request.fields().amount, offer_amount) {
            (Some(a), _) => a,
            (None, Some(a)) => Msat(a.saturating_mul(request.fields().quantity.unwrap_or(1))),
            (None, None) => return Err(RefusedRequest::NoAmount),
        };
        let preimage = PaymentPreimage(self.rng.bytes32());
        let secret = PaymentSecret(self.rng.bytes32());
        let hash = preimage.hash();
        let PaymentPaths { paths, infos: payinfo, channels, first_last_hop } =
            self.payment_paths(node, secret, settings.payment_paths)?;
        let mut features = types::Features::new();
        features.set(usize::from(types::features::Feature::BASIC_MPP.0) + 1);
        let fields = InvoiceFields {
            paths: Some(paths),
            blindedpay: Some(payinfo),
            created_at: Some(u64::from(INVOICE_EPOCH) + self.now / 1000),
            payment_hash: Some(hash),
            amount: Some(amount),
            features: Some(features),
            ..InvoiceFields::default()
        };
        let invoice =
            Invoice::respond(&request, &fields, &signing_key).map_err(|_| RefusedRequest::Build)?;
        let n_paths = invoice.paths().len();
        self.send_reply(node, &reply_path, MessageContents::Invoice(invoice.to_bytes()))?;
        self.offer_paths.insert((node, hash), channels);
        if settings.fail_first_path {
            if let Some((scid, from)) = first_last_hop {
                self.set_actual_policy(scid, from, |p| EdgePolicy { enabled: false, ..p });
            }
        }
        self.invoices.insert(
            (node, hash),
            InvoiceState {
                preimage,
                secret,
                amount: Some(amount),
                parts: Vec::new(),
                received: 0,
                set_started: 0,
            },
        );
        Ok(RequestOutcome::Invoiced { payment_hash: hash, amount, paths: n_paths })
    }

    /// `node` sends `contents` over the blinded path `to`, through the fewest channel hops to
    /// its introduction node.
    fn send_reply(
        &mut self,
        node: u32,
        to: &BlindedPath,
        contents: MessageContents,
    ) -> Result<(), RefusedRequest> {
        let secp = Secp256k1::new();
        let own = self.nodes.get(node as usize).map(|n| (n.secret, n.pubkey));
        let (secret, pubkey) = own.ok_or(RefusedRequest::NoReplyPath)?;
        let intro =
            self.resolve_introduction(&to.introduction_node).ok_or(RefusedRequest::NoReplyPath)?;
        let mut dest =
            BlindedPath { introduction_node: IntroductionNode::NodeId(intro), ..to.clone() };
        if intro == pubkey {
            dest = advance_path(&secp, &secret, &dest).map_err(|_| RefusedRequest::NoReplyPath)?;
        }
        let target = dest
            .introduction_node
            .node_id()
            .and_then(|k| self.id_index.get(&NodeId::from_pubkey(&k)).copied())
            .ok_or(RefusedRequest::NoReplyPath)?;
        let hops = self.hops_between(node, target).ok_or(RefusedRequest::NoReplyPath)?;
        let intermediate: Vec<PublicKey> = hops
            .iter()
            .filter(|&&h| h != target)
            .filter_map(|&h| self.nodes.get(h as usize).map(|n| n.pubkey))
            .collect();
        let keys = MessageKeys { session_key: self.fresh_key(), path_key: self.fresh_key() };
        let final_contents = FinalContents { contents: Some(contents), ..FinalContents::default() };
        let (peer, message) =
            build_onion_message(&secp, &keys, &intermediate, &dest, &final_contents)
                .map_err(|_| RefusedRequest::Build)?;
        self.send_onion_message(node, peer, message).map_err(|_| RefusedRequest::NoReplyPath)
    }

    /// The node a blinded path's introduction names: by key, or by a channel of the network
    /// and a direction (BOLT 7 order: direction 0 is the lesser node id).
    pub fn resolve_introduction(&self, intro: &IntroductionNode) -> Option<PublicKey> {
        match intro {
            IntroductionNode::NodeId(k) => Some(*k),
            IntroductionNode::Channel(c) => {
                let ci = *self.scid_index.get(&c.scid)?;
                let ch = self.channels.get(ci as usize)?;
                let n = *ch.nodes.get(usize::from(c.direction))?;
                self.nodes.get(n as usize).map(|n| n.pubkey)
            }
        }
    }

    /// The nodes after `from` on a fewest-hops channel walk to `to` (`to` last; empty when
    /// they are the same node).
    fn hops_between(&self, from: u32, to: u32) -> Option<Vec<u32>> {
        let mut prev: HashMap<u32, u32> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        prev.insert(from, from);
        while let Some(n) = queue.pop_front() {
            if n == to {
                break;
            }
            for &ci in self.node_channels.get(n as usize)? {
                let Some(c) = self.channels.get(ci as usize) else { continue };
                let Some(&o) = c.nodes.iter().find(|&&o| o != n) else { continue };
                if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(o) {
                    e.insert(n);
                    queue.push_back(o);
                }
            }
        }
        prev.get(&to)?;
        let mut out = Vec::new();
        let mut at = to;
        while at != from {
            out.push(at);
            at = *prev.get(&at)?;
        }
        out.reverse();
        Some(out)
    }

    /// The payee's channel peers that can pay it, the best funded toward it first.
    fn payment_peers(&self, payee: u32) -> Vec<PaymentPeer> {
        let mut out = Vec::new();
        for &ci in self.node_channels.get(payee as usize).map_or(&[][..], |v| v) {
            let Some(c) = self.channels.get(ci as usize) else { continue };
            let Some(side) = c.nodes.iter().position(|&n| n != payee) else { continue };
            let Some(policy) = c.actual[side].filter(|p| p.enabled) else { continue };
            let Some(peer) = self.nodes.get(c.nodes[side] as usize) else { continue };
            out.push(PaymentPeer {
                channel: (ci, side),
                peer_key: peer.pubkey,
                scid: c.scid,
                policy,
                spendable: self.spendable(c, side),
            });
        }
        out.sort_by_key(|p| Reverse(p.spendable));
        out
    }

    /// Blinded payment paths into `payee` with their `payinfo` and their channels (index,
    /// sending side, introduction node's first): one from each of its best funded peers; when
    /// it has a single one, also paths introduced two hops away (a peer of that peer, best
    /// funded first), up to `max` (at most [`MAX_PAYMENT_PATHS`]). Also the last channel of the
    /// first path and the node forwarding over it into the payee.
    fn payment_paths(
        &mut self,
        payee: u32,
        secret: PaymentSecret,
        max: usize,
    ) -> Result<PaymentPaths, RefusedRequest> {
        let max = max.clamp(1, MAX_PAYMENT_PATHS);
        let direct: Vec<PaymentPeer> =
            self.payment_peers(payee).into_iter().filter(|p| p.spendable > 0).collect();
        let mut chains: Vec<Vec<PaymentPeer>> = Vec::new();
        for p in direct.iter().take(max) {
            chains.push(vec![p.clone()]);
        }
        if let [only] = direct.as_slice() {
            let index = self.id_index.get(&NodeId::from_pubkey(&only.peer_key)).copied();
            let payee_key = self.nodes.get(payee as usize).map(|n| n.pubkey);
            for q in index.map(|i| self.payment_peers(i)).unwrap_or_default() {
                if chains.len() >= max {
                    break;
                }
                if q.spendable > 0 && Some(q.peer_key) != payee_key {
                    chains.push(vec![q, only.clone()]);
                }
            }
        }
        let mut paths = Vec::new();
        let mut infos = Vec::new();
        let mut channels = Vec::new();
        let mut first_last_hop = None;
        for chain in &chains {
            if let Some((path, info)) = self.payment_path(payee, secret, chain) {
                if paths.is_empty() {
                    first_last_hop = chain.last().and_then(|p| {
                        let from = *self.id_index.get(&NodeId::from_pubkey(&p.peer_key))?;
                        Some((p.scid, from))
                    });
                }
                paths.push(path);
                infos.push(info);
                channels.push(chain.iter().map(|p| p.channel).collect());
            }
        }
        if paths.is_empty() {
            return Err(RefusedRequest::NoPaymentPath);
        }
        Ok(PaymentPaths { paths, infos, channels, first_last_hop })
    }

    /// One blinded payment path through `chain` (the introduction node first, each forwarding
    /// over its channel toward the next, the last to the payee) and its aggregated `payinfo`
    /// (BOLT 4: base and proportional fees rounded up hop by hop from the payee back, deltas
    /// summed, plus the payee's final delta).
    fn payment_path(
        &mut self,
        payee: u32,
        secret: PaymentSecret,
        chain: &[PaymentPeer],
    ) -> Option<(BlindedPath, BlindedPayInfo)> {
        let payee_key = self.nodes.get(payee as usize)?.pubkey;
        let max_cltv = self.cfg.block_height.saturating_add(MAX_EXPIRY_AHEAD);
        // Each node may see an HTLC expiring as late as the recipient's most plus the deltas
        // of the nodes after it.
        let mut later_deltas = 0u32;
        let mut deltas = vec![0u32; chain.len()];
        for (i, p) in chain.iter().enumerate().rev() {
            later_deltas = later_deltas.saturating_add(u32::from(p.policy.cltv_delta));
            if let Some(d) = deltas.get_mut(i) {
                *d = later_deltas;
            }
        }
        let relay = |p: &PaymentPeer| PaymentRelay {
            cltv_expiry_delta: p.policy.cltv_delta,
            fee_proportional_millionths: p.policy.fee_ppm,
            fee_base_msat: p.policy.base_fee_msat,
        };
        let forwards: Vec<PathForward> = chain
            .iter()
            .zip(&deltas)
            .map(|(p, delta)| PathForward {
                node_id: p.peer_key,
                short_channel_id: p.scid,
                relay: relay(p),
                constraints: PaymentConstraints {
                    max_cltv_expiry: max_cltv.saturating_add(*delta),
                    htlc_minimum_msat: p.policy.htlc_min,
                },
            })
            .collect();
        let payee_constraints =
            PaymentConstraints { max_cltv_expiry: max_cltv, htlc_minimum_msat: Msat(1) };
        let session = self.fresh_key();
        let path = build_payment_path(
            &Secp256k1::new(),
            &session,
            &forwards,
            payee_key,
            &secret.0,
            payee_constraints,
        )
        .ok()?;
        let relays: Vec<PaymentRelay> = chain.iter().map(relay).collect();
        let final_delta = u16::try_from(self.cfg.min_final_cltv_delta).ok()?;
        let agg = aggregate_relay(&relays, final_delta)?;
        let info = BlindedPayInfo {
            fee_base_msat: agg.fee_base_msat,
            fee_proportional_millionths: agg.fee_proportional_millionths,
            cltv_expiry_delta: agg.cltv_expiry_delta,
            htlc_minimum_msat: chain.iter().map(|p| p.policy.htlc_min).max()?,
            htlc_maximum_msat: Msat(
                chain.iter().map(|p| p.policy.htlc_max.0.min(p.spendable)).min()?,
            ),
            features: types::Features::new(),
        };
        Some((path, info))
    }
}

#[derive(Clone)]
struct PaymentPeer {
    /// The channel's index and the peer's side of it (the side that pays toward the payee).
    channel: (u32, usize),
    peer_key: PublicKey,
    scid: ShortChannelId,
    policy: EdgePolicy,
    spendable: u64,
}
