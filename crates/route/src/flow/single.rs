//! The single path ([`route`](super::route)): a label-setting search minimising
//! `fee + λ·(−ln P)` plus the CLTV risk.

use super::*;

// ---------------------------------------------------------------------------------------------
// Single path.

/// The best single path for `p.amount` by `μ·fee + λ·(−ln P)`, searched backwards from the
/// payee with exact amounts (fees accumulate towards the payer as BOLT 7 has them).
pub fn route(graph: &Graph, snap: &KnowledgeSnapshot, p: &FlowParams) -> Result<Part, RouteError> {
    let net = Net::new(graph, snap, p)?;
    let part =
        single_path(&net, p, p.amount.0, 1.0)?.ok_or(RouteError::NoRoute { amount: p.amount })?;
    let part = blinded::strip_tails(&net, vec![part])
        .pop()
        .ok_or(RouteError::NoRoute { amount: p.amount })?;
    if part.fee > p.max_fee {
        return Err(RouteError::TooExpensive { fee: part.fee, max_fee: p.max_fee });
    }
    Ok(part)
}

#[derive(Clone, Copy)]
pub(super) struct Label {
    cost: f64,
    amount: u64,
    delay: u32,
    hops: u32,
    pred: u32,
}

pub(super) fn single_path(
    net: &Net<'_>,
    p: &FlowParams,
    amount: u64,
    mu: f64,
) -> Result<Option<Part>, RouteError> {
    if amount == 0 {
        return Ok(None);
    }
    let lambda = lambda_msat(p);
    let risk = risk_per_msat_block(p);
    let n = net.node_count();
    let mut label: Vec<Label> =
        vec![Label { cost: f64::INFINITY, amount: 0, delay: 0, hops: 0, pred: u32::MAX }; n];
    let mut done = vec![false; n];
    let mut heap = BinaryHeap::new();
    label[net.dest as usize] =
        Label { cost: 0.0, amount, delay: p.final_cltv, hops: 0, pred: u32::MAX };
    heap.push(Reverse((0u64, net.dest)));
    while let Some(Reverse((_, v))) = heap.pop() {
        if std::mem::replace(&mut done[v as usize], true) {
            continue;
        }
        if v == net.source {
            break;
        }
        let lv = label[v as usize];
        if lv.hops as usize >= p.max_hops {
            continue;
        }
        net.for_in(v, |id| {
            let Some(e) = net.edge(id) else { return };
            let u = e.src as usize;
            if done[u] || lv.amount < e.htlc_min || lv.amount > e.htlc_max {
                return;
            }
            let prob = e.liq.probability(lv.amount, net.prior);
            if prob <= 0.0 {
                return;
            }
            let (fee, delay) = if e.src == net.source {
                (0, lv.delay)
            } else {
                (e.fee(lv.amount), lv.delay.saturating_add(e.cltv as u32))
            };
            if delay > p.max_delay {
                return;
            }
            let cltv = if e.src == net.source { 0.0 } else { e.cltv as f64 };
            let edge_cost =
                mu * fee as f64 + risk * lv.amount as f64 * cltv + lambda * -prob.ln() + 1e-9;
            let cost = lv.cost + edge_cost * net.cost_factor(id);
            if cost < label[u].cost {
                label[u] = Label {
                    cost,
                    amount: lv.amount.saturating_add(fee),
                    delay,
                    hops: lv.hops + 1,
                    pred: id,
                };
                heap.push(Reverse((cost.to_bits(), e.src)));
            }
        });
    }
    let src = label[net.source as usize];
    if src.pred == u32::MAX {
        return Ok(None);
    }
    let mut edges = Vec::with_capacity(src.hops as usize);
    let mut at = net.source;
    while at != net.dest {
        let id = label[at as usize].pred;
        let Some(e) = net.edge(id) else { return Ok(None) };
        edges.push(id);
        at = e.dst;
        if edges.len() > n {
            return Ok(None);
        }
    }
    Ok(Some(make_part(net, &edges, amount, p.final_cltv)))
}

/// The risk denominator: `BLOCKS_PER_YEAR * 100` (riskfactor is a yearly percentage).
pub(super) const RISK_DIVISOR: f64 = 5_259_600.0;

/// Msat of risk per msat carried per block of CLTV delta.
pub(super) fn risk_per_msat_block(p: &FlowParams) -> f64 {
    p.riskfactor_millionths as f64 / 1e6 / RISK_DIVISOR
}

/// λ in msat per nat of `−ln P`.
pub(super) fn lambda_msat(p: &FlowParams) -> f64 {
    p.amount.0 as f64 * p.prob_cost_ppm as f64 / 1e6
}

/// Builds a part over `edges` delivering `amount`: per-hop amounts and delays backwards.
pub(super) fn make_part(net: &Net<'_>, edges: &[u32], amount: u64, final_cltv: u32) -> Part {
    let mut hops = Vec::with_capacity(edges.len());
    let mut amt = amount;
    let mut delay = final_cltv;
    let mut prob = 1.0;
    for (i, &id) in edges.iter().enumerate().rev() {
        let Some(e) = net.edge(id) else { continue };
        hops.push(Hop {
            id: net.node_id(e.dst),
            channel: e.channel.scid,
            direction: e.channel.direction,
            amount: Msat(amt),
            delay,
        });
        prob *= e.liq.probability(amt, net.prior);
        if i > 0 {
            amt = amt.saturating_add(e.fee(amt));
            delay = delay.saturating_add(e.cltv as u32);
        }
    }
    hops.reverse();
    let first = hops.first().map_or(amount, |h| h.amount.0);
    Part {
        hops,
        amount: Msat(amount),
        fee: Msat(first.saturating_sub(amount)),
        probability: prob,
        blinded_tail: None,
    }
}
