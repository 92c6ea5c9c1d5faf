//! `xpay` and `xkeysend`: the pay engine of [`super::pay`] with Core Lightning's `xpay`
//! defaults (an absolute fee budget, by default 1 % or 5,000 msat, whichever is greater; no
//! description check) and its reply: the parts that succeeded and failed.

use super::{Machine, WaitFor, Waiter};
use crate::error::{PayError, XpayError};
use crate::record::PartStatus;
use crate::replies::{PayResult, Reply, XpayResult};
use crate::requests::{PayOptions, PayRequest, XkeysendRequest, XpayRequest};
use types::{Msat, PaymentHash};

/// `xpay`'s default fee budget: this share of the amount, in percent ...
const XPAY_FEE_PERCENT: f64 = 1.0;
/// ... or this much, whichever is greater.
const XPAY_FEE_FLOOR: Msat = Msat(5_000);

impl Machine {
    pub(super) fn xpay(&mut self, id: u64, r: XpayRequest, now_ms: u64) {
        if let Some(note) = r.payer_note {
            let e = XpayError::PayerNoteWithoutOffer { note };
            return self
                .actions
                .push(super::Action::Reply { command: id, result: Reply::Xpay(Err(e)) });
        }
        let hash = *r.invoice.payment_hash();
        self.xpay_cmds.insert(id, self.already_paid(hash));
        // Parts sent by `sendpay` in flight, no pay running: answer once they are settled
        // (paid, or failed with their group), never while one is out.
        let running = self.pays.iter().any(|ps| ps.rec.payment_hash == hash && !ps.rec.done);
        let pending = self
            .parts
            .iter()
            .find(|p| p.key.payment_hash == hash && p.status == PartStatus::Pending)
            .map(|p| p.key.groupid);
        if let (false, Some(g)) = (running, pending) {
            let on = WaitFor::PayResult(hash, g);
            return self.waiters.push(Waiter { command: id, on, timer: None });
        }
        let options = PayOptions {
            amount_msat: r.amount_msat,
            label: r.label,
            retry_for: r.retry_for,
            maxdelay: r.maxdelay,
            partial_msat: r.partial_msat,
            layers: r.layers,
            max_parts: r.max_parts,
            ..xpay_fee_budget(r.maxfee)
        };
        let req = PayRequest { invoice: r.invoice, bolt11: r.invstring, options };
        self.pay_checked(id, req, now_ms, false);
    }

    pub(super) fn xkeysend(&mut self, id: u64, r: XkeysendRequest, now_ms: u64) {
        self.xpay_cmds.insert(id, false);
        let options = PayOptions {
            amount_msat: Some(r.amount_msat),
            label: r.label,
            retry_for: r.retry_for,
            maxdelay: r.maxdelay,
            layers: r.layers,
            max_parts: r.max_parts,
            ..xpay_fee_budget(r.maxfee)
        };
        match self.keysend_begin(id, r.destination, r.amount_msat, options, now_ms) {
            Ok(pay_id) => self.pay_step(pay_id, now_ms),
            Err(e) => self.reply(id, Reply::Pay(Err(e))),
        }
    }

    /// A part of `hash` is fulfilled and no pay of it is running.
    pub(super) fn already_paid(&self, hash: PaymentHash) -> bool {
        self.parts.iter().any(|p| p.key.payment_hash == hash && p.status == PartStatus::Complete)
            && !self.pays.iter().any(|ps| ps.rec.payment_hash == hash && !ps.rec.done)
    }

    /// A pay's outcome as `xpay` answers it.
    pub(super) fn xpay_reply(
        &self,
        res: Result<PayResult, PayError>,
        already_paid: bool,
    ) -> Result<XpayResult, XpayError> {
        let p = match res {
            Ok(p) if already_paid => {
                return Err(XpayError::AlreadyPaid { payment_hash: p.payment_hash })
            }
            Ok(p) => p,
            Err(e) => return Err(xpay_error(e)),
        };
        let hash = p.payment_hash;
        let group = self
            .parts
            .iter()
            .find(|q| q.key.payment_hash == hash && q.status == PartStatus::Complete)
            .map(|q| q.key.groupid);
        let count = |st: PartStatus| {
            self.parts
                .iter()
                .filter(|q| {
                    q.key.payment_hash == hash && Some(q.key.groupid) == group && q.status == st
                })
                .count() as u64
        };
        let Some(payment_preimage) = p.payment_preimage else {
            return Err(XpayError::Unknown);
        };
        Ok(XpayResult {
            payment_hash: hash,
            payment_preimage,
            successful_parts: count(PartStatus::Complete).max(1),
            failed_parts: count(PartStatus::Failed),
            amount_msat: p.amount_msat,
            amount_sent_msat: p.amount_sent_msat,
        })
    }
}

/// Options holding `xpay`'s fee budget: `maxfee` when given, else its default share of the
/// amount with its floor.
pub(super) fn xpay_fee_budget(maxfee: Option<Msat>) -> PayOptions {
    PayOptions {
        maxfeepercent: maxfee.is_none().then_some(XPAY_FEE_PERCENT),
        exemptfee: maxfee.is_none().then_some(XPAY_FEE_FLOOR),
        maxfee,
        ..PayOptions::default()
    }
}

/// A pay's error as `xpay`'s. The pay engine's refusals of options `xpay` does not have
/// (`maxfeepercent`, `exclude`, `description`) cannot arise from it and are `Unknown`.
fn xpay_error(e: PayError) -> XpayError {
    use PayError as P;
    use XpayError as X;
    match e {
        P::AmountUnnecessary { amount } => X::AmountUnnecessary { amount },
        P::AmountRequired => X::AmountRequired,
        P::UnknownLayer { layer } => X::UnknownLayer { layer },
        P::PartialAboveAmount { partial, amount } => X::PartialAboveAmount { partial, amount },
        P::PartialZero => X::PartialZero,
        P::PartialSelfPay => X::PartialSelfPay,
        P::Expired { now, expiry } => X::Expired { now, expiry },
        P::UnknownInvoice => X::UnknownInvoice,
        P::KeysendToSelf => X::KeysendToSelf,
        P::InProgress { groupid } => X::InProgress { groupid },
        P::TooExpensive { fee, max_fee, amount, .. } => X::TooExpensive { fee, max_fee, amount },
        P::NoRoute => X::NoRoute,
        P::GaveUp { attempts, parts } => X::Failed { attempts, parts },
        P::OutOfRoutes => X::Failed { attempts: 0, parts: Vec::new() },
        P::Fetch(e) => X::Fetch(e),
        P::Invoice(e) => X::Invoice(e),
        P::OwnPathsOnly => X::OwnPathsOnly,
        P::Failed { part, failure } => X::DestinationFailed { part, failure },
        P::MaxfeeConflict
        | P::DescriptionRequired
        | P::DescriptionMismatch { .. }
        | P::PayeeExcluded(_)
        | P::PayerExcluded(_)
        | P::Unknown => X::Unknown,
    }
}
