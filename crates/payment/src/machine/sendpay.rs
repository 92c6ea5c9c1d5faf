//! `sendpay`: checks a part against the parts of its payment, builds its onion, persists it
//! and sends it.

use super::{hash32, Action, Machine};
use crate::error::SendpayError;
use crate::record::{PartKey, PartRecord, PartStatus, Record};
use crate::requests::SendpayRequest;
use onion::crypto::SharedSecret;
use onion::packet::OnionPacket;
use onion::payment::{build_payment_onion, BuildPaymentOnionError, FinalData};
use onion::secp256k1::SecretKey;
use types::{Hop, Msat, NodeId, PaymentPreimage, PaymentSecret};

/// sendpay repeating an existing part (same hash and partid): the amount and destination must
/// match it.
fn same_part(p: &PartRecord, final_amount: Msat, dest: NodeId) -> Result<(), SendpayError> {
    if p.amount_msat != final_amount {
        return Err(SendpayError::AlreadyWithAmount {
            state: p.status,
            existing: p.amount_msat,
            requested: final_amount,
        });
    }
    if p.destination != Some(dest) {
        return Err(SendpayError::AlreadyToDestination {
            state: p.status,
            destination: p.destination,
        });
    }
    Ok(())
}

impl Machine {
    pub(super) fn sendpay(
        &mut self,
        r: SendpayRequest,
        pay_id: Option<u64>,
        now_ms: u64,
    ) -> Result<PartRecord, SendpayError> {
        let partid = r.partid.unwrap_or(0);
        let hash = r.payment_hash;
        let Some(last) = r.route.last().copied() else {
            if r.amount_msat.is_none() {
                return Err(SendpayError::SelfPaymentWithoutAmount);
            }
            if partid != 0 {
                return Err(SendpayError::SelfPaymentWithPartid { partid });
            }
            return Err(SendpayError::UnknownInvoice);
        };
        if partid != 0 && r.payment_secret.is_none() {
            return Err(SendpayError::PartidWithoutSecret { partid });
        }
        let final_amount = last.amount;
        let total = match (r.amount_msat, partid) {
            (None, 0) => final_amount,
            (None, _) => return Err(SendpayError::MissingAmount { partid }),
            (Some(a), 0) if final_amount > a => {
                // Overpayment: BOLT 4 lets the payee accept up to twice what it expects.
                if final_amount.0 > a.0.saturating_mul(2) {
                    return Err(SendpayError::Overpayment { final_amount, amount: a });
                }
                a
            }
            (Some(a), 0) if a != final_amount => {
                return Err(SendpayError::AmountNotFinal { amount: a, final_amount })
            }
            (Some(a), _) if final_amount > a => {
                return Err(SendpayError::FinalAboveAmount { final_amount, amount: a })
            }
            (Some(a), _) => a,
        };
        let dest = last.id;
        let existing: Vec<&PartRecord> =
            self.parts.iter().filter(|p| p.key.payment_hash == hash).collect();
        let groupid = r.groupid.unwrap_or_else(|| {
            existing
                .iter()
                .find(|p| p.status == PartStatus::Pending)
                .map(|p| p.key.groupid)
                .or_else(|| existing.iter().map(|p| p.key.groupid.saturating_add(1)).max())
                .unwrap_or(0)
        });
        let mut other_succeeded = false;
        let mut pending_sum = Msat(0);
        for p in &existing {
            match p.status {
                PartStatus::Complete if p.key.partid == partid => {
                    same_part(p, final_amount, dest)?;
                    return Ok((*p).clone());
                }
                PartStatus::Complete => other_succeeded = true,
                PartStatus::Pending => {
                    if p.key.groupid != groupid {
                        return Err(SendpayError::GroupInProgress { groupid: p.key.groupid });
                    }
                    if (p.key.partid == 0) != (partid == 0) {
                        return Err(SendpayError::KindInProgress { parallel: p.key.partid != 0 });
                    }
                    if p.key.partid == partid {
                        same_part(p, final_amount, dest)?;
                        return Ok((*p).clone());
                    }
                    if p.total_msat != total {
                        return Err(SendpayError::TotalChanged {
                            previous: p.total_msat,
                            now: total,
                        });
                    }
                    pending_sum = pending_sum.saturating_add(p.amount_msat);
                }
                PartStatus::Failed => {
                    if p.key.partid == partid && p.key.groupid == groupid {
                        return Err(SendpayError::PartFailed { key: p.key });
                    }
                }
            }
        }
        if other_succeeded {
            return Err(SendpayError::OtherPartsSucceeded);
        }
        if partid != 0 && pending_sum >= total {
            return Err(SendpayError::InFlightCoversTotal { in_flight: pending_sum, total });
        }
        let first = r.route.first().copied().unwrap_or(last);
        if !self.first_hops.is_empty() && !self.first_hops.iter().any(|h| h.scid == first.channel) {
            return Err(SendpayError::NoFirstPeer {
                node: self.cfg.node_id,
                channel: first.channel,
                direction: first.direction,
                payment_hash: hash,
            });
        }
        let key = PartKey { payment_hash: hash, partid, groupid };
        self.start_part(
            key,
            r.route,
            total,
            r.payment_secret,
            r.payment_metadata,
            (r.label, r.bolt11, r.description),
            pay_id,
            None,
            now_ms,
        )
    }

    /// Builds the onion, persists the part, then sends it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_part(
        &mut self,
        key: PartKey,
        route: Vec<Hop>,
        total: Msat,
        secret: Option<PaymentSecret>,
        metadata: Option<Vec<u8>>,
        (label, bolt11, description): (Option<String>, Option<String>, Option<String>),
        pay_id: Option<u64>,
        keysend: Option<PaymentPreimage>,
        now_ms: u64,
    ) -> Result<PartRecord, SendpayError> {
        let Some(last) = route.last().copied() else {
            return Err(SendpayError::EmptyRoute);
        };
        let base = self.height.saturating_add(1);
        let final_data = FinalData {
            payment_secret: secret,
            total_msat: total,
            payment_metadata: metadata,
            keysend_preimage: keysend,
            custom_records: vec![],
        };
        let sk = self.session_key(&key);
        let (onion, secrets) =
            build_payment_onion(&sk, &route, base, &final_data, &key.payment_hash).map_err(
                |e| match e {
                    BuildPaymentOnionError::InvalidNodeId { id, .. } => SendpayError::BadNodeId(id),
                    _ => SendpayError::Onion,
                },
            )?;
        let sent = SentPart {
            destination: Some(last.id),
            amount: last.amount,
            total,
            secret,
            meta: (label, bolt11, description),
            pay_id,
            onion,
            secrets,
            blinded_tail: None,
        };
        Ok(self.commit_part(key, route, sent, now_ms))
    }

    /// The session key of a part's onion, drawn from the seed.
    pub(super) fn session_key(&self, key: &PartKey) -> SecretKey {
        let mut ctr = 0u8;
        loop {
            let b = hash32(&[
                &self.cfg.seed,
                &key.payment_hash.0,
                &key.partid.to_be_bytes(),
                &key.groupid.to_be_bytes(),
                &[ctr],
            ]);
            if let Ok(sk) = SecretKey::from_slice(&b) {
                return sk;
            }
            ctr = ctr.wrapping_add(1);
        }
    }

    /// Persists a part whose onion is built, then sends it.
    pub(super) fn commit_part(
        &mut self,
        key: PartKey,
        route: Vec<Hop>,
        sent: SentPart,
        now_ms: u64,
    ) -> PartRecord {
        let SentPart {
            destination,
            amount,
            total,
            secret,
            meta,
            pay_id,
            onion,
            secrets,
            blinded_tail,
        } = sent;
        let (label, bolt11, description) = meta;
        let base = self.height.saturating_add(1);
        let first_amount = route.first().map_or(amount, |h| h.amount);
        let first_delay = route.first().map_or(0, |h| h.delay);
        let first_channel = route.first().map(|h| h.channel);
        let idx = self.bump();
        let rec = PartRecord {
            created_index: idx,
            updated_index: idx,
            key,
            destination,
            amount_msat: amount,
            total_msat: total,
            amount_sent_msat: first_amount,
            created_at: now_ms / 1000,
            completed_at: None,
            status: PartStatus::Pending,
            payment_preimage: None,
            label,
            bolt11,
            description,
            payment_secret: secret,
            cltv_expiry: base.saturating_add(first_delay),
            shared_secrets: secrets.iter().map(|s| s.0).collect(),
            route,
            pay_id,
            failure: None,
            blinded_tail,
        };
        self.parts.retain(|p| p.key != key);
        self.parts.push(rec.clone());
        self.knowledge.part_sent(&rec.route);
        self.actions.push(Action::Persist(Record::Part(rec.clone())));
        if let Some(first_hop) = first_channel {
            self.actions.push(Action::SendHtlc {
                part: key,
                first_hop,
                amount: first_amount,
                cltv_expiry: rec.cltv_expiry,
                payment_hash: key.payment_hash,
                onion: Box::new(onion),
            });
        }
        rec
    }
}

/// A part's onion and what its record keeps beside the route.
pub(super) struct SentPart {
    /// The payee.
    pub destination: Option<NodeId>,
    /// What the payee receives.
    pub amount: Msat,
    /// The total of the payment.
    pub total: Msat,
    /// The payment secret sent.
    pub secret: Option<PaymentSecret>,
    /// Label, invoice text, description.
    pub meta: (Option<String>, Option<String>, Option<String>),
    /// The owning pay.
    pub pay_id: Option<u64>,
    /// The onion.
    pub onion: OnionPacket,
    /// The secrets shared with each layer.
    pub secrets: Vec<SharedSecret>,
    /// The BOLT 12 path the part goes through, if any.
    pub blinded_tail: Option<u32>,
}
