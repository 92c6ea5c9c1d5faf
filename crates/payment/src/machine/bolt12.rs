//! `pay` of a BOLT 12 invoice: the same engine as a BOLT 11 `pay` (deadline, fee budget,
//! multi-part flows, learning), with the invoice's blinded paths as the routing targets.
//!
//! Each path is a [`BlindedTail`] of the flow: parts route to its introduction node and pay
//! its aggregate fee and CLTV delta; a part's onion then runs through the blinded path
//! ([`onion::blinded_payment`]). A failure from the introduction node on (BOLT 4 turns
//! every error inside a blinded path into `invalid_onion_blinding` there) is the tail's:
//! the knowledge learns it under a virtual channel of that path (numbered from its first
//! path key, so it stays with the path and never passes to another invoice's paths at the
//! same position) and the pay goes on through the other paths; only the payee alone on a
//! one-hop path fails the payment for good.

use super::pay::Target;
use super::Machine;
use crate::error::{PayError, SendpayError};
use crate::record::{BlindedPayRecord, PartKey, PartRecord, PartStatus};
use crate::replies::Reply;
use crate::requests::{BlindedPayPath, BlindedPayRequest};
use onion::blinded_payment::{build_blinded_payment_onion, BlindedFinalData};
use onion::failure::code as fc;
use onion::payment::BuildPaymentOnionError;
use route::flow::{
    tail_channel, tail_failed, tail_liquidity, tail_released, tail_sent, tail_succeeded,
    BlindedTail,
};
use types::blinded::IntroductionNode;
use types::{Hop, Msat, NodeId, ShortChannelIdDir};

impl Machine {
    pub(super) fn pay_blinded(&mut self, cmd: u64, r: BlindedPayRequest, now_ms: u64) {
        match self.pay_blinded_start(cmd, r, now_ms) {
            Ok(Some(pay_id)) => self.pay_step(pay_id, now_ms),
            Ok(None) => {}
            Err(e) => self.reply(cmd, Reply::Pay(Err(e))),
        }
    }

    fn pay_blinded_start(
        &mut self,
        cmd: u64,
        r: BlindedPayRequest,
        now_ms: u64,
    ) -> Result<Option<u64>, PayError> {
        let BlindedPayRequest {
            payment_hash: hash,
            amount_msat,
            payee,
            expires_at,
            paths,
            mpp,
            invoice,
            options,
        } = r;
        if options.maxfee.is_some()
            && (options.maxfeepercent.is_some() || options.exemptfee.is_some())
        {
            return Err(PayError::MaxfeeConflict);
        }
        if let Some(a) = options.amount_msat {
            return Err(PayError::AmountUnnecessary { amount: a });
        }
        let now_s = now_ms / 1000;
        if now_s > expires_at {
            return Err(PayError::Expired { now: now_s, expiry: expires_at });
        }
        if payee == self.cfg.node_id {
            return Err(PayError::UnknownInvoice);
        }
        if paths.is_empty() {
            return Err(PayError::NoRoute);
        }
        if let Some(ps) =
            self.pays.iter_mut().find(|ps| ps.rec.payment_hash == hash && !ps.rec.done)
        {
            ps.waiters.push(cmd);
            return Ok(None);
        }
        if self.answer_if_paid(cmd, hash) {
            return Ok(None);
        }
        if let Some(p) =
            self.parts.iter().find(|p| p.key.payment_hash == hash && p.status != PartStatus::Failed)
        {
            return Err(PayError::InProgress { groupid: p.key.groupid });
        }
        let mut options = options;
        options.partial_msat = None;
        let target = Target {
            hash,
            destination: payee,
            final_cltv: 0,
            amount: amount_msat,
            keysend: None,
            blinded: Some(BlindedPayRecord { paths, mpp }),
        };
        Ok(Some(self.begin_pay(cmd, invoice, options, target, None, now_ms)))
    }

    /// An introduction node as a node id: its key, or the end of the channel it
    /// names (direction 0: `node_id_1`, the lesser id; 1: `node_id_2`), from the graph or
    /// our own channels. `None`: a channel neither knows.
    pub(super) fn resolve_introduction(&self, n: &IntroductionNode) -> Option<NodeId> {
        let c = match *n {
            IntroductionNode::NodeId(k) => return Some(NodeId::from_pubkey(&k)),
            IntroductionNode::Channel(c) => c,
        };
        let g = &self.graph;
        let ends = g
            .edge_of(c.scid, 0)
            .and_then(|e| g.edge(e))
            .or_else(|| g.edge_of(c.scid, 1).and_then(|e| g.edge(e)))
            .and_then(|e| Some((*g.node_id(e.src)?, *g.node_id(e.dst)?)))
            .or_else(|| {
                let h = self.first_hops.iter().find(|h| h.scid == c.scid)?;
                Some((self.cfg.node_id, h.peer))
            })?;
        let (lo, hi) = if ends.0 < ends.1 { ends } else { (ends.1, ends.0) };
        Some(if c.direction == 0 { lo } else { hi })
    }

    /// The flow's tails for `paths` (tail `i` is path `i`), with what was learned of each,
    /// and the virtual channels of the paths that cannot be used (no hops, or we are their
    /// introduction node).
    pub(super) fn blinded_tails(
        &self,
        paths: &[BlindedPayPath],
        now_s: u64,
    ) -> (Vec<BlindedTail>, Vec<ShortChannelIdDir>) {
        let mut unusable = Vec::new();
        let tails = paths
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let introduction = self
                    .resolve_introduction(&p.path.introduction_node)
                    .unwrap_or(self.cfg.node_id);
                if p.path.hops.is_empty() || introduction == self.cfg.node_id {
                    unusable.push(tail_channel(i));
                }
                BlindedTail {
                    introduction,
                    fee_base_msat: p.fee_base_msat,
                    fee_proportional_millionths: p.fee_proportional_millionths,
                    cltv_expiry_delta: p.cltv_expiry_delta,
                    htlc_min: p.htlc_minimum_msat,
                    htlc_max: p.htlc_maximum_msat,
                    liquidity: tail_liquidity(
                        &self.knowledge,
                        learned_as(p),
                        p.htlc_maximum_msat,
                        now_s,
                    ),
                }
            })
            .collect();
        (tails, unusable)
    }

    /// Builds the onion of a part over `hops` (to the introduction node) and through path
    /// `tail`, persists the part and sends it. `amounts` are what the part delivers, the
    /// payment's total and the final hop's delay over the current height (a shadow offset).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_blinded_part(
        &mut self,
        key: PartKey,
        hops: Vec<Hop>,
        (tail, path): (usize, &BlindedPayPath),
        (amount, total, delay): (Msat, Msat, u32),
        meta: (Option<String>, Option<String>, Option<String>),
        pay_id: u64,
        now_ms: u64,
    ) -> Result<PartRecord, SendpayError> {
        if hops.is_empty() {
            return Err(SendpayError::EmptyRoute);
        }
        let base = self.height.saturating_add(1);
        let sk = self.session_key(&key);
        let fin = BlindedFinalData { amount, delay, total_amount: total };
        let (onion, secrets) =
            build_blinded_payment_onion(&sk, &hops, base, &path.path, &fin, &key.payment_hash)
                .map_err(|e| match e {
                    BuildPaymentOnionError::InvalidNodeId { id, .. } => SendpayError::BadNodeId(id),
                    _ => SendpayError::Onion,
                })?;
        let destination = self.pays.iter().find(|p| p.rec.id == pay_id).map(|p| p.rec.destination);
        let sent = super::sendpay::SentPart {
            destination,
            amount,
            total,
            secret: None,
            meta,
            pay_id: Some(pay_id),
            onion,
            secrets,
            blinded_tail: u32::try_from(tail).ok(),
        };
        let rec = self.commit_part(key, hops, sent, now_ms);
        tail_sent(&mut self.knowledge, learned_as(path), amount);
        Ok(rec)
    }

    /// After part `key` resolved: takes it off its tail's amount in flight and teaches the
    /// knowledge what it showed of the tail. Returns whether its failure belongs to the tail
    /// (from the introduction node on, other than the payee alone on a one-hop path refusing
    /// it), so the pay goes on.
    pub(super) fn blinded_outcome(&mut self, key: PartKey, now_s: u64) -> bool {
        if let Some((tail, _, amount)) = self.part_tail(&key) {
            tail_released(&mut self.knowledge, tail, amount);
        }
        let Some((tail, lesson)) = self.tail_lesson(&key) else { return false };
        match lesson {
            TailLesson::Carried(amount, htlc_max) => {
                tail_succeeded(&mut self.knowledge, tail, amount, htlc_max, now_s);
                false
            }
            TailLesson::Failed(route, amount, limits) => {
                // Every channel up to the introduction node carried the part.
                for h in &route {
                    self.knowledge.learn_at_least(h.channel_dir(), h.amount, None, now_s);
                }
                tail_failed(&mut self.knowledge, tail, amount, limits, now_s);
                true
            }
        }
    }

    /// After a restart: the parts of BOLT 12 pays still pending count in flight on their
    /// tails again (each is released when it resolves, a part that never left included),
    /// and what the resolved parts of the unfinished pays taught of their tails is learned
    /// again, in the order and at the time each resolved (the channels up to the
    /// introduction nodes come back with the learned layer's records).
    pub(super) fn relearn_tails(&mut self) {
        let pending: Vec<PartKey> = self
            .parts
            .iter()
            .filter(|p| p.status == PartStatus::Pending && p.blinded_tail.is_some())
            .map(|p| p.key)
            .collect();
        for key in pending {
            if let Some((tail, _, amount)) = self.part_tail(&key) {
                tail_sent(&mut self.knowledge, tail, amount);
            }
        }
        let open: Vec<u64> = self
            .pays
            .iter()
            .filter(|p| !p.rec.done && p.rec.blinded.is_some())
            .map(|p| p.rec.id)
            .collect();
        let mut resolved: Vec<(PartKey, u64, u64)> = self
            .parts
            .iter()
            .filter(|p| p.status != PartStatus::Pending && p.blinded_tail.is_some())
            .filter(|p| p.pay_id.is_some_and(|id| open.contains(&id)))
            .map(|p| (p.key, p.completed_at.unwrap_or(p.created_at), p.updated_index))
            .collect();
        resolved.sort_by_key(|&(_, at, index)| (at, index));
        for (key, at, _) in resolved {
            match self.tail_lesson(&key) {
                Some((tail, TailLesson::Carried(amount, htlc_max))) => {
                    tail_succeeded(&mut self.knowledge, tail, amount, htlc_max, at)
                }
                Some((tail, TailLesson::Failed(_, amount, limits))) => {
                    tail_failed(&mut self.knowledge, tail, amount, limits, at);
                }
                None => {}
            }
        }
    }

    /// The tail part `key` of a BOLT 12 pay went through, as the knowledge learns it
    /// ([`learned_as`]), its path, and the amount it delivers: `None` when it is not such a
    /// part.
    fn part_tail(&self, key: &PartKey) -> Option<(usize, &BlindedPayPath, Msat)> {
        let rec = self.part(key)?;
        let tail = rec.blinded_tail? as usize;
        let pay_id = rec.pay_id?;
        let ps = self.pays.iter().find(|p| p.rec.id == pay_id)?;
        let path = ps.rec.blinded.as_ref()?.paths.get(tail)?;
        Some((learned_as(path), path, rec.amount_msat))
    }

    /// What resolved part `key` of a BOLT 12 pay showed of its tail, with the number the tail
    /// is learned under ([`learned_as`]): `None` when it is not
    /// such a part, or its failure is not the tail's (before the introduction node, or the
    /// payee alone on a one-hop path refusing it).
    fn tail_lesson(&self, key: &PartKey) -> Option<(usize, TailLesson)> {
        let rec = self.part(key)?;
        let (tail, path, amount) = self.part_tail(key)?;
        let one_hop = path.path.hops.len() == 1;
        let limits = (path.htlc_minimum_msat, path.htlc_maximum_msat);
        let failure = rec.failure.as_ref().map(|f| (f.erring_index, f.failcode));
        match (rec.status, failure) {
            (PartStatus::Complete, _) => Some((tail, TailLesson::Carried(amount, limits.1))),
            (PartStatus::Failed, Some((Some(ei), code))) if ei as usize >= rec.route.len() => {
                let blinding = code == Some(fc::INVALID_ONION_BLINDING);
                (blinding || !one_hop)
                    .then(|| (tail, TailLesson::Failed(rec.route.clone(), amount, limits)))
            }
            _ => None,
        }
    }
}

/// The tail number the knowledge learns path `p` under: drawn from its first path key, so
/// what one invoice's path showed is kept for that path alone (another invoice's paths,
/// even the payee's next ones, are new blinded paths that say nothing of it) while the
/// tail's position in the flow stays its index in the pay.
fn learned_as(p: &BlindedPayPath) -> usize {
    let h = super::hash32(&[b"lnpay blinded tail", &p.path.first_path_key.serialize()]);
    usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2])
}

/// What a resolved part taught of its tail.
enum TailLesson {
    /// It reached the payee with this amount, through a path of this `htlc_max`.
    Carried(Msat, Msat),
    /// It failed inside the path, delivering this amount through a path of these
    /// `(htlc_min, htlc_max)`; the route up to the introduction node carried it.
    Failed(Vec<Hop>, Msat, (Msat, Msat)),
}
