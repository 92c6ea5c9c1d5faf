//! Faults: offline, silent and misbehaving nodes, actual policies that differ from the
//! announced ones (stale gossip), corrupted failures.

use super::*;

impl Simulator {
    /// Sets a node's faults.
    pub fn set_fault(&mut self, node: u32, fault: NodeFault) {
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.fault = fault;
        }
    }

    /// A node's faults.
    pub fn fault(&self, node: u32) -> Option<NodeFault> {
        self.nodes.get(node as usize).map(|n| n.fault)
    }

    /// Makes the policy `from` applies on `scid` differ from what it announced (stale gossip):
    /// `f` gets the announced policy and returns the actual one.
    pub fn set_actual_policy(
        &mut self,
        scid: ShortChannelId,
        from: u32,
        f: impl FnOnce(EdgePolicy) -> EdgePolicy,
    ) -> bool {
        let Some(&ci) = self.scid_index.get(&scid) else { return false };
        let Some(c) = self.channels.get_mut(ci as usize) else { return false };
        let Some(side) = c.nodes.iter().position(|&n| n == from) else { return false };
        match c.actual[side] {
            Some(p) => {
                c.actual[side] = Some(f(p));
                true
            }
            None => false,
        }
    }

    /// The policy `from` announced for its direction of `scid` (what the published graph
    /// says, not necessarily what it applies).
    pub fn announced_policy(&self, scid: ShortChannelId, from: u32) -> Option<EdgePolicy> {
        let c = self.channels.get(*self.scid_index.get(&scid)? as usize)?;
        let side = c.nodes.iter().position(|&n| n == from)?;
        c.announced[side]
    }
}

pub(super) fn raise(p: EdgePolicy) -> EdgePolicy {
    EdgePolicy {
        timestamp: p.timestamp.saturating_add(3600),
        base_fee_msat: p.base_fee_msat.saturating_mul(2).saturating_add(1000),
        fee_ppm: p.fee_ppm.saturating_mul(2).saturating_add(100),
        cltv_delta: p.cltv_delta.saturating_add(20),
        ..p
    }
}

/// Flips bits of a failure so no HMAC matches anymore.
pub(super) fn corrupt(reason: &mut [u8]) {
    for b in reason.iter_mut().take(32) {
        *b ^= 0x5a;
    }
}
