//! Receivers: invoices with payment secrets and route hints, single- and multi-part
//! payments, keysend, and the MPP timeout.
//!
//! A receiver may take at most some number of parts of one payment (a mobile wallet behind
//! its LSP's channel, whose HTLC slots are few: Core Lightning users met wallets taking 6).
//! Given one part more than that, it fails every part of the set it holds, the new one
//! included, with `mpp_timeout`: BOLT 4's failure for a set that will not complete, which
//! tells the payer nothing is wrong with the invoice, only with this set. The payer may try
//! again with fewer parts.

use super::*;

impl Simulator {
    /// Sets the most parts of one payment `node` takes as a receiver (`None`: any number).
    pub fn set_receiver_max_parts(&mut self, node: u32, max_parts: Option<u32>) {
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.max_parts = max_parts;
        }
    }

    /// A receiver creates an invoice; the preimage comes from the run's generator. Route
    /// hints name the payee's private channels.
    pub fn create_invoice(&mut self, payee: u32, amount: Option<Msat>) -> Option<Invoice> {
        let id = self.nodes.get(payee as usize)?.id;
        let preimage = PaymentPreimage(self.rng.bytes32());
        let secret = PaymentSecret(self.rng.bytes32());
        let hash = preimage.hash();
        let mut route_hints = Vec::new();
        for &ci in self.node_channels.get(payee as usize)? {
            let Some(c) = self.channels.get(ci as usize) else { continue };
            if c.public {
                continue;
            }
            let Some(side) = c.nodes.iter().position(|&n| n != payee) else { continue };
            let (Some(p), Some(src)) = (c.announced[side], self.nodes.get(c.nodes[side] as usize))
            else {
                continue;
            };
            route_hints.push(RouteHintHop {
                node_id: src.id,
                short_channel_id: c.scid,
                fee_base_msat: p.base_fee_msat,
                fee_proportional_millionths: p.fee_ppm,
                cltv_expiry_delta: p.cltv_delta,
            });
        }
        let mut features = types::Features::new();
        features.set_required(types::features::Feature::VAR_ONION_OPTIN);
        features.set_required(types::features::Feature::PAYMENT_SECRET);
        features.set(usize::from(types::features::Feature::BASIC_MPP.0) + 1);
        let mut b = bolt11::InvoiceBuilder::new(
            bolt11::Currency::Bitcoin,
            u64::from(INVOICE_EPOCH) + self.now / 1000,
        )
        .payment_hash(hash)
        .payment_secret(secret)
        .description("lnpay-sim")
        .min_final_cltv_expiry_delta(u64::from(self.cfg.min_final_cltv_delta))
        .features(&features);
        if let Some(a) = amount {
            b = b.amount(a);
        }
        for h in &route_hints {
            b = b.route_hint(&bolt11::RouteHint(vec![*h]));
        }
        let node_secret = self.nodes.get(payee as usize)?.secret;
        let bolt11 = b.build_signed(&node_secret).ok()?.to_string();
        self.invoices.insert(
            (payee, hash),
            InvoiceState {
                preimage,
                secret,
                amount,
                parts: Vec::new(),
                received: 0,
                set_started: 0,
            },
        );
        Some(Invoice {
            payee: id,
            payment_hash: hash,
            payment_secret: secret,
            amount,
            min_final_cltv_delta: self.cfg.min_final_cltv_delta,
            route_hints,
            bolt11,
        })
    }

    pub(super) fn receive(
        &mut self,
        id: HtlcId,
        node: u32,
        amount: u64,
        cltv: u32,
        hash: PaymentHash,
        p: &Instructions,
    ) {
        let height = self.cfg.block_height;
        let details =
            FailureMessage::IncorrectOrUnknownPaymentDetails { htlc_msat: Msat(amount), height };
        if amount < p.amt_to_forward {
            let msg = FailureMessage::FinalIncorrectHtlcAmount { incoming_htlc_amt: Msat(amount) };
            return self.fail_here(id, node, &msg);
        }
        if cltv < p.outgoing_cltv {
            let msg = FailureMessage::FinalIncorrectCltvExpiry { cltv_expiry: cltv };
            return self.fail_here(id, node, &msg);
        }
        if let Some(preimage) = p.keysend {
            if preimage.hash() != hash {
                return self.fail_here(id, node, &details);
            }
            self.settlements.push(Settlement {
                payee: node,
                payment_hash: hash,
                amount: Msat(amount),
                parts: 1,
                time_ms: self.now,
            });
            return self.fulfil_here(id, node, preimage);
        }
        let min_final = self.cfg.min_final_cltv_delta;
        let mpp_timeout = self.cfg.mpp_timeout_ms;
        let now = self.now;
        let Some(inv) = self.invoices.get_mut(&(node, hash)) else {
            return self.fail_here(id, node, &details);
        };
        let ok = match p.payment_data {
            Some((secret, total)) => {
                secret == inv.secret
                    && inv.amount.map_or(true, |a| total >= a.0)
                    && cltv >= height.saturating_add(min_final)
            }
            None => false,
        };
        if !ok {
            return self.fail_here(id, node, &details);
        }
        let total = p.payment_data.map_or(0, |(_, t)| t);
        let max_parts = self.nodes.get(node as usize).and_then(|n| n.max_parts);
        let Some(inv) = self.invoices.get_mut(&(node, hash)) else { return };
        if max_parts.is_some_and(|m| inv.parts.len() >= m as usize) {
            // One part too many: the whole set fails (see the module's documentation).
            let mut parts = core::mem::take(&mut inv.parts);
            inv.received = 0;
            parts.push(id);
            for part in parts {
                self.fail_here(part, node, &FailureMessage::MppTimeout);
            }
            return;
        }
        if inv.parts.is_empty() {
            inv.set_started = now;
            self.schedule(mpp_timeout, Event::MppTimeout(node, hash, now));
        }
        let Some(inv) = self.invoices.get_mut(&(node, hash)) else { return };
        inv.parts.push(id);
        inv.received = inv.received.saturating_add(amount);
        if inv.received >= total {
            let parts = core::mem::take(&mut inv.parts);
            let received = core::mem::take(&mut inv.received);
            let preimage = inv.preimage;
            self.settlements.push(Settlement {
                payee: node,
                payment_hash: hash,
                amount: Msat(received),
                parts: u32::try_from(parts.len()).unwrap_or(u32::MAX),
                time_ms: now,
            });
            for part in parts {
                self.fulfil_here(part, node, preimage);
            }
        }
    }

    pub(super) fn on_mpp_timeout(&mut self, node: u32, hash: PaymentHash, started: u64) {
        let Some(inv) = self.invoices.get_mut(&(node, hash)) else { return };
        if inv.parts.is_empty() || inv.set_started != started {
            return;
        }
        let parts = core::mem::take(&mut inv.parts);
        inv.received = 0;
        for part in parts {
            self.fail_here(part, node, &FailureMessage::MppTimeout);
        }
    }

    fn fulfil_here(&mut self, id: HtlcId, _node: u32, preimage: PaymentPreimage) {
        self.record(id, LogKind::Fulfilled);
        let delay = self.latency();
        self.schedule(delay, Event::Fulfill(id, preimage));
    }
}
