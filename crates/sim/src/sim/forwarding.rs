//! Forwarding: the payer's adds, every hop peeling the onion and checking amounts, fees,
//! cltv and balances as BOLT 4 says, and fulfils and failures travelling back hop by hop.

use super::*;
use onion::blinded_payment::{self, BlindedHopRead};

impl Simulator {
    /// Sends an HTLC from any node (the [`ChannelBackend`] impl sends from the payer).
    pub fn send_htlc_from(
        &mut self,
        node: u32,
        first_hop: ShortChannelId,
        amount: Msat,
        cltv_expiry: u32,
        payment_hash: PaymentHash,
        onion: OnionPacket,
    ) -> Result<HtlcId, LocalFailure> {
        let scid = first_hop;
        let ci = *self.scid_index.get(&scid).ok_or(LocalFailure::UnknownChannel { scid })?;
        let c = self.channels.get(ci as usize).ok_or(LocalFailure::UnknownChannel { scid })?;
        let side =
            c.nodes.iter().position(|&n| n == node).ok_or(LocalFailure::NotOurChannel { scid })?;
        let peer = c.nodes[1 - side];
        if self.nodes.get(peer as usize).is_some_and(|n| n.fault.offline) {
            return Err(LocalFailure::PeerOffline { scid });
        }
        match self.lock(ci, side, amount.0) {
            Ok(()) => {}
            Err(Short::Slots) => return Err(LocalFailure::TooManyHtlcs { scid }),
            Err(Short::Balance(available)) => {
                return Err(LocalFailure::InsufficientBalance {
                    scid,
                    available: Msat(available),
                    amount,
                })
            }
        }
        Ok(self.add_htlc(ci, side, amount.0, cltv_expiry, payment_hash, onion, None, node, None))
    }

    fn reserve(&self, c: &Channel) -> u64 {
        (c.capacity as u128 * u128::from(self.cfg.reserve_ppm) / 1_000_000) as u64
    }

    /// What `side` can still send on channel `ci` (above the reserve).
    pub(super) fn spendable(&self, c: &Channel, side: usize) -> u64 {
        c.balance[side].saturating_sub(self.reserve(c))
    }

    fn lock(&mut self, ci: u32, side: usize, amount: u64) -> Result<(), Short> {
        let max = self.cfg.max_htlcs;
        let Some(c) = self.channels.get(ci as usize) else { return Err(Short::Balance(0)) };
        let available = self.spendable(c, side);
        if c.inflight[side] >= max {
            return Err(Short::Slots);
        }
        if amount > available {
            return Err(Short::Balance(available));
        }
        if let Some(c) = self.channels.get_mut(ci as usize) {
            c.balance[side] -= amount;
            c.inflight[side] += 1;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn add_htlc(
        &mut self,
        ci: u32,
        side: usize,
        amount: u64,
        cltv: u32,
        hash: PaymentHash,
        onion: OnionPacket,
        incoming: Option<HtlcId>,
        node: u32,
        path_key: Option<PublicKey>,
    ) -> HtlcId {
        let id = HtlcId(self.next_htlc);
        self.next_htlc += 1;
        let scid = self.channels.get(ci as usize).map_or(ShortChannelId(0), |c| c.scid);
        self.htlcs.insert(
            id,
            Htlc {
                chan: ci,
                from: side as u8,
                amount,
                cltv,
                hash,
                onion: Some(onion),
                incoming,
                secret: None,
                held: false,
                path_key,
                blind: None,
            },
        );
        self.record(id, LogKind::Added { node, scid, amount: Msat(amount) });
        let delay = self.latency();
        self.schedule(delay, Event::Arrive(id));
        id
    }

    /// The node that receives HTLC `h` and the one that offered it.
    fn ends(&self, h: &Htlc) -> (u32, u32) {
        let c = self.channels.get(h.chan as usize);
        let from = c.map_or(0, |c| c.nodes[h.from as usize & 1]);
        let to = c.map_or(0, |c| c.nodes[1 - (h.from as usize & 1)]);
        (to, from)
    }

    pub(super) fn on_arrive(&mut self, id: HtlcId) {
        let Some(h) = self.htlcs.get(&id) else { return };
        let (node, _) = self.ends(h);
        let Some(n) = self.nodes.get(node as usize) else { return };
        let fault = n.fault;
        if fault.silent {
            // Never answered: the previous hop gives up at the expiry (10 minutes a block).
            let blocks = u64::from(h.cltv.saturating_sub(self.cfg.block_height));
            self.schedule(blocks.max(1) * 600_000, Event::Expire(id));
            return;
        }
        if fault.hold_ms > 0 && !h.held {
            if let Some(h) = self.htlcs.get_mut(&id) {
                h.held = true;
            }
            self.record(id, LogKind::Held);
            self.schedule(fault.hold_ms, Event::Arrive(id));
            return;
        }
        let secret = n.secret;
        let Some(h) = self.htlcs.get_mut(&id) else { return };
        let Some(onion) = h.onion.take() else { return };
        let (amount, cltv, hash, path_key) = (h.amount, h.cltv, h.hash, h.path_key);
        let sha = onion::crypto::sha256(&[&onion.to_bytes()]);
        // Inside a blinded path the onion is keyed to the blinded node id.
        let onion_secret = match path_key {
            None => Some(secret),
            Some(pk) => {
                h.blind = Some(Blind { inside: true, sha });
                blinding::blinded_node_secret(&secret, &pk).ok()
            }
        };
        let peeled = match onion_secret
            .ok_or(None)
            .and_then(|k| packet::peel(&k, &onion, &hash.0).map_err(Some))
        {
            Ok(p) => p,
            Err(e) if path_key.is_some() || e.as_ref().is_some_and(|e| e.is_bad_onion()) => {
                // update_fail_malformed_htlc: the previous hop turns it into a failure.
                let failure_code = match (&e, path_key) {
                    (Some(e), None) => e.failure_code(),
                    _ => wire::failure::code::INVALID_ONION_BLINDING,
                };
                self.record(id, LogKind::Malformed { code: failure_code });
                let delay = self.latency();
                self.schedule(delay, Event::Malformed(id, failure_code, sha));
                return;
            }
            Err(_) => {
                // The HMAC held but the payload framing is broken: invalid_onion_payload,
                // keyed with the secret the HMAC proved good.
                if let Ok(pk) = PublicKey::from_slice(&onion.public_key) {
                    self.set_secret(id, SharedSecret::new(&pk, &secret));
                }
                let msg = FailureMessage::InvalidOnionPayload { position: Some((0, 0)) };
                return self.fail_here(id, node, &msg);
            }
        };
        self.set_secret(id, peeled.shared_secret);
        let hop = match HopPayload::decode(&peeled.payload, peeled.next.is_none()) {
            Ok(HopPayload::Forward(f)) => Instructions {
                amt_to_forward: f.amt_to_forward.0,
                outgoing_cltv: f.outgoing_cltv_value,
                scid: Some(f.short_channel_id),
                payment_data: None,
                keysend: None,
                next_path_key: None,
            },
            Ok(HopPayload::Final(f)) => Instructions {
                amt_to_forward: f.amt_to_forward.0,
                outgoing_cltv: f.outgoing_cltv_value,
                scid: None,
                payment_data: f.payment_data.map(|d| (d.payment_secret, d.total_msat.0)),
                keysend: f.keysend_preimage,
                next_path_key: None,
            },
            Ok(HopPayload::Blinded(b)) => {
                match self.unblind(id, node, secret, path_key, sha, amount, cltv, &b) {
                    Some(hop) => hop,
                    None => return,
                }
            }
            Err(e) => {
                let typ = e.tlv_type().unwrap_or(0);
                let offset = payload_offset(&peeled.payload, typ);
                let msg = FailureMessage::InvalidOnionPayload { position: Some((typ, offset)) };
                return self.fail_here(id, node, &msg);
            }
        };
        match peeled.next {
            Some(next) => self.forward(id, node, amount, cltv, hash, &hop, next),
            None => self.receive(id, node, amount, cltv, hash, &hop),
        }
    }

    /// A node reads its hop of a blinded path (BOLT 4 route blinding): the introduction node
    /// finds the path key in its payload, a later node got it beside the HTLC. Forwarding
    /// amounts and cltv come from the recipient's `payment_relay`; the final hop's `path_id` is
    /// the payment secret of the invoice it pays. Returns `None` when it failed the HTLC.
    #[allow(clippy::too_many_arguments)]
    fn unblind(
        &mut self,
        id: HtlcId,
        node: u32,
        secret: SecretKey,
        path_key: Option<PublicKey>,
        sha: [u8; 32],
        amount: u64,
        cltv: u32,
        b: &onion::payload::BlindedPayload,
    ) -> Option<Instructions> {
        let bad = FailureMessage::InvalidOnionBlinding { sha256_of_onion: sha };
        if path_key.is_none() && b.current_path_key.is_some() {
            if let Some(h) = self.htlcs.get_mut(&id) {
                h.blind = Some(Blind { inside: false, sha });
            }
        }
        let secp = Secp256k1::verification_only();
        let read =
            blinded_payment::read_blinded_hop(&secp, &secret, path_key, b, Msat(amount), cltv);
        match read {
            Ok(BlindedHopRead::Forward {
                short_channel_id,
                amt_to_forward,
                outgoing_cltv_value,
                next_path_key,
            }) => Some(Instructions {
                amt_to_forward: amt_to_forward.0,
                outgoing_cltv: outgoing_cltv_value,
                scid: Some(short_channel_id),
                payment_data: None,
                keysend: None,
                next_path_key: Some(next_path_key),
            }),
            Ok(BlindedHopRead::Receive { path_id, values }) => {
                // The recipient's `path_id` is the payment secret of the invoice it pays.
                let Ok(secret) = <[u8; 32]>::try_from(path_id.as_slice()) else {
                    self.fail_here(id, node, &bad);
                    return None;
                };
                Some(Instructions {
                    amt_to_forward: values.amt_to_forward.0,
                    outgoing_cltv: values.outgoing_cltv_value,
                    scid: None,
                    payment_data: Some((PaymentSecret(secret), values.total_amount_msat.0)),
                    keysend: None,
                    next_path_key: None,
                })
            }
            Err(_) => {
                self.fail_here(id, node, &bad);
                None
            }
        }
    }

    fn set_secret(&mut self, id: HtlcId, s: SharedSecret) {
        if let Some(h) = self.htlcs.get_mut(&id) {
            h.secret = Some(s);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn forward(
        &mut self,
        id: HtlcId,
        node: u32,
        amount: u64,
        cltv: u32,
        hash: PaymentHash,
        p: &Instructions,
        next: OnionPacket,
    ) {
        let Some(scid) = p.scid else { return };
        let out = self.scid_index.get(&scid).copied().and_then(|ci| {
            let c = self.channels.get(ci as usize)?;
            let side = c.nodes.iter().position(|&n| n == node)?;
            Some((ci, side, c))
        });
        let Some((ci, side, c)) = out else {
            return self.fail_here(id, node, &FailureMessage::UnknownNextPeer);
        };
        let peer = c.nodes[1 - side];
        let peer_offline = self.nodes.get(peer as usize).is_some_and(|n| n.fault.offline);
        let Some(policy) = c.actual[side] else {
            return self.fail_here(id, node, &FailureMessage::UnknownNextPeer);
        };
        let fwd = p.amt_to_forward;
        let update =
            |s: &Self, disabled: bool| s.channel_update(scid, node, disabled).unwrap_or_default();
        let msg = if peer_offline {
            FailureMessage::TemporaryChannelFailure { channel_update: update(self, true) }
        } else if !policy.enabled {
            FailureMessage::ChannelDisabled {
                disabled_flags: 0,
                channel_update: update(self, false),
            }
        } else if fwd < policy.htlc_min.0 {
            FailureMessage::AmountBelowMinimum {
                htlc_msat: Msat(fwd),
                channel_update: update(self, false),
            }
        } else if p.next_path_key.is_none() && amount < fwd.saturating_add(fee(&policy, fwd)) {
            FailureMessage::FeeInsufficient {
                htlc_msat: Msat(amount),
                channel_update: update(self, false),
            }
        } else if p.next_path_key.is_none()
            && cltv < p.outgoing_cltv.saturating_add(u32::from(policy.cltv_delta))
        {
            FailureMessage::IncorrectCltvExpiry {
                cltv_expiry: cltv,
                channel_update: update(self, false),
            }
        } else if p.outgoing_cltv
            <= self.cfg.block_height.saturating_add(self.cfg.expiry_too_soon_blocks)
        {
            FailureMessage::ExpiryTooSoon { channel_update: update(self, false) }
        } else if cltv > self.cfg.block_height.saturating_add(MAX_EXPIRY_AHEAD) {
            FailureMessage::ExpiryTooFar
        } else if fwd > policy.htlc_max.0 || self.lock(ci, side, fwd).is_err() {
            FailureMessage::TemporaryChannelFailure { channel_update: update(self, false) }
        } else {
            self.add_htlc(
                ci,
                side,
                fwd,
                p.outgoing_cltv,
                hash,
                next,
                Some(id),
                node,
                p.next_path_key,
            );
            return;
        };
        self.fail_here(id, node, &msg);
    }

    /// `node` fails HTLC `id` it received, creating the failure with its shared secret.
    /// In a blinded path (BOLT 4) the introduction node answers every failure with
    /// `invalid_onion_blinding`, and a node after it with `update_fail_malformed_htlc` of that
    /// code.
    pub(super) fn fail_here(&mut self, id: HtlcId, node: u32, msg: &FailureMessage) {
        let blinded;
        let msg = match self.htlcs.get(&id).and_then(|h| h.blind) {
            None => msg,
            Some(Blind { inside: true, sha }) => {
                let code = wire::failure::code::INVALID_ONION_BLINDING;
                self.record(id, LogKind::Malformed { code });
                let delay = self.latency();
                self.schedule(delay, Event::Malformed(id, code, sha));
                return;
            }
            Some(Blind { inside: false, sha }) => {
                blinded = FailureMessage::InvalidOnionBlinding { sha256_of_onion: sha };
                &blinded
            }
        };
        let Some(secret) = self.htlcs.get(&id).and_then(|h| h.secret) else { return };
        let Ok(reason) = failure::build_return_packet(&secret, &msg.encode(), LEGACY_PAYLOAD_LEN)
        else {
            return;
        };
        self.send_failure(id, node, msg.code(), reason);
    }

    fn send_failure(&mut self, id: HtlcId, node: u32, failure_code: u16, mut reason: Vec<u8>) {
        if self.nodes.get(node as usize).is_some_and(|n| n.fault.corrupt_failures) {
            corrupt(&mut reason);
        }
        self.record(id, LogKind::Failed { code: failure_code });
        let delay = self.latency();
        self.schedule(delay, Event::Fail(id, reason));
    }

    /// Removes a resolved HTLC and settles the balances: `to_receiver` moves the amount across.
    fn settle(&mut self, id: HtlcId, to_receiver: bool) -> Option<Htlc> {
        let h = self.htlcs.remove(&id)?;
        if let Some(c) = self.channels.get_mut(h.chan as usize) {
            let side = h.from as usize & 1;
            let dest = if to_receiver { 1 - side } else { side };
            c.balance[dest] += h.amount;
            c.inflight[side] = c.inflight[side].saturating_sub(1);
        }
        Some(h)
    }

    pub(super) fn on_fulfill(&mut self, id: HtlcId, preimage: PaymentPreimage) {
        let Some(h) = self.settle(id, true) else { return };
        match h.incoming {
            Some(up) => {
                self.record(up, LogKind::Fulfilled);
                let delay = self.latency();
                self.schedule(delay, Event::Fulfill(up, preimage));
            }
            None => self.deliver(id, Resolution::Fulfilled(preimage)),
        }
    }

    pub(super) fn on_fail(&mut self, id: HtlcId, mut reason: Vec<u8>) {
        let Some(h) = self.settle(id, false) else { return };
        let (_, offerer) = self.ends(&h);
        let Some(up) = h.incoming else {
            return self.deliver(id, Resolution::Failed(reason));
        };
        if reason.is_empty() {
            // The HTLC timed out at a silent node: the offerer gives up on the channel.
            return self.fail_here(up, offerer, &FailureMessage::PermanentChannelFailure);
        }
        let Some(secret) = self.htlcs.get(&up).and_then(|u| u.secret) else { return };
        failure::wrap_return_packet(&secret, &mut reason);
        if self.nodes.get(offerer as usize).is_some_and(|n| n.fault.corrupt_failures) {
            corrupt(&mut reason);
        }
        self.record(up, LogKind::Relayed);
        let delay = self.latency();
        self.schedule(delay, Event::Fail(up, reason));
    }

    pub(super) fn on_malformed(&mut self, id: HtlcId, failure_code: u16, sha: [u8; 32]) {
        let Some(h) = self.settle(id, false) else { return };
        let (_, offerer) = self.ends(&h);
        match h.incoming {
            // The previous hop turns it into a failure of its own (BOLT 4).
            Some(up) if self.htlcs.get(&up).is_some_and(|u| u.blind.is_some()) => {
                let msg = FailureMessage::InvalidOnionBlinding { sha256_of_onion: sha };
                self.fail_here(up, offerer, &msg);
            }
            Some(up) => {
                let Some(secret) = self.htlcs.get(&up).and_then(|u| u.secret) else { return };
                if let Ok(reason) = failure::build_malformed_return_packet(
                    &secret,
                    failure_code,
                    &sha,
                    LEGACY_PAYLOAD_LEN,
                ) {
                    self.send_failure(up, offerer, failure_code, reason);
                }
            }
            None => self.deliver(id, Resolution::Malformed { failure_code, sha256_of_onion: sha }),
        }
    }

    fn deliver(&mut self, htlc: HtlcId, resolution: Resolution) {
        self.resolutions.push_back(HtlcResolution { htlc, time_ms: self.now, resolution });
    }
}

enum Short {
    Balance(u64),
    Slots,
}

fn fee(p: &EdgePolicy, amount: u64) -> u64 {
    u64::from(p.base_fee_msat) + (amount as u128 * u128::from(p.fee_ppm) / 1_000_000) as u64
}

/// Byte offset of the first record of type `typ` or above in a TLV stream (for
/// `invalid_onion_payload`); 0 when it cannot be told.
fn payload_offset(bytes: &[u8], typ: u64) -> u16 {
    let mut at = 0usize;
    while let Some(rest) = bytes.get(at..).filter(|r| !r.is_empty()) {
        let Ok((t, n)) = types::bigsize::decode(rest) else { break };
        if t >= typ {
            return u16::try_from(at).unwrap_or(u16::MAX);
        }
        let Ok((len, m)) = types::bigsize::decode(rest.get(n..).unwrap_or_default()) else {
            break;
        };
        at = at.saturating_add(n + m).saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
    }
    0
}
