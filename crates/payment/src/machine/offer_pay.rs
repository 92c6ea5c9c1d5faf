//! `pay` and `xpay` of BOLT 12 offers and invoices, as one command flow inside the machine:
//!
//! - an offer (`lno1…`) starts a fetch ([`super::fetch`]) under the command's id; its answer,
//!   an invoice already checked against our request, starts the blinded pay
//!   ([`super::bolt12`]) under the same id, and that pay's outcome answers the command (as
//!   `pay` or as `xpay`). A fetch that fails answers it with [`PayError::Fetch`].
//! - an invoice (`lni1…`) is paid once it shows it answers a request of ours (its payer id
//!   derives from its `invreq_metadata` and our seed) and passes
//!   [`check_invoice_terms`](crate::offers::check_invoice_terms).
//!
//! Either way a path whose introduction node is our own node is left out (the machine holds
//! no node key, so it cannot forward from itself); none left is [`PayError::OwnPathsOnly`].

use super::xpay::xpay_fee_budget;
use super::Machine;
use crate::error::PayError;
use crate::offers::{chain_of, check_invoice_terms, FetchinvoiceError, InvoiceCheckError};
use crate::replies::{FetchinvoiceReply, Reply};
use crate::requests::{BlindedPayPath, BlindedPayRequest, Bolt12PayRequest, Bolt12Target};
use crate::PayOptions;
use onion::secp256k1::{PublicKey, Secp256k1};

/// How to pay the invoice a fetch brings.
#[derive(Debug, Clone)]
pub(super) struct ThenPay {
    options: PayOptions,
}

impl Machine {
    pub(super) fn pay_bolt12(&mut self, cmd: u64, r: Bolt12PayRequest, now_ms: u64) {
        let Bolt12PayRequest { target, mut options, xpay } = r;
        if xpay {
            self.xpay_cmds.insert(cmd, false);
            if options.maxfee.is_none() {
                let budget = xpay_fee_budget(None);
                options.maxfeepercent = budget.maxfeepercent;
                options.exemptfee = budget.exemptfee;
            }
        }
        if let Some(a) = options.amount_msat {
            return self.reply(cmd, Reply::Pay(Err(PayError::AmountUnnecessary { amount: a })));
        }
        match target {
            Bolt12Target::Offer(fetch) => {
                self.then_pay.insert(cmd, ThenPay { options });
                self.fetchinvoice(cmd, fetch, now_ms);
            }
            Bolt12Target::Invoice { invoice, text } => {
                let checked = self.check_own_invoice(&invoice, now_ms);
                match checked {
                    Ok(()) => self.pay_checked_invoice(cmd, &invoice, text, options, now_ms),
                    Err(e) => self.reply(cmd, Reply::Pay(Err(PayError::Invoice(e)))),
                }
            }
        }
    }

    /// A fetch under command `cmd` ended: answered as `fetchinvoice`, or, for the fetch of an
    /// offer being paid, the invoice is paid under the same command.
    pub(super) fn fetch_done(
        &mut self,
        cmd: u64,
        res: Result<FetchinvoiceReply, FetchinvoiceError>,
        now_ms: u64,
    ) {
        let Some(then) = self.then_pay.remove(&cmd) else {
            return self.reply(cmd, Reply::Fetchinvoice(res));
        };
        let fetched = match res {
            Ok(f) => f,
            Err(e) => return self.reply(cmd, Reply::Pay(Err(PayError::Fetch(e)))),
        };
        // The fetch wrote this text from an invoice it decoded and checked.
        match fetched.invoice.parse::<bolt12::Invoice>() {
            Ok(invoice) => {
                self.pay_checked_invoice(cmd, &invoice, fetched.invoice, then.options, now_ms)
            }
            Err(e) => {
                let e = PayError::Fetch(FetchinvoiceError::BadInvoice(e));
                self.reply(cmd, Reply::Pay(Err(e)))
            }
        }
    }

    /// An invoice given as text is ours to pay when its payer id is the key our seed derives
    /// from its metadata, and it passes the checks of a fetched one.
    fn check_own_invoice(
        &self,
        invoice: &bolt12::Invoice,
        now_ms: u64,
    ) -> Result<(), InvoiceCheckError> {
        let invreq = invoice.invreq_fields();
        let ours = match (&invreq.metadata, &invreq.payer_id) {
            (Some(metadata), Some(payer_id)) => {
                let key = self.payer_key(metadata);
                PublicKey::from_secret_key(&Secp256k1::signing_only(), &key) == *payer_id
            }
            _ => false,
        };
        if !ours {
            return Err(InvoiceCheckError::NotOurRequest);
        }
        check_invoice_terms(invoice, chain_of(self.cfg.currency), now_ms / 1000)
    }

    /// Pays a checked invoice through its paths that do not start at our node.
    fn pay_checked_invoice(
        &mut self,
        cmd: u64,
        invoice: &bolt12::Invoice,
        text: String,
        options: PayOptions,
        now_ms: u64,
    ) {
        let mut req = BlindedPayRequest::from_invoice(invoice, text, options);
        match self.without_own_introductions(std::mem::take(&mut req.paths)) {
            Ok(paths) => req.paths = paths,
            Err(e) => return self.reply(cmd, Reply::Pay(Err(e))),
        }
        let hash = req.payment_hash;
        if self.xpay_cmds.contains_key(&cmd) {
            let paid = self.already_paid(hash);
            self.xpay_cmds.insert(cmd, paid);
        }
        // Already paid (and no pay of it running): the stored result, once none of the
        // group is in flight, as for a BOLT 11 invoice.
        let running = self.pays.iter().any(|ps| ps.rec.payment_hash == hash && !ps.rec.done);
        if !running && self.answer_if_paid(cmd, hash) {
            return;
        }
        self.pay_blinded(cmd, req, now_ms);
    }

    /// `paths` without those whose introduction node is our own node (or a channel nobody
    /// knows, which would be refused later anyway is kept: the pay learns it as unusable).
    pub(super) fn without_own_introductions(
        &self,
        paths: Vec<BlindedPayPath>,
    ) -> Result<Vec<BlindedPayPath>, PayError> {
        let had = paths.len();
        let kept: Vec<BlindedPayPath> = paths
            .into_iter()
            .filter(|p| {
                self.resolve_introduction(&p.path.introduction_node) != Some(self.cfg.node_id)
            })
            .collect();
        if kept.is_empty() && had > 0 {
            return Err(PayError::OwnPathsOnly);
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Command, Config, FetchinvoiceRequest, Input};
    use onion::message::path::build_message_path;
    use onion::secp256k1::SecretKey;
    use route::flow::FirstHop;
    use route::graph::GraphBuilder;
    use types::blinded::BlindedPath;
    use types::{Msat, NodeId, ShortChannelId};

    fn key(b: u8) -> SecretKey {
        SecretKey::from_slice(&[b; 32]).unwrap()
    }

    fn pk(b: u8) -> PublicKey {
        PublicKey::from_secret_key(&Secp256k1::new(), &key(b))
    }

    /// A machine for node 1 with one channel to node 2.
    fn machine() -> Machine {
        let cfg = Config {
            node_id: NodeId::from_pubkey(&pk(1)),
            seed: [3; 32],
            currency: bolt11::Currency::Bitcoin,
            max_parts: 16,
        };
        let mut m = Machine::new(cfg, GraphBuilder::new().build(), 800_000);
        m.set_first_hops(vec![FirstHop {
            scid: ShortChannelId(1 << 40),
            peer: NodeId::from_pubkey(&pk(2)),
            spendable: Msat(1_000_000_000),
        }]);
        m
    }

    /// A message path to node 9 introduced by `intro`.
    fn path_via(intro: u8) -> BlindedPath {
        build_message_path(&Secp256k1::new(), &key(20 + intro), &[pk(intro)], pk(9), 0, None)
            .unwrap()
    }

    fn pay_path(intro: u8) -> BlindedPayPath {
        BlindedPayPath {
            path: path_via(intro),
            fee_base_msat: 0,
            fee_proportional_millionths: 0,
            cltv_expiry_delta: 40,
            htlc_minimum_msat: Msat(1),
            htlc_maximum_msat: Msat(1_000_000),
        }
    }

    #[test]
    fn payment_paths_introduced_by_our_node_are_left_out() {
        let m = machine();
        let kept = m.without_own_introductions(vec![pay_path(1), pay_path(2), pay_path(1)]);
        assert_eq!(kept, Ok(vec![pay_path(2)]));
        assert_eq!(
            m.without_own_introductions(vec![pay_path(1), pay_path(1)]),
            Err(PayError::OwnPathsOnly)
        );
    }

    fn fetch(offer: bolt12::Offer) -> Command {
        Command::Fetchinvoice(FetchinvoiceRequest {
            offer: Box::new(offer),
            amount_msat: None,
            quantity: None,
            payer_note: None,
            timeout: None,
            payer_metadata: vec![7; 16],
        })
    }

    fn offer(paths: Vec<BlindedPath>) -> bolt12::Offer {
        bolt12::Offer::new(&bolt12::OfferFields {
            description: Some("tea".into()),
            amount: Some(1_000),
            paths: Some(paths),
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn a_fetch_skips_offer_paths_introduced_by_our_node() {
        let mut m = machine();
        // The first path starts at us: the request goes over the second, to our peer.
        let actions = m.handle(
            Input::Command { id: 1, command: fetch(offer(vec![path_via(1), path_via(2)])) },
            1_000,
        );
        let sent: Vec<NodeId> = actions
            .iter()
            .filter_map(|a| match a {
                Action::SendOnionMessage { peer, .. } => Some(*peer),
                _ => None,
            })
            .collect();
        assert_eq!(sent, vec![NodeId::from_pubkey(&pk(2))]);
        // Only paths from us: a typed error, nothing sent.
        let actions =
            m.handle(Input::Command { id: 2, command: fetch(offer(vec![path_via(1)])) }, 1_000);
        assert_eq!(
            actions,
            vec![Action::Reply {
                command: 2,
                result: Reply::Fetchinvoice(Err(FetchinvoiceError::OwnPathsOnly)),
            }]
        );
    }

    #[test]
    fn a_failed_fetch_answers_the_pay_of_the_offer() {
        let mut m = machine();
        for xpay in [false, true] {
            let Command::Fetchinvoice(f) = fetch(offer(vec![path_via(1)])) else { panic!() };
            let r = Bolt12PayRequest {
                target: Bolt12Target::Offer(f),
                options: PayOptions::default(),
                xpay,
            };
            let id = 10 + u64::from(xpay);
            let actions =
                m.handle(Input::Command { id, command: Command::PayBolt12(Box::new(r)) }, 1_000);
            let expected = if xpay {
                Reply::Xpay(Err(crate::XpayError::Fetch(FetchinvoiceError::OwnPathsOnly)))
            } else {
                Reply::Pay(Err(PayError::Fetch(FetchinvoiceError::OwnPathsOnly)))
            };
            assert_eq!(actions, vec![Action::Reply { command: id, result: expected }]);
        }
    }
}
