//! `waitsendpay`: a part's (or a whole group's) outcome, now or once it is settled.

use super::{Machine, Timer, WaitFor, Waiter};
use crate::error::WaitsendpayError;
use crate::record::{PartKey, PartRecord, PartStatus};
use crate::replies::{Reply, WaitsendpayReply};
use crate::requests::WaitsendpayRequest;
use types::{Msat, PaymentHash};

impl Machine {
    /// Whether any part of group `g` of `hash` is still in flight.
    pub(super) fn group_pending(&self, hash: PaymentHash, g: u64) -> bool {
        self.parts.iter().any(|p| {
            p.key.payment_hash == hash && p.key.groupid == g && p.status == PartStatus::Pending
        })
    }

    /// `waitsendpay`'s answer for a whole group once none of it is pending: the first
    /// fulfilled part's fields with the totals of every fulfilled part (no `partid`: it speaks
    /// for all of them), else the failure of the part that failed last.
    pub(super) fn group_reply(
        &self,
        hash: PaymentHash,
        g: u64,
    ) -> Result<WaitsendpayReply, WaitsendpayError> {
        let mine =
            || self.parts.iter().filter(|p| p.key.payment_hash == hash && p.key.groupid == g);
        let done: Vec<&PartRecord> = mine().filter(|p| p.status == PartStatus::Complete).collect();
        if let Some(first) = done.first() {
            let amount = done.iter().map(|p| p.amount_msat.0).fold(0u64, u64::saturating_add);
            let sent = done.iter().map(|p| p.amount_sent_msat.0).fold(0u64, u64::saturating_add);
            return Ok(WaitsendpayReply::Group {
                first: Box::new((*first).clone()),
                amount_msat: Msat(amount),
                amount_sent_msat: Msat(sent),
            });
        }
        match mine().max_by_key(|p| p.updated_index) {
            Some(p) => Self::outcome_reply(p),
            None => Err(WaitsendpayError::Unknown),
        }
    }

    pub(super) fn outcome_reply(p: &PartRecord) -> Result<WaitsendpayReply, WaitsendpayError> {
        match p.status {
            PartStatus::Complete => Ok(WaitsendpayReply::Part(Box::new(p.clone()))),
            PartStatus::Failed => match &p.failure {
                Some(f) => Err(WaitsendpayError::Failed {
                    part: Box::new(p.clone()),
                    failure: Box::new(f.clone()),
                }),
                None => Err(WaitsendpayError::Unknown),
            },
            PartStatus::Pending => Err(WaitsendpayError::TimedOut),
        }
    }

    // ---------------------------------------------------------------- waitsendpay

    pub(super) fn waitsendpay(&mut self, id: u64, r: WaitsendpayRequest, now_ms: u64) {
        let hash = r.payment_hash;
        let partid = r.partid.unwrap_or(0);
        let groupid = r.groupid.or_else(|| {
            self.parts.iter().filter(|p| p.key.payment_hash == hash).map(|p| p.key.groupid).max()
        });
        // Without a part, a group whose parts are numbered from 1 (a multi-part pay) is
        // waited for as a whole: no answer while any of it is in flight.
        if let (None, Some(g)) = (r.partid, groupid) {
            let mut mine =
                self.parts.iter().filter(|p| p.key.payment_hash == hash && p.key.groupid == g);
            if mine.clone().next().is_some() && mine.all(|p| p.key.partid != 0) {
                if !self.group_pending(hash, g) {
                    let res = self.group_reply(hash, g);
                    self.reply(id, Reply::Waitsendpay(res));
                    return;
                }
                self.park(id, WaitFor::Group(hash, g), r.timeout, now_ms);
                return;
            }
        }
        let key = groupid.map(|groupid| PartKey { payment_hash: hash, partid, groupid });
        let Some(p) = key.and_then(|k| self.part(&k)).cloned() else {
            let e = WaitsendpayError::NeverAttempted { payment_hash: hash, partid };
            self.reply(id, Reply::Waitsendpay(Err(e)));
            return;
        };
        if p.status != PartStatus::Pending {
            let res = Self::outcome_reply(&p);
            self.reply(id, Reply::Waitsendpay(res));
            return;
        }
        self.park(id, WaitFor::Part(p.key), r.timeout, now_ms);
    }

    /// Parks command `id` until `on` is settled, or answers 200 after `timeout` seconds.
    fn park(&mut self, id: u64, on: WaitFor, timeout: Option<u32>, now_ms: u64) {
        match timeout {
            Some(0) => self.reply(id, Reply::Waitsendpay(Err(WaitsendpayError::TimedOut))),
            Some(t) => {
                let timer = self.arm(Timer::Wait(id), now_ms.saturating_add(u64::from(t) * 1000));
                self.waiters.push(Waiter { command: id, on, timer: Some(timer) });
            }
            None => self.waiters.push(Waiter { command: id, on, timer: None }),
        }
    }
}
