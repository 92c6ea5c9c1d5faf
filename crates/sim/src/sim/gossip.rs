//! What a payer may know of the network: the graph, and the signed BOLT 7 gossip of every
//! channel and node (`channel_announcement`, `channel_update`, `node_announcement`).

use super::*;

impl Simulator {
    /// The published graph: public channels with their *announced* policies (an offline
    /// node's channels are still announced, as on mainnet until they are pruned).
    pub fn graph(&self) -> Arc<Graph> {
        self.public_graph(true)
    }

    /// The graph a payer builds from [`Simulator::gossip`], without signing and verifying it:
    /// the public channels and their announced policies, capacities unknown (gossip carries
    /// none). Equal to what `route::gossip::import_gossip` makes of `gossip()` (tested), it
    /// lets a run whose payer trusts its simulator skip the signatures, the bulk of a big
    /// network's setup; `channel_update`s in failures stay signed and verified.
    pub fn gossip_graph(&self) -> Arc<Graph> {
        self.public_graph(false)
    }

    fn public_graph(&self, capacities: bool) -> Arc<Graph> {
        let mut b = GraphBuilder::new();
        for c in self.channels.iter().filter(|c| c.public) {
            let (Some(n0), Some(n1)) =
                (self.nodes.get(c.nodes[0] as usize), self.nodes.get(c.nodes[1] as usize))
            else {
                continue;
            };
            b.add_channel(c.scid, n0.id, n1.id, capacities.then_some(Msat(c.capacity)));
            for d in 0..2u8 {
                if let Some(p) = c.announced[d as usize] {
                    let _ = b.update_direction(c.scid, d, p);
                }
            }
        }
        b.build()
    }

    /// A signed `channel_update` (with its type prefix) for the direction `from` sends on in
    /// `scid`, with the policy it actually applies (`disabled` forces the disabled bit and
    /// bumps the timestamp).
    pub fn channel_update(
        &self,
        scid: ShortChannelId,
        from: u32,
        disabled: bool,
    ) -> Option<Vec<u8>> {
        let c = self.channels.get(*self.scid_index.get(&scid)? as usize)?;
        let side = c.nodes.iter().position(|&n| n == from)?;
        let p = c.actual[side]?;
        let node = self.nodes.get(from as usize)?;
        let p = EdgePolicy {
            timestamp: p.timestamp.saturating_add(u32::from(disabled)),
            enabled: p.enabled && !disabled,
            ..p
        };
        Some(unsigned_update(scid, side as u8, &p).sign(&node.secret).encode())
    }

    /// The network's gossip, signed by the generated keys: a `channel_announcement` (node and
    /// funding keys) for every public channel, then a `channel_update` for each of its
    /// directions with the *announced* policy. Each message starts with its type. A payer
    /// imports them through the verified path (`route::gossip::import_gossip`). Signing runs
    /// on two threads.
    pub fn gossip(&self) -> Vec<Vec<u8>> {
        let public: Vec<&Channel> = self.channels.iter().filter(|c| c.public).collect();
        // One funding key per node for all its channels (real nodes use one per channel; one
        // per node spares a public-key derivation per channel end).
        let funding = make_keys(self.cfg.seed ^ STREAM_FUNDING, self.nodes.len() as u32);
        let sign_range = |chans: &[&Channel]| -> Vec<Vec<u8>> {
            let mut out = Vec::with_capacity(chans.len() * 3);
            for c in chans {
                let (Some(n1), Some(n2), Some(f1), Some(f2)) = (
                    self.nodes.get(c.nodes[0] as usize),
                    self.nodes.get(c.nodes[1] as usize),
                    funding.get(c.nodes[0] as usize),
                    funding.get(c.nodes[1] as usize),
                ) else {
                    continue;
                };
                let ann = UnsignedChannelAnnouncement {
                    features: Vec::new(),
                    chain_hash: ChainHash::BITCOIN,
                    short_channel_id: c.scid,
                    node_id_1: n1.id,
                    node_id_2: n2.id,
                    bitcoin_key_1: NodeId::from_pubkey(&f1.1),
                    bitcoin_key_2: NodeId::from_pubkey(&f2.1),
                    excess_data: Vec::new(),
                };
                out.push(ann.sign(&n1.secret, &n2.secret, &f1.0, &f2.0).encode());
                for (d, n) in [(0u8, n1), (1u8, n2)] {
                    if let Some(p) = c.announced[d as usize] {
                        out.push(unsigned_update(c.scid, d, &p).sign(&n.secret).encode());
                    }
                }
            }
            out
        };
        let half = public.len() / 2;
        let (a, b) = public.split_at(half);
        let (mut first, second) = std::thread::scope(|scope| {
            let h = scope.spawn(|| sign_range(b));
            (sign_range(a), h.join())
        });
        match second {
            Ok(mut s) => first.append(&mut s),
            Err(_) => first.append(&mut sign_range(b)),
        }
        first
    }
}

fn unsigned_update(scid: ShortChannelId, direction: u8, p: &EdgePolicy) -> UnsignedChannelUpdate {
    UnsignedChannelUpdate {
        chain_hash: ChainHash::BITCOIN,
        short_channel_id: scid,
        timestamp: p.timestamp,
        message_flags: 1,
        channel_flags: (direction & 1) | if p.enabled { 0 } else { 2 },
        cltv_expiry_delta: p.cltv_delta,
        htlc_minimum_msat: p.htlc_min,
        fee_base_msat: p.base_fee_msat,
        fee_proportional_millionths: p.fee_ppm,
        htlc_maximum_msat: p.htlc_max,
        excess_data: Vec::new(),
    }
}
