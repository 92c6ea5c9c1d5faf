//! `pay` and `keysend`: a payment retried until its deadline, within its fee and delay
//! budgets, multi-part through the min-cost flow, learning from every outcome.

use super::askrene::View;
use super::{
    hash32, prob_cost_ppm, Action, Attempt, Machine, PayState, PaymentEvent, Timer, WaitFor, Waiter,
};
use crate::error::{AttemptSummary, PayError};
use crate::record::{BlindedPayRecord, PartKey, PartRecord, PartStatus, PayRecord, Record};
use crate::replies::{PayResult, Reply};
use crate::requests::{Exclusion, KeysendRequest, PayOptions, PayRequest};
use bolt11::{Description, Invoice};
use route::flow::{self, FlowError, FlowParams};
use route::graph::Graph;
use route::knowledge::KnowledgeSnapshot;
use types::{Msat, NodeId, PaymentHash, PaymentPreimage, ShortChannelIdDir};

/// The final CLTV delta of a keysend (Core Lightning's keysend plugin uses 22).
const KEYSEND_FINAL_CLTV: u32 = 22;

/// What a pay delivers, to whom.
pub(super) struct Target {
    pub(super) hash: PaymentHash,
    pub(super) destination: NodeId,
    pub(super) final_cltv: u32,
    pub(super) amount: Msat,
    pub(super) keysend: Option<PaymentPreimage>,
    /// For a BOLT 12 pay: the invoice's blinded paths, kept in the pay's record.
    pub(super) blinded: Option<BlindedPayRecord>,
}

impl Machine {
    pub(super) fn pay(&mut self, id: u64, r: PayRequest, now_ms: u64) {
        self.pay_checked(id, r, now_ms, true);
    }

    /// `pay`, checking a description hash against `description` when asked (`xpay` takes
    /// no description and pays whatever the invoice commits to).
    pub(super) fn pay_checked(
        &mut self,
        id: u64,
        r: PayRequest,
        now_ms: u64,
        check_description: bool,
    ) {
        match self.pay_start(id, r, now_ms, check_description) {
            Ok(Some(pay_id)) => self.pay_step(pay_id, now_ms),
            Ok(None) => {}
            Err(e) => self.reply(id, Reply::Pay(Err(e))),
        }
    }

    fn pay_start(
        &mut self,
        cmd: u64,
        req: PayRequest,
        now_ms: u64,
        check_description: bool,
    ) -> Result<Option<u64>, PayError> {
        let PayRequest { invoice, bolt11, options: r } = req;
        let inv = *invoice;
        if r.maxfee.is_some() && (r.maxfeepercent.is_some() || r.exemptfee.is_some()) {
            return Err(PayError::MaxfeeConflict);
        }
        self.known_layers(&r.layers)?;
        let amount = match (inv.amount(), r.amount_msat) {
            (Some(_), Some(a)) => return Err(PayError::AmountUnnecessary { amount: a }),
            (None, None) => return Err(PayError::AmountRequired),
            (Some(a), None) | (None, Some(a)) => a,
        };
        if let Some(partial) = r.partial_msat {
            if partial > amount {
                return Err(PayError::PartialAboveAmount { partial, amount });
            }
            if partial.0 == 0 {
                return Err(PayError::PartialZero);
            }
        }
        if let (Description::Hash(_), true) = (inv.description(), check_description) {
            let Some(d) = &r.description else {
                return Err(PayError::DescriptionRequired);
            };
            if inv.check_description(d).is_err() {
                return Err(PayError::DescriptionMismatch { description: d.clone() });
            }
        }
        let now_s = now_ms / 1000;
        if inv.is_expired(now_s) {
            return Err(PayError::Expired { now: now_s, expiry: inv.expires_at() });
        }
        let hash = *inv.payment_hash();
        if inv.payee() == self.cfg.node_id {
            if r.partial_msat.is_some() {
                return Err(PayError::PartialSelfPay);
            }
            // Core Lightning settles a self-payment against its own invoices; this machine
            // keeps none.
            return Err(PayError::UnknownInvoice);
        }
        for e in &r.exclude {
            match e {
                Exclusion::Node(n) if *n == inv.payee() => return Err(PayError::PayeeExcluded(*n)),
                Exclusion::Node(n) if *n == self.cfg.node_id => {
                    return Err(PayError::PayerExcluded(*n))
                }
                _ => {}
            }
        }
        // In progress: latch on. The pay answers once none of its parts is in flight, so a
        // part fulfilled while others are pending (before a restart, say) answers nothing yet.
        if let Some(ps) =
            self.pays.iter_mut().find(|ps| ps.rec.payment_hash == hash && !ps.rec.done)
        {
            ps.waiters.push(cmd);
            return Ok(None);
        }
        if self.answer_if_paid(cmd, hash) {
            return Ok(None);
        }
        if let Some(p) = self
            .parts
            .iter()
            .find(|p| p.key.payment_hash == hash && p.status == PartStatus::Pending)
        {
            return Err(PayError::InProgress { groupid: p.key.groupid });
        }
        let final_cltv = inv.min_final_cltv_expiry_delta().min(u64::from(u32::MAX)) as u32;
        let target = Target {
            hash,
            destination: inv.payee(),
            final_cltv,
            amount,
            keysend: None,
            blinded: None,
        };
        Ok(Some(self.begin_pay(cmd, bolt11, r, target, Some(inv), now_ms)))
    }

    /// `keysend`: a payment without invoice; the preimage is ours, sent in the final payload.
    pub(super) fn keysend_start(
        &mut self,
        cmd: u64,
        r: KeysendRequest,
        now_ms: u64,
    ) -> Result<u64, PayError> {
        if r.maxfee.is_some() && (r.maxfeepercent.is_some() || r.exemptfee.is_some()) {
            return Err(PayError::MaxfeeConflict);
        }
        let p = PayOptions {
            amount_msat: Some(r.amount_msat),
            label: r.label,
            maxfeepercent: r.maxfeepercent,
            retry_for: r.retry_for,
            maxdelay: r.maxdelay,
            exemptfee: r.exemptfee,
            maxfee: r.maxfee,
            ..PayOptions::default()
        };
        self.keysend_begin(cmd, r.destination, r.amount_msat, p, now_ms)
    }

    /// Starts a keysend of `amount` to `destination` with the options `p`.
    pub(super) fn keysend_begin(
        &mut self,
        cmd: u64,
        destination: NodeId,
        amount: Msat,
        p: PayOptions,
        now_ms: u64,
    ) -> Result<u64, PayError> {
        if destination == self.cfg.node_id {
            return Err(PayError::KeysendToSelf);
        }
        self.known_layers(&p.layers)?;
        let idx = self.next_index;
        let preimage = PaymentPreimage(hash32(&[
            &self.cfg.seed,
            b"keysend",
            destination.as_bytes(),
            &amount.0.to_be_bytes(),
            &now_ms.to_be_bytes(),
            &idx.to_be_bytes(),
        ]));
        let target = Target {
            hash: preimage.hash(),
            destination,
            final_cltv: KEYSEND_FINAL_CLTV,
            amount,
            keysend: Some(preimage),
            blinded: None,
        };
        Ok(self.begin_pay(cmd, String::new(), p, target, None, now_ms))
    }

    /// Records a new pay and arms its deadline; returns its id.
    pub(super) fn begin_pay(
        &mut self,
        cmd: u64,
        bolt11: String,
        r: PayOptions,
        t: Target,
        inv: Option<Invoice>,
        now_ms: u64,
    ) -> u64 {
        let Target { hash, destination, final_cltv, amount: invoice_amount, keysend, blinded } = t;
        let (amount, total_msat) = match r.partial_msat {
            Some(part) if part < invoice_amount => (part, Some(invoice_amount)),
            _ => (invoice_amount, None),
        };
        let riskfactor_millionths = r.riskfactor_millionths.unwrap_or(10_000_000);
        let max_fee = match r.maxfee {
            Some(m) => m,
            None => {
                let pct = r.maxfeepercent.unwrap_or(0.5).clamp(0.0, 100.0);
                let budget = amount.mul_ppm((pct * 10_000.0) as u32);
                budget.max(r.exemptfee.unwrap_or(Msat(5_000)))
            }
        };
        let max_delay = r.maxdelay.unwrap_or(2016);
        let groupid = self
            .parts
            .iter()
            .filter(|p| p.key.payment_hash == hash)
            .map(|p| p.key.groupid.saturating_add(1))
            .max()
            .unwrap_or(0);
        let id = self.bump();
        // Shadow route (BOLT 7 privacy): with probability 1/2, pad the final CLTV by up to a
        // quarter of what the CLTV budget leaves.
        let rnd = hash32(&[&self.cfg.seed, &hash.0, b"shadow", &id.to_be_bytes()]);
        let room = max_delay.saturating_sub(final_cltv) / 4;
        let shadow_cltv = if rnd[0] & 1 == 1 && room > 0 {
            u32::from(u16::from_be_bytes([rnd[1], rnd[2]])) % room.min(144)
        } else {
            0
        };
        let (mut exclude_channels, mut exclude_nodes) = (Vec::new(), Vec::new());
        for e in &r.exclude {
            match e {
                Exclusion::Channel(c) => exclude_channels.push((c.scid, c.direction)),
                Exclusion::Node(n) => exclude_nodes.push(*n),
            }
        }
        let rec = PayRecord {
            id,
            payment_hash: hash,
            groupid,
            destination,
            final_cltv,
            keysend_preimage: keysend,
            bolt11,
            amount_msat: amount,
            total_msat,
            riskfactor_millionths,
            max_fee,
            max_delay,
            shadow_cltv,
            created_at_ms: now_ms,
            deadline_ms: now_ms.saturating_add(r.retry_for.unwrap_or(60).saturating_mul(1000)),
            exclude_channels,
            exclude_nodes,
            label: r.label,
            description: r.description,
            attempts: 0,
            next_partid: 1,
            done: false,
            layers: r.layers,
            max_parts: r.max_parts,
            max_parts_from_partid: 0,
            parts_refused: 0,
            blinded,
        };
        self.actions.push(Action::Persist(Record::Pay(rec.clone())));
        let deadline = rec.deadline_ms;
        self.pays.push(PayState {
            rec,
            invoice: inv,
            waiters: vec![cmd],
            final_error: None,
            attempts: Vec::new(),
        });
        self.arm(Timer::PayDeadline(id), deadline);
        id
    }

    /// Already paid: answers `cmd` with the stored result, with the totals of every fulfilled
    /// part of the group, once none of the group is in flight. False when no part of `hash`
    /// was fulfilled.
    pub(super) fn answer_if_paid(&mut self, cmd: u64, hash: PaymentHash) -> bool {
        let Some(p) = self
            .parts
            .iter()
            .find(|p| p.key.payment_hash == hash && p.status == PartStatus::Complete)
        else {
            return false;
        };
        let g = p.key.groupid;
        if self.group_pending(hash, g) {
            self.waiters.push(Waiter {
                command: cmd,
                on: WaitFor::PayResult(hash, g),
                timer: None,
            });
        } else {
            let res = self.pay_result(hash, g, 1, None);
            self.reply(cmd, Reply::Pay(res));
        }
        true
    }

    /// The success reply of a pay over group `g` of `hash`.
    pub(super) fn pay_result(
        &self,
        hash: PaymentHash,
        g: u64,
        attempts: u32,
        created_ms: Option<u64>,
    ) -> Result<PayResult, PayError> {
        let done: Vec<&PartRecord> = self
            .parts
            .iter()
            .filter(|p| {
                p.key.payment_hash == hash && p.key.groupid == g && p.status == PartStatus::Complete
            })
            .collect();
        let Some(first) = done.first() else {
            return Err(PayError::Unknown);
        };
        let amount: u64 = done.iter().map(|p| p.amount_msat.0).fold(0u64, u64::saturating_add);
        let sent: u64 = done.iter().map(|p| p.amount_sent_msat.0).fold(0u64, u64::saturating_add);
        Ok(PayResult {
            payment_hash: hash,
            payment_preimage: first.payment_preimage,
            destination: first.destination,
            created_at_ms: created_ms.unwrap_or_else(|| first.created_at.saturating_mul(1000)),
            parts: attempts.max(done.len() as u32),
            amount_msat: Msat(amount),
            amount_sent_msat: Msat(sent),
        })
    }

    /// Moves a pay on: finishes it when it can, otherwise routes what is neither delivered
    /// nor in flight.
    pub(super) fn pay_step(&mut self, id: u64, now_ms: u64) {
        let Some(pi) = self.pays.iter().position(|p| p.rec.id == id) else { return };
        let Some(ps) = self.pays.get(pi) else { return };
        if ps.rec.done {
            return;
        }
        let hash = ps.rec.payment_hash;
        let g = ps.rec.groupid;
        let mine: Vec<&PartRecord> = self
            .parts
            .iter()
            .filter(|p| p.key.payment_hash == hash && p.key.groupid == g)
            .collect();
        let pending: Vec<&PartRecord> =
            mine.iter().copied().filter(|p| p.status == PartStatus::Pending).collect();
        let succeeded = mine.iter().any(|p| p.status == PartStatus::Complete);
        let attempts = ps.rec.attempts;
        if succeeded {
            if pending.is_empty() {
                let res = self.pay_result(hash, g, attempts, Some(ps.rec.created_at_ms));
                self.finish_pay(pi, res);
            }
            return;
        }
        if let Some(e) = ps.final_error.clone() {
            if pending.is_empty() {
                self.finish_pay(pi, Err(e));
            }
            return;
        }
        if now_ms >= ps.rec.deadline_ms {
            if pending.is_empty() {
                let e = self.gave_up(pi, now_ms);
                self.finish_pay(pi, Err(e));
            }
            return;
        }
        let in_flight: u64 =
            pending.iter().map(|p| p.amount_msat.0).fold(0u64, u64::saturating_add);
        let fees_in_flight: u64 = pending
            .iter()
            .map(|p| p.amount_sent_msat.0.saturating_sub(p.amount_msat.0))
            .fold(0u64, u64::saturating_add);
        let remaining = Msat(ps.rec.amount_msat.0.saturating_sub(in_flight));
        if remaining.0 == 0 {
            return;
        }
        let budget = Msat(ps.rec.max_fee.0.saturating_sub(fees_in_flight));
        let inv = ps.invoice.as_ref();
        let mut params = self.base_params(ps, remaining);
        params.max_fee = budget;
        // The payment's part cap counts the parts in flight: never more than it at once.
        let room = params.max_parts.saturating_sub(pending.len());
        if room == 0 {
            return; // Wait for a part in flight to resolve.
        }
        params.max_parts = room;
        // Route randomisation: the weight of probability against fees varies per attempt, so
        // the cheapest route is not always the one taken; the fee budget always holds. It is
        // low on the first attempt (cheap routes first) and high once a part failed.
        let rnd = hash32(&[&self.cfg.seed, &hash.0, b"route", &attempts.to_be_bytes()]);
        let failed = mine.iter().filter(|p| p.status == PartStatus::Failed).count();
        params.prob_cost_ppm = prob_cost_ppm(failed, u16::from_be_bytes([rnd[0], rnd[1]]));
        self.add_blinded_tails(ps, &mut params, now_ms);
        let view = self.pay_view(ps, now_ms);
        params.biases = view.biases;
        let result = flow::flow(&view.graph, &view.snap, &params);
        let result = match result {
            Ok(f) if f.fee > budget => Err(FlowError::TooExpensive { fee: f.fee, max_fee: budget }),
            Ok(f)
                if f.parts
                    .iter()
                    .any(|p| p.hops.first().is_some_and(|h| h.delay > params.max_delay)) =>
            {
                Err(FlowError::InsufficientLiquidity { amount: remaining, deliverable: Msat(0) })
            }
            other => other,
        };
        match result {
            Ok(f) => {
                let blinded = ps.rec.blinded.as_ref().map(|b| b.paths.clone());
                let secret = inv.map(|i| *i.payment_secret());
                let metadata = inv.and_then(|i| i.payment_metadata()).map(<[u8]>::to_vec);
                let total = ps.rec.total_msat.unwrap_or(ps.rec.amount_msat);
                let keysend = ps.rec.keysend_preimage;
                let bolt11 = (!ps.rec.bolt11.is_empty()).then(|| ps.rec.bolt11.clone());
                let meta = (ps.rec.label.clone(), bolt11, ps.rec.description.clone());
                // Never reuse a part id of this group, whatever the record says.
                let used = mine.iter().map(|p| p.key.partid.saturating_add(1)).max().unwrap_or(1);
                let first_partid = ps.rec.next_partid.max(used);
                if first_partid.checked_add(f.parts.len() as u64).is_none() {
                    return; // Part ids exhausted (only a corrupt record gets here).
                }
                let n = f.parts.len() as u32;
                if let Some(ps) = self.pays.get_mut(pi) {
                    ps.rec.attempts += n;
                    ps.rec.next_partid = first_partid.saturating_add(u64::from(n));
                    let rec = ps.rec.clone();
                    self.actions.push(Action::Persist(Record::Pay(rec)));
                }
                for (partid, part) in (first_partid..).zip(f.parts) {
                    let route = part.hops;
                    let key = PartKey { payment_hash: hash, partid, groupid: g };
                    let path = part.blinded_tail.and_then(|i| {
                        blinded.as_ref().and_then(|b| b.get(i)).map(|path| (i, path))
                    });
                    if let Some((tail, path)) = path {
                        let started = self.start_blinded_part(
                            key,
                            route,
                            (tail, path),
                            (part.amount, total, params.final_cltv),
                            meta.clone(),
                            id,
                            now_ms,
                        );
                        if started.is_ok() {
                            if let Some(ps) = self.pays.get_mut(pi) {
                                ps.attempts.push(Attempt { key, start_ms: now_ms, end_ms: None });
                            }
                        }
                        continue;
                    }
                    if self
                        .start_part(
                            key,
                            route,
                            total,
                            secret,
                            metadata.clone(),
                            meta.clone(),
                            Some(id),
                            keysend,
                            now_ms,
                        )
                        .is_ok()
                    {
                        if let Some(ps) = self.pays.get_mut(pi) {
                            ps.attempts.push(Attempt { key, start_ms: now_ms, end_ms: None });
                        }
                    }
                }
            }
            Err(e) => {
                // The payee refused a bigger set, and this many parts cannot carry the
                // amount: try halfway back up to the refused size (a bisection).
                let cap = u32::try_from(pending.len().saturating_add(room)).unwrap_or(u32::MAX);
                if let (FlowError::InsufficientLiquidity { .. }, Some(ps)) =
                    (&e, self.pays.get_mut(pi))
                {
                    let refused = ps.rec.parts_refused;
                    if refused > cap.saturating_add(1) {
                        ps.rec.max_parts = Some(cap + (refused - cap) / 2);
                        self.actions.push(Action::Persist(Record::Pay(ps.rec.clone())));
                        return self.pay_step(id, now_ms);
                    }
                }
                if !pending.is_empty() {
                    return; // Wait for the parts in flight, then try again.
                }
                // Fees alone stopping the payment is said so, attempts made or not.
                let err = match e {
                    FlowError::TooExpensive { .. } => {
                        self.route_error(&e, &params, &view.graph, &view.snap)
                    }
                    _ if attempts > 0 => {
                        let biases = params.biases.clone();
                        self.gave_up_over(pi, now_ms, (&view.graph, &view.snap, biases))
                    }
                    _ => self.route_error(&e, &params, &view.graph, &view.snap),
                };
                self.finish_pay(pi, Err(err));
            }
        }
    }

    /// The flow's parameters for `amount` of the pay `ps`, with no fee limit and its whole
    /// part cap.
    fn base_params(&self, ps: &PayState, amount: Msat) -> FlowParams {
        let inv = ps.invoice.as_ref();
        let mpp = match &ps.rec.blinded {
            Some(b) => b.mpp,
            None => inv.is_some_and(|i| i.features().supports(types::features::Feature::BASIC_MPP)),
        };
        let mut params = FlowParams::new(self.cfg.node_id, ps.rec.destination, amount);
        params.final_cltv = ps.rec.final_cltv.saturating_add(ps.rec.shadow_cltv);
        params.max_fee = Msat::MAX;
        params.max_delay = ps.rec.max_delay;
        params.max_parts = if mpp { self.parts_cap(&ps.rec) } else { 1 };
        params.exclude_channels = ps
            .rec
            .exclude_channels
            .iter()
            .filter_map(|&(s, d)| ShortChannelIdDir::new(s, d))
            .collect();
        params.exclude_nodes = ps.rec.exclude_nodes.clone();
        params.first_hops = self.first_hops.clone();
        params.route_hints =
            inv.map(|i| i.route_hints()).unwrap_or_default().iter().map(|h| h.0.clone()).collect();
        params.riskfactor_millionths = ps.rec.riskfactor_millionths;
        params
    }

    /// Refuses a `layers` entry that names no layer (a layer removed later, while the pay
    /// runs, is skipped by `pay_step`).
    fn known_layers(&self, layers: &[String]) -> Result<(), PayError> {
        match layers.iter().find(|l| !self.layers.contains_key(*l)) {
            Some(l) => Err(PayError::UnknownLayer { layer: l.clone() }),
            None => Ok(()),
        }
    }

    /// The most parts of the pay `rec` in flight at once.
    pub(super) fn parts_cap(&self, rec: &PayRecord) -> usize {
        rec.max_parts.map_or(self.cfg.max_parts, |m| m as usize).max(1)
    }

    /// The blinded paths of a BOLT 12 pay as the flow's tails; the ones learned unusable are
    /// excluded.
    fn add_blinded_tails(&self, ps: &PayState, params: &mut FlowParams, now_ms: u64) {
        if let Some(b) = &ps.rec.blinded {
            let (tails, unusable) = self.blinded_tails(&b.paths, now_ms / 1000);
            params.blinded_tails = tails;
            params.exclude_channels.extend(unusable);
        }
    }

    /// The network as the pay `ps` routes over it: its layers (a layer removed since it
    /// started is skipped) on top of the learned one.
    fn pay_view(&self, ps: &PayState, now_ms: u64) -> View {
        let names: Vec<String> =
            ps.rec.layers.iter().filter(|n| self.layers.contains_key(*n)).cloned().collect();
        self.view(&names, true, now_ms / 1000).unwrap_or_else(|_| View {
            graph: self.graph.clone(),
            snap: self.knowledge.snapshot(&self.graph, now_ms / 1000),
            biases: Vec::new(),
            localchans: false,
        })
    }

    /// A routing failure as the pay's error; for fees, with what the cheapest flow over the
    /// same view would cost.
    fn route_error(
        &self,
        e: &FlowError,
        params: &FlowParams,
        graph: &Graph,
        snap: &KnowledgeSnapshot,
    ) -> PayError {
        match e {
            FlowError::TooExpensive { .. } => {
                let mut p = params.clone();
                p.max_fee = Msat::MAX;
                let (fee, delay) = match flow::flow(graph, snap, &p) {
                    Ok(f) => (
                        f.fee,
                        f.parts
                            .iter()
                            .filter_map(|p| p.hops.first().map(|h| h.delay))
                            .max()
                            .unwrap_or(0),
                    ),
                    Err(_) => (Msat(0), 0),
                };
                PayError::TooExpensive {
                    fee,
                    max_fee: params.max_fee,
                    amount: params.amount,
                    delay,
                }
            }
            _ => PayError::NoRoute,
        }
    }

    /// Why a pay with attempts made and nothing in flight stops: fees, if what is known of
    /// the network still carries the amount but only above the budget; otherwise the parts'
    /// failures.
    fn gave_up(&self, pi: usize, now_ms: u64) -> PayError {
        let Some(ps) = self.pays.get(pi) else {
            return PayError::OutOfRoutes;
        };
        let view = self.pay_view(ps, now_ms);
        self.gave_up_over(pi, now_ms, (&view.graph, &view.snap, view.biases))
    }

    /// [`Machine::gave_up`] over the view [`Machine::pay_view`] gives at `now_ms` (its graph,
    /// snapshot and biases), which `pay_step` has just built: not built twice.
    fn gave_up_over(
        &self,
        pi: usize,
        now_ms: u64,
        (graph, snap, biases): (&Graph, &KnowledgeSnapshot, Vec<(ShortChannelIdDir, i64)>),
    ) -> PayError {
        let Some(ps) = self.pays.get(pi) else {
            return PayError::OutOfRoutes;
        };
        let mut params = self.base_params(ps, ps.rec.amount_msat);
        self.add_blinded_tails(ps, &mut params, now_ms);
        params.biases = biases;
        if let Ok(f) = flow::flow(graph, snap, &params) {
            if f.fee > ps.rec.max_fee {
                let delay = f.parts.iter().filter_map(|p| p.hops.first().map(|h| h.delay)).max();
                return PayError::TooExpensive {
                    fee: f.fee,
                    max_fee: ps.rec.max_fee,
                    amount: ps.rec.amount_msat,
                    delay: delay.unwrap_or(0),
                };
            }
        }
        let parts = self
            .parts
            .iter()
            .filter(|p| {
                p.key.payment_hash == ps.rec.payment_hash && p.key.groupid == ps.rec.groupid
            })
            .map(|p| AttemptSummary {
                partid: p.key.partid,
                status: p.status,
                amount_msat: p.amount_msat,
                failreason: p.failure.as_ref().map(|f| f.message.clone()),
            })
            .collect();
        PayError::GaveUp { attempts: ps.rec.attempts, parts }
    }

    fn finish_pay(&mut self, pi: usize, res: Result<PayResult, PayError>) {
        let Some(ps) = self.pays.get_mut(pi) else { return };
        ps.rec.done = true;
        let rec = ps.rec.clone();
        let waiters = std::mem::take(&mut ps.waiters);
        self.actions.push(Action::Persist(Record::Pay(rec.clone())));
        let ev = match &res {
            Ok(v) => {
                let pre = self.parts.iter().find_map(|p| {
                    (p.key.payment_hash == rec.payment_hash).then_some(p.payment_preimage).flatten()
                });
                pre.map(|payment_preimage| PaymentEvent::PaymentSent {
                    payment_id: rec.id,
                    payment_hash: rec.payment_hash,
                    payment_preimage,
                    fee_paid_msat: v.fee(),
                })
            }
            Err(e) => Some(PaymentEvent::PaymentFailed {
                payment_id: rec.id,
                payment_hash: rec.payment_hash,
                reason: e.clone(),
            }),
        };
        if let Some(ev) = ev {
            self.actions.push(Action::Event(ev));
        }
        for w in waiters {
            self.reply(w, Reply::Pay(res.clone()));
        }
    }
}
