//! A part's outcome: the failure decoded and attributed (Core Lightning's routing failure),
//! what it teaches, the waiters it wakes and the pay it moves on.

use super::{Action, Machine, PaymentEvent, WaitFor, Waiter};
use crate::error::PayError;
use crate::record::{FailureRecord, PartKey, PartRecord, PartStatus, Record};
use crate::replies::Reply;
use onion::failure::{self, code as fc, DecodedFailure};
use route::gossip::{ChainHash, ChannelUpdate};
use route::graph::GraphBuilder;
use std::sync::Arc;
use types::{PaymentPreimage, ShortChannelIdDir};

impl Machine {
    pub(super) fn decode_failure(&self, key: PartKey, reason: &[u8]) -> FailureRecord {
        // A reply no hop's secret opens (or of a part we do not know): Core Lightning's 202.
        let malformed = || FailureRecord {
            code: 202,
            message: "Malformed error reply".into(),
            erring_index: None,
            erring_node: None,
            erring_channel: None,
            erring_direction: None,
            failcode: None,
            raw_message: None,
            onionreply: Some(reason.to_vec()),
        };
        let Some(p) = self.part(&key) else { return malformed() };
        let secrets: Vec<onion::crypto::SharedSecret> =
            p.shared_secrets.iter().map(|s| onion::crypto::SharedSecret(*s)).collect();
        match failure::decode_return_packet(&secrets, reason) {
            Ok(d) => self.routefail(p, &d),
            Err(_) => malformed(),
        }
    }

    fn routefail(&self, p: &PartRecord, d: &DecodedFailure) -> FailureRecord {
        let k = d.erring_index;
        let n = p.route.len();
        let code = d.failure.code();
        let is_final = k + 1 >= n;
        let mut erring_node = p.route.get(k).map(|h| h.id);
        if d.failure.is_badonion() && !is_final {
            erring_node = p.route.get(k + 1).map(|h| h.id);
        }
        let ch = if is_final { p.route.last() } else { p.route.get(k + 1) };
        let rpc = if d.failure.is_badonion() {
            202
        } else if is_final && d.failure.is_perm() {
            203
        } else {
            204
        };
        let name = failure::code_name(code).map_or_else(|| format!("{code}"), str::to_string);
        FailureRecord {
            code: rpc,
            message: format!("failed: {name} (reply from remote)"),
            erring_index: Some((k + 1) as u32),
            erring_node,
            erring_channel: ch.map(|h| h.channel),
            erring_direction: ch.map(|h| h.direction),
            failcode: Some(code),
            raw_message: Some(d.raw.clone()),
            onionreply: None,
        }
    }

    pub(super) fn malformed_failure(&self, key: PartKey, code: u16) -> FailureRecord {
        let first = self.part(&key).and_then(|p| p.route.first().copied());
        let name = failure::code_name(code).map_or_else(|| format!("{code}"), str::to_string);
        FailureRecord {
            code: 204,
            message: format!("failed: {name} (First peer could not parse the onion)"),
            erring_index: Some(1),
            erring_node: first.map(|h| h.id),
            erring_channel: first.map(|h| h.channel),
            erring_direction: first.map(|h| h.direction),
            failcode: Some(code),
            raw_message: None,
            onionreply: None,
        }
    }

    pub(super) fn local_failure(&self, key: PartKey) -> FailureRecord {
        let first = self.part(&key).and_then(|p| p.route.first().copied());
        FailureRecord {
            code: 204,
            message: "failed: WIRE_TEMPORARY_CHANNEL_FAILURE (First peer not ready)".into(),
            erring_index: Some(0),
            erring_node: Some(self.cfg.node_id),
            erring_channel: first.map(|h| h.channel),
            erring_direction: first.map(|h| h.direction),
            failcode: Some(fc::TEMPORARY_CHANNEL_FAILURE),
            raw_message: None,
            onionreply: None,
        }
    }

    /// Resolves a part: updates and persists its record, learns, wakes waiters, moves its pay.
    pub(super) fn finish_part(
        &mut self,
        key: PartKey,
        outcome: Result<PaymentPreimage, FailureRecord>,
        now_ms: u64,
        learn: bool,
    ) {
        let idx = self.bump();
        let Some(pos) = self.parts.iter().position(|p| p.key == key) else { return };
        let Some(p) = self.parts.get_mut(pos) else { return };
        if p.status != PartStatus::Pending {
            return; // A duplicate resolution.
        }
        if let Ok(pre) = &outcome {
            if pre.hash() != key.payment_hash {
                return; // Not the preimage of this payment: ignore.
            }
        }
        p.updated_index = idx;
        p.completed_at = Some(now_ms / 1000);
        let hops = p.route.clone();
        let pay_id = p.pay_id;
        let now_s = now_ms / 1000;
        match outcome {
            Ok(pre) => {
                p.status = PartStatus::Complete;
                p.payment_preimage = Some(pre);
                self.knowledge.part_succeeded(&self.graph, &hops, now_s);
                self.actions.push(Action::Event(PaymentEvent::PaymentPathSuccessful {
                    payment_id: pay_id,
                    part: key,
                }));
            }
            Err(f) => {
                p.status = PartStatus::Failed;
                let update = f
                    .raw_message
                    .as_deref()
                    .and_then(|r| failure::FailureMessage::decode(r).ok())
                    .and_then(|m| m.channel_update().map(<[u8]>::to_vec));
                let perm = f.code == 203;
                let ev = PaymentEvent::PaymentPathFailed {
                    payment_id: pay_id,
                    part: key,
                    failure: f.failcode,
                    short_channel_id: f.erring_channel,
                    payment_failed_permanently: perm,
                };
                let (ei, code) = (f.erring_index, f.failcode);
                p.failure = Some(f);
                if learn {
                    if let Some(u) = update {
                        self.apply_update(&u);
                    }
                    match (ei, code) {
                        (Some(ei), Some(code)) if code & failure::BADONION == 0 => {
                            self.knowledge.part_failed(
                                &self.graph,
                                &hops,
                                ei as usize,
                                code,
                                now_s,
                            );
                        }
                        _ => self.knowledge.part_failed(&self.graph, &hops, 0, 0, now_s),
                    }
                } else {
                    self.knowledge.part_failed(&self.graph, &hops, 0, 0, now_s);
                }
                self.actions.push(Action::Event(ev));
            }
        }
        self.persist_learned(&hops);
        let tail_failed = self.blinded_outcome(key, now_s);
        let Some(rec) = self.parts.get(pos).cloned() else { return };
        self.actions.push(Action::Persist(Record::Part(rec.clone())));
        // Wake the waiters of this part, and those of its group once none of it is pending.
        let (hash, g) = (key.payment_hash, key.groupid);
        let group_settled = !self.group_pending(hash, g);
        let (wake, keep): (Vec<Waiter>, Vec<Waiter>) =
            std::mem::take(&mut self.waiters).into_iter().partition(|w| match w.on {
                WaitFor::Part(k) => k == key,
                WaitFor::Group(h, wg) | WaitFor::PayResult(h, wg) => {
                    group_settled && h == hash && wg == g
                }
            });
        self.waiters = keep;
        for w in wake {
            if let Some(t) = w.timer {
                self.timers.remove(&t);
            }
            let res = match w.on {
                WaitFor::Part(_) => Reply::Waitsendpay(Self::outcome_reply(&rec)),
                WaitFor::Group(h, wg) => Reply::Waitsendpay(self.group_reply(h, wg)),
                WaitFor::PayResult(h, wg) => Reply::Pay(self.pay_result(h, wg, 1, None)),
            };
            self.reply(w.command, res);
        }
        if let Some(id) = pay_id {
            // The parts of the group still in flight, besides this one.
            let in_flight = self
                .parts
                .iter()
                .filter(|p| {
                    p.key.payment_hash == hash
                        && p.key.groupid == g
                        && p.status == PartStatus::Pending
                })
                .count();
            let default_cap = self.cfg.max_parts;
            if let Some(ps) = self.pays.iter_mut().find(|ps| ps.rec.id == id) {
                if let Some(a) = ps.attempts.iter_mut().find(|a| a.key == key) {
                    a.end_ms = Some(now_ms);
                }
                if rec.status == PartStatus::Failed && ps.final_error.is_none() {
                    if let Some(f) = &rec.failure {
                        let from_payee =
                            f.erring_index.map(|i| i as usize) == Some(rec.route.len());
                        // A failure from inside a blinded path is its tail's, not the payee's.
                        let from_payee = from_payee && !tail_failed;
                        let mpp_timeout = f.failcode == Some(fc::MPP_TIMEOUT);
                        if from_payee && !mpp_timeout {
                            ps.final_error = Some(PayError::Failed {
                                part: Box::new(rec.clone()),
                                failure: Box::new(f.clone()),
                            });
                        }
                        // The payee gave up on a set of several parts: it may take no more
                        // than some number of them. Half as many at once from now on, learnt
                        // once per set (parts sent before the last lowering teach nothing).
                        let set = in_flight.saturating_add(1);
                        if from_payee
                            && mpp_timeout
                            && set > 1
                            && key.partid >= ps.rec.max_parts_from_partid
                        {
                            let cap = ps.rec.max_parts.map_or(default_cap, |m| m as usize);
                            let lower = (set / 2).max(1).min(cap);
                            ps.rec.max_parts = Some(u32::try_from(lower).unwrap_or(u32::MAX));
                            ps.rec.max_parts_from_partid = ps.rec.next_partid;
                            let set = u32::try_from(set).unwrap_or(u32::MAX);
                            if ps.rec.parts_refused == 0 || set < ps.rec.parts_refused {
                                ps.rec.parts_refused = set;
                            }
                            self.actions.push(Action::Persist(Record::Pay(ps.rec.clone())));
                        }
                    }
                }
            }
            self.pay_step(id, now_ms);
        }
    }

    /// Applies a `channel_update` from a failure through route's verified gossip path.
    fn apply_update(&mut self, bytes: &[u8]) {
        let Ok(msg) = ChannelUpdate::parse_from_failure(bytes) else { return };
        let builder = self.builder.get_or_insert_with(|| GraphBuilder::from_graph(&self.graph));
        if route::gossip::apply_channel_update(builder, &msg, ChainHash::BITCOIN).is_ok() {
            let c = &msg.contents;
            // A policy change is patched into the snapshot in place; only a new direction
            // needs the snapshot built again.
            let (scid, dir) = (c.short_channel_id, c.direction());
            let patched = builder
                .direction_policy(scid, dir)
                .copied()
                .is_some_and(|p| Arc::make_mut(&mut self.graph).set_policy(scid, dir, p));
            if !patched {
                self.graph = builder.build();
            }
            if let Some(dir) = ShortChannelIdDir::new(c.short_channel_id, c.direction()) {
                self.knowledge.channel_update(dir, c.timestamp);
            }
        }
    }
}
