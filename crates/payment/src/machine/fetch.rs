//! `fetchinvoice`: an invoice request for an offer, sent as an onion message with a reply
//! path to us, answered by an invoice (checked against the request) or an `invoice_error`,
//! or by nothing before the timeout.
//!
//! The machine builds the request (payer key derived from its seed and the caller's
//! `payer_metadata`), the onion message to the offer's first path (or to its issuer) through
//! our peers, and a reply path through one of our peers; the driver sends
//! [`Action::SendOnionMessage`](super::Action::SendOnionMessage) and hands back each onion
//! message it received for us, peeled, as
//! [`Input::MessageReceived`](super::Input::MessageReceived).

use super::{hash32, Machine, Timer};
use crate::offers::{chain_of, check_invoice, FetchinvoiceError};
use crate::replies::{FetchinvoiceChanges, FetchinvoiceReply};
use crate::requests::FetchinvoiceRequest;
use bolt12::{Invoice, InvoiceError, InvoiceRequest, InvreqFields};
use onion::message::path::build_message_path;
use onion::message::tlv::MessageContents;
use onion::message::{build_onion_message, FinalContents, MessageKeys, ReceivedMessage};
use onion::secp256k1::{PublicKey, Secp256k1, SecretKey};
use route::graph::NodeIdx;
use std::collections::{HashMap, VecDeque};
use types::blinded::{BlindedPath, IntroductionNode};
use types::{Msat, NodeId};

/// The default `fetchinvoice` timeout, seconds.
const DEFAULT_TIMEOUT: u32 = 60;

/// A `fetchinvoice` waiting for its answer.
#[derive(Debug, Clone)]
pub(super) struct Fetch {
    command: u64,
    /// The `path_id` of our reply path: what an answer to this request arrives with.
    path_id: Vec<u8>,
    request: InvoiceRequest,
    timer: u64,
    timeout: u32,
}

/// A secret key drawn from the seed for `purpose` and `nonce`.
fn derive_key(seed: &[u8; 32], purpose: &[u8], nonce: &[u8]) -> SecretKey {
    let mut ctr = 0u8;
    loop {
        if let Ok(k) = SecretKey::from_slice(&hash32(&[seed, purpose, nonce, &[ctr]])) {
            return k;
        }
        ctr = ctr.wrapping_add(1);
    }
}

impl Machine {
    pub(super) fn fetchinvoice(&mut self, cmd: u64, r: FetchinvoiceRequest, now_ms: u64) {
        if let Err(e) = self.fetch_start(cmd, r, now_ms) {
            self.fetch_done(cmd, Err(e), now_ms);
        }
    }

    /// The payer key of an invoice request with `metadata`.
    pub fn payer_key(&self, metadata: &[u8]) -> SecretKey {
        derive_key(&self.cfg.seed, b"bolt12 payer key", metadata)
    }

    fn fetch_start(
        &mut self,
        cmd: u64,
        r: FetchinvoiceRequest,
        now_ms: u64,
    ) -> Result<(), FetchinvoiceError> {
        let offer = &r.offer;
        let o = offer.fields();
        let now_s = now_ms / 1000;
        if let Some(expiry) = o.absolute_expiry.filter(|_| offer.is_expired(now_s)) {
            return Err(FetchinvoiceError::OfferExpired { now: now_s, expiry });
        }
        let chain = chain_of(self.cfg.currency);
        if !offer.supports_chain(chain) {
            return Err(FetchinvoiceError::WrongChain { chain });
        }
        if o.amount.is_none() && r.amount_msat.is_none() {
            return Err(FetchinvoiceError::AmountRequired);
        }
        match (o.quantity_max, r.quantity) {
            (Some(_), None) => return Err(FetchinvoiceError::QuantityRequired),
            (None, Some(quantity)) => {
                return Err(FetchinvoiceError::QuantityNotAllowed { quantity })
            }
            (Some(max), Some(q)) if q == 0 || (max != 0 && q > max) => {
                return Err(FetchinvoiceError::QuantityOutOfRange { quantity: q, max })
            }
            _ => {}
        }
        let fields = InvreqFields {
            metadata: Some(r.payer_metadata.clone()),
            chain: (chain != bolt12::ChainHash::BITCOIN).then_some(chain),
            amount: r.amount_msat,
            quantity: r.quantity,
            payer_note: r.payer_note.clone(),
            ..InvreqFields::default()
        };
        let payer = self.payer_key(&r.payer_metadata);
        let request = InvoiceRequest::for_offer(offer, &fields, &payer)
            .map_err(FetchinvoiceError::Request)?;
        // Where to: the offer's first path whose introduction node we know and reach (not
        // our own node: we cannot peel its layer), or its issuer.
        let secp = Secp256k1::new();
        let nonce = &r.payer_metadata;
        let mut own_paths = 0usize;
        let mut unreachable = None;
        let mut chosen = None;
        for p in o.paths.iter().flatten() {
            let Some(intro_id) = self.resolve_introduction(&p.introduction_node) else { continue };
            if intro_id == self.cfg.node_id {
                own_paths += 1;
                continue;
            }
            let Ok(pk) = intro_id.to_pubkey() else { continue };
            match self.message_route(intro_id) {
                Some(route) => {
                    let introduction_node = IntroductionNode::NodeId(pk);
                    chosen = Some((BlindedPath { introduction_node, ..p.clone() }, route));
                    break;
                }
                None => unreachable = unreachable.or(Some(intro_id)),
            }
        }
        let (destination, intermediate) = match chosen {
            Some(c) => c,
            None => {
                let Some(issuer) = o.issuer_id else {
                    return Err(match (unreachable, own_paths) {
                        (Some(node), _) => FetchinvoiceError::NoPath { node },
                        (None, n) if n > 0 => FetchinvoiceError::OwnPathsOnly,
                        _ => FetchinvoiceError::NoDestination,
                    });
                };
                let k = derive_key(&self.cfg.seed, b"bolt12 issuer path", nonce);
                let path = build_message_path(&secp, &k, &[], issuer, 0, None).map_err(|e| {
                    FetchinvoiceError::Message(onion::message::BuildMessageError::Blind(e))
                })?;
                let issuer_id = NodeId::from_pubkey(&issuer);
                // Unreachable: name the first path's introduction node we could not reach.
                let node = unreachable.unwrap_or(issuer_id);
                let route =
                    self.message_route(issuer_id).ok_or(FetchinvoiceError::NoPath { node })?;
                (path, route)
            }
        };
        // The reply path: through our first peer to us, with a path_id naming this fetch.
        let peer = self.first_hops.first().map(|h| h.peer).ok_or(FetchinvoiceError::NoPeer)?;
        let (Ok(peer_pk), Ok(us)) = (peer.to_pubkey(), self.cfg.node_id.to_pubkey()) else {
            return Err(FetchinvoiceError::NoPeer);
        };
        let path_id = hash32(&[&self.cfg.seed, b"bolt12 fetch path_id", nonce]).to_vec();
        let reply_key = derive_key(&self.cfg.seed, b"bolt12 reply path", nonce);
        let reply_path =
            build_message_path(&secp, &reply_key, &[peer_pk], us, 0, Some(path_id.clone()))
                .map_err(|e| {
                    FetchinvoiceError::Message(onion::message::BuildMessageError::Blind(e))
                })?;
        let keys = MessageKeys {
            session_key: derive_key(&self.cfg.seed, b"bolt12 message session", nonce),
            path_key: derive_key(&self.cfg.seed, b"bolt12 message path", nonce),
        };
        let contents = FinalContents {
            reply_path: Some(reply_path),
            contents: Some(MessageContents::InvoiceRequest(request.to_bytes())),
            ..FinalContents::default()
        };
        let (first, message) =
            build_onion_message(&secp, &keys, &intermediate, &destination, &contents)
                .map_err(FetchinvoiceError::Message)?;
        let timeout = r.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let at = now_ms.saturating_add(u64::from(timeout) * 1000);
        let timer = self.arm(Timer::Fetch(cmd), at);
        self.fetches.retain(|f| f.path_id != path_id);
        self.fetches.push(Fetch { command: cmd, path_id, request, timer, timeout });
        self.actions.push(super::Action::SendOnionMessage {
            peer: NodeId::from_pubkey(&first),
            message: Box::new(message),
        });
        Ok(())
    }

    /// The nodes an onion message passes before `to`, our peer first (empty when `to` is
    /// our peer): the fewest hops over the channel graph from one of our peers.
    fn message_route(&self, to: NodeId) -> Option<Vec<PublicKey>> {
        if to == self.cfg.node_id {
            return None;
        }
        let peers: Vec<NodeId> = if self.first_hops.is_empty() {
            let g = &self.graph;
            let me = g.node_index(&self.cfg.node_id)?;
            g.outgoing(me)
                .iter()
                .filter_map(|&e| g.edge(e).and_then(|x| g.node_id(x.dst)).copied())
                .collect()
        } else {
            self.first_hops.iter().map(|h| h.peer).collect()
        };
        if peers.contains(&to) {
            return Some(Vec::new());
        }
        // Breadth-first from our peers over the graph.
        let g = &self.graph;
        let mut prev: HashMap<u32, Option<u32>> = HashMap::new();
        let mut queue = VecDeque::new();
        for p in &peers {
            if let Some(i) = g.node_index(p) {
                prev.entry(i.0).or_insert(None);
                queue.push_back(i.0);
            }
        }
        let target = g.node_index(&to)?.0;
        while let Some(v) = queue.pop_front() {
            if v == target {
                let mut nodes = Vec::new();
                let mut at = prev.get(&v).copied().flatten();
                while let Some(u) = at {
                    nodes.push(g.node_id(NodeIdx(u))?.to_pubkey().ok()?);
                    at = prev.get(&u).copied().flatten();
                }
                nodes.reverse();
                return Some(nodes);
            }
            for &e in g.outgoing(NodeIdx(v)) {
                if let Some(x) = g.edge(e) {
                    if let std::collections::hash_map::Entry::Vacant(s) = prev.entry(x.dst.0) {
                        s.insert(Some(v));
                        queue.push_back(x.dst.0);
                    }
                }
            }
        }
        None
    }

    /// An onion message for us arrived (peeled by the driver): the answer of a fetch?
    pub(super) fn message_received(&mut self, m: ReceivedMessage, now_ms: u64) {
        let Some(path_id) = m.path_id.as_ref() else { return };
        let Some(pos) = self.fetches.iter().position(|f| &f.path_id == path_id) else { return };
        let res = {
            let Some(f) = self.fetches.get(pos) else { return };
            match &m.contents {
                Some(MessageContents::Invoice(bytes)) => self.fetched(f, bytes, now_ms),
                Some(MessageContents::InvoiceError(bytes)) => match InvoiceError::from_bytes(bytes)
                {
                    Ok(e) => Err(FetchinvoiceError::Remote(e)),
                    Err(_) => return, // Garbage: keep waiting for a real answer.
                },
                _ => return,
            }
        };
        let f = self.fetches.remove(pos);
        self.timers.remove(&f.timer);
        self.fetch_done(f.command, res, now_ms);
    }

    fn fetched(
        &self,
        f: &Fetch,
        bytes: &[u8],
        now_ms: u64,
    ) -> Result<FetchinvoiceReply, FetchinvoiceError> {
        let inv = Invoice::from_bytes(bytes).map_err(FetchinvoiceError::BadInvoice)?;
        check_invoice(&inv, &f.request, chain_of(self.cfg.currency), now_ms / 1000)
            .map_err(FetchinvoiceError::Check)?;
        let offer = f.request.offer_fields();
        let expected = match (offer.amount, &offer.currency) {
            (Some(a), None) => {
                Some(Msat(a.saturating_mul(f.request.fields().quantity.unwrap_or(1))))
            }
            _ => None,
        };
        let amount_msat = (expected != Some(inv.amount())).then_some(inv.amount());
        Ok(FetchinvoiceReply {
            invoice: inv.to_string(),
            changes: FetchinvoiceChanges { amount_msat },
        })
    }

    /// A fetch's timer fired: no answer came.
    pub(super) fn fetch_timeout(&mut self, cmd: u64, now_ms: u64) {
        let Some(pos) = self.fetches.iter().position(|f| f.command == cmd) else { return };
        let f = self.fetches.remove(pos);
        self.fetch_done(cmd, Err(FetchinvoiceError::Timeout { seconds: f.timeout }), now_ms);
    }
}
