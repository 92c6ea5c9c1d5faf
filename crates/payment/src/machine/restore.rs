//! Rebuilding a machine from its persisted records after a restart.

use super::{Action, Config, Machine, PayState, Timer};
use crate::record::{FailureRecord, PartKey, PartRecord, PartStatus, PayRecord, Record};
use bolt11::Invoice;
use onion::failure::code as fc;
use route::graph::Graph;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

impl Machine {
    /// Rebuilds a machine from its persisted records. `live` names the parts whose HTLC the
    /// channels still hold: a pending part without one never left and is failed. Unfinished
    /// pays resume (their deadline still applies). Returns the actions of the restart.
    pub fn restore(
        cfg: Config,
        graph: Arc<Graph>,
        height: u32,
        records: impl IntoIterator<Item = Record>,
        live: &HashSet<PartKey>,
        now_ms: u64,
    ) -> (Machine, Vec<Action>) {
        let mut m = Machine::new(cfg, graph, height);
        let mut pays = Vec::new();
        // The latest record of each key wins (a store keeps one per key; a log may not).
        let mut part_map: HashMap<PartKey, PartRecord> = HashMap::new();
        let mut pay_map: HashMap<u64, PayRecord> = HashMap::new();
        for r in records {
            match r {
                Record::Part(p) => {
                    if part_map.get(&p.key).map_or(true, |o| o.updated_index <= p.updated_index) {
                        part_map.insert(p.key, p);
                    }
                }
                Record::Pay(p) => {
                    if pay_map.get(&p.id).map_or(true, |o| o.attempts <= p.attempts || p.done) {
                        pay_map.insert(p.id, p);
                    }
                }
                Record::Layer(l) => m.restore_layer(l),
                Record::LayerRemoved(name) => {
                    m.layers.remove(&name);
                }
                Record::Learned { channel, learned: Some(l) } => {
                    m.knowledge.restore_learned(channel, l)
                }
                Record::Learned { channel, learned: None } => m.knowledge.forget(channel),
            }
        }
        m.parts.extend(part_map.into_values());
        pays.extend(pay_map.into_values());
        pays.sort_by_key(|p| p.id);
        m.parts.sort_by_key(|p| p.created_index);
        m.next_index = m
            .parts
            .iter()
            .map(|p| p.created_index.max(p.updated_index))
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        for p in &m.parts {
            if p.status == PartStatus::Pending && live.contains(&p.key) {
                m.knowledge.part_sent(&p.route);
            }
        }
        let orphans: Vec<PartKey> = m
            .parts
            .iter()
            .filter(|p| p.status == PartStatus::Pending && !live.contains(&p.key))
            .map(|p| p.key)
            .collect();
        for rec in pays {
            // A BOLT 12 pay's record holds its paths; `bolt11` is the invoice's text.
            let invoice = if rec.bolt11.is_empty() || rec.blinded.is_some() {
                None
            } else {
                let Ok(i) = Invoice::decode(&rec.bolt11, m.cfg.currency) else { continue };
                Some(i)
            };
            let done = rec.done;
            let id = rec.id;
            m.pays.push(PayState {
                rec,
                invoice,
                waiters: Vec::new(),
                final_error: None,
                attempts: Vec::new(),
            });
            if !done {
                let deadline = m.pays.last().map_or(0, |p| p.rec.deadline_ms);
                m.arm(Timer::PayDeadline(id), deadline);
            }
        }
        m.relearn_tails();
        for key in orphans {
            // Never left: fail it without learning anything.
            let f = FailureRecord {
                code: 204,
                message: "failed: WIRE_TEMPORARY_CHANNEL_FAILURE (never sent before restart)"
                    .into(),
                erring_index: Some(0),
                erring_node: Some(m.cfg.node_id),
                erring_channel: None,
                erring_direction: None,
                failcode: Some(fc::TEMPORARY_CHANNEL_FAILURE),
                raw_message: None,
                onionreply: None,
            };
            m.finish_part(key, Err(f), now_ms, false);
        }
        let ids: Vec<u64> = m.pays.iter().filter(|p| !p.rec.done).map(|p| p.rec.id).collect();
        for id in ids {
            m.pay_step(id, now_ms);
        }
        let actions = std::mem::take(&mut m.actions);
        (m, actions)
    }
}
