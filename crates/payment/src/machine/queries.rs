//! The read-only listings (`listsendpays`, `listpays`, `paystatus`) and `delpay`.

use super::{Action, Machine};
use crate::error::{DelpayError, ListError};
use crate::record::{PartKey, PartRecord, PartStatus};
use crate::replies::{PayAttempt, PayListing, PayStatus};
use crate::requests::{DelpayRequest, ListIndex, ListRequest};
use types::{Msat, PaymentHash};

impl Machine {
    /// The parts a list command covers, in the order it lists them.
    fn listed(&self, r: &ListRequest) -> Result<Vec<&PartRecord>, ListError> {
        if r.index.is_none() && (r.start.is_some() || r.limit.is_some()) {
            return Err(ListError::StartOrLimitWithoutIndex);
        }
        let hash = r.payment_hash;
        let mut parts: Vec<&PartRecord> = self
            .parts
            .iter()
            .filter(|p| hash.map_or(true, |h| p.key.payment_hash == h))
            .filter(|p| r.status.map_or(true, |s| p.status == s))
            .collect();
        if let Some(index) = r.index {
            let at = |p: &PartRecord| match index {
                ListIndex::Created => p.created_index,
                ListIndex::Updated => p.updated_index,
            };
            parts.retain(|p| at(p) >= r.start.unwrap_or(0));
            parts.sort_by_key(|p| at(p));
            if let Some(l) = r.limit {
                parts.truncate(l as usize);
            }
        }
        Ok(parts)
    }

    pub(super) fn listsendpays(&self, r: &ListRequest) -> Result<Vec<PartRecord>, ListError> {
        Ok(self.listed(r)?.into_iter().cloned().collect())
    }

    pub(super) fn listpays(&self, r: &ListRequest) -> Result<Vec<PayListing>, ListError> {
        // Groups of the parts listsendpays would list (without its status filter: a group's
        // status is its parts' together).
        let listed = self.listed(&ListRequest { status: None, ..r.clone() })?;
        let mut order: Vec<(PaymentHash, u64)> = Vec::new();
        for p in listed {
            let g = (p.key.payment_hash, p.key.groupid);
            if !order.contains(&g) {
                order.push(g);
            }
        }
        let mut pays = Vec::new();
        for (h, g) in order {
            let parts: Vec<&PartRecord> = self
                .parts
                .iter()
                .filter(|p| p.key.payment_hash == h && p.key.groupid == g)
                .collect();
            let pay_ongoing = self
                .pays
                .iter()
                .any(|ps| ps.rec.payment_hash == h && ps.rec.groupid == g && !ps.rec.done);
            // Complete once a part is fulfilled and none is in flight: a group with parts
            // pending is pending, whatever it has received so far.
            let any_pending = parts.iter().any(|p| p.status == PartStatus::Pending);
            let status = if any_pending
                || (pay_ongoing && !parts.iter().any(|p| p.status == PartStatus::Complete))
            {
                PartStatus::Pending
            } else if parts.iter().any(|p| p.status == PartStatus::Complete) {
                PartStatus::Complete
            } else {
                PartStatus::Failed
            };
            if r.status.is_some_and(|s| s != status) {
                continue;
            }
            let Some(first) = parts.first() else { continue };
            let live: Vec<&&PartRecord> =
                parts.iter().filter(|p| p.status != PartStatus::Failed).collect();
            let amount: u64 = live.iter().map(|p| p.amount_msat.0).fold(0u64, u64::saturating_add);
            let sent: u64 =
                live.iter().map(|p| p.amount_sent_msat.0).fold(0u64, u64::saturating_add);
            pays.push(PayListing {
                payment_hash: h,
                status,
                destination: first.destination,
                created_at: first.created_at,
                completed_at: parts
                    .iter()
                    .filter(|p| p.status == PartStatus::Complete)
                    .filter_map(|p| p.completed_at)
                    .min(),
                label: first.label.clone(),
                bolt11: first.bolt11.clone(),
                description: first.description.clone(),
                preimage: parts.iter().find_map(|p| p.payment_preimage),
                live_parts: live.len(),
                amount_msat: Msat(amount),
                amount_sent_msat: Msat(sent),
                created_index: parts.iter().map(|p| p.created_index).min().unwrap_or(0),
                updated_index: parts.iter().map(|p| p.updated_index).max().unwrap_or(0),
            });
        }
        Ok(pays)
    }

    pub(super) fn delpay(&mut self, r: &DelpayRequest) -> Result<Vec<PartRecord>, DelpayError> {
        if r.status == PartStatus::Pending {
            return Err(DelpayError::PendingStatus);
        }
        let matching: Vec<PartRecord> = self
            .parts
            .iter()
            .filter(|p| p.key.payment_hash == r.payment_hash)
            .filter(|p| r.partid.map_or(true, |x| p.key.partid == x))
            .filter(|p| r.groupid.map_or(true, |x| p.key.groupid == x))
            .cloned()
            .collect();
        if matching.is_empty() {
            return Err(DelpayError::UnknownPayment { payment_hash: r.payment_hash });
        }
        if let Some(p) = matching.iter().find(|p| p.status != r.status) {
            return Err(DelpayError::StatusMismatch {
                payment_hash: r.payment_hash,
                status: p.status,
                expected: r.status,
            });
        }
        let keys: Vec<PartKey> = matching.iter().map(|p| p.key).collect();
        self.parts.retain(|p| !keys.contains(&p.key));
        for k in keys {
            self.actions.push(Action::Delete(k));
        }
        Ok(matching)
    }

    pub(super) fn paystatus(&self, bolt11: Option<&str>, now_ms: u64) -> Vec<PayStatus> {
        self.pays
            .iter()
            .filter(|ps| bolt11.map_or(true, |b| b == ps.rec.bolt11))
            .map(|ps| PayStatus {
                bolt11: ps.rec.bolt11.clone(),
                amount_msat: ps.rec.amount_msat,
                destination: ps.rec.destination,
                label: ps.rec.label.clone(),
                attempts: ps
                    .attempts
                    .iter()
                    .enumerate()
                    .filter_map(|(index, a)| {
                        Some(PayAttempt {
                            index,
                            start_ms: a.start_ms,
                            end_ms: a.end_ms,
                            age_seconds: now_ms.saturating_sub(a.start_ms) / 1000,
                            part: self.part(&a.key)?.clone(),
                        })
                    })
                    .collect(),
            })
            .collect()
    }
}
