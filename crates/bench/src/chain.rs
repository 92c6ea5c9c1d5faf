//! The simulated chain: the funding output of every announced channel, so that both payers
//! know channel capacities as real nodes do. Core Lightning and LND check each
//! `channel_announcement` against its funding output on chain and keep its value as the
//! channel's capacity; LDK does so when given a [`UtxoLookup`]. Without it a payer only has
//! each direction's `htlc_maximum_msat`, which on mainnet is often far below the capacity.
//!
//! [`SimChain`] holds, per short channel id, the output a node would find: worth the
//! channel's capacity in the simulator's topology, paying to the P2WSH of the 2-of-2 funding
//! script of the announcement's two bitcoin keys. LDK reads it through [`UtxoLookup`] (and
//! checks the script); lnpay's graph gets the capacities through
//! [`graph_from_gossip_and_chain`].

use crate::ldk;
use bitcoin::constants::ChainHash;
use bitcoin::{Amount, TxOut};
use lightning::ln::chan_utils::make_funding_redeemscript;
use lightning::ln::msgs;
use lightning::routing::utxo::{UtxoLookup, UtxoLookupError, UtxoResult};
use route::gossip::{import_gossip, ChainHash as OurChainHash};
use route::graph::GraphBuilder;
use sim::Simulator;
use std::collections::HashMap;
use types::{Msat, ShortChannelId};

/// The gossip type of `channel_announcement`.
const CHANNEL_ANNOUNCEMENT: [u8; 2] = 256u16.to_be_bytes();

/// The funding outputs of a simulator's announced channels.
#[derive(Debug, Clone, Default)]
pub struct SimChain {
    outputs: HashMap<u64, TxOut>,
}

impl SimChain {
    /// The funding output of each channel announced in `gossip` (messages with their type
    /// prefix, as [`Simulator::gossip`] gives them) that `sim` has as a public channel: its
    /// capacity in whole satoshis, to the P2WSH of the announcement's bitcoin keys.
    pub fn new<'a>(sim: &Simulator, gossip: impl IntoIterator<Item = &'a [u8]>) -> SimChain {
        let graph = sim.graph();
        let mut outputs = HashMap::new();
        for m in gossip {
            let Some(body) = m.strip_prefix(&CHANNEL_ANNOUNCEMENT) else { continue };
            let Some(ann) = ldk::read::<msgs::ChannelAnnouncement>(body) else { continue };
            let c = &ann.contents;
            let scid = ShortChannelId(c.short_channel_id);
            let Some(capacity) = graph.channel(scid).and_then(|ch| ch.capacity) else { continue };
            let (Ok(k1), Ok(k2)) = (c.bitcoin_key_1.as_pubkey(), c.bitcoin_key_2.as_pubkey())
            else {
                continue;
            };
            let script_pubkey = make_funding_redeemscript(&k1, &k2).to_p2wsh();
            let value = Amount::from_sat(capacity.0 / 1000);
            outputs.insert(scid.0, TxOut { value, script_pubkey });
        }
        SimChain { outputs }
    }

    /// How many funding outputs the chain holds.
    pub fn len(&self) -> usize {
        self.outputs.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    /// The capacity of `scid`'s channel: its funding output's value.
    pub fn capacity(&self, scid: ShortChannelId) -> Option<Msat> {
        self.outputs.get(&scid.0).map(|o| Msat(o.value.to_sat().saturating_mul(1000)))
    }

    /// The funding output of `scid`'s channel.
    pub fn output(&self, scid: ShortChannelId) -> Option<&TxOut> {
        self.outputs.get(&scid.0)
    }
}

impl UtxoLookup for SimChain {
    fn get_utxo(&self, chain_hash: &ChainHash, short_channel_id: u64) -> UtxoResult {
        if *chain_hash != ChainHash::using_genesis_block(bitcoin::Network::Bitcoin) {
            return UtxoResult::Sync(Err(UtxoLookupError::UnknownChain));
        }
        UtxoResult::Sync(
            self.outputs.get(&short_channel_id).cloned().ok_or(UtxoLookupError::UnknownTx),
        )
    }
}

/// What lnpay's graph made of the gossip and the chain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OurGossip {
    /// Channel announcements taken (signatures checked).
    pub announcements: usize,
    /// Announced channels whose capacity the chain gave.
    pub capacities: usize,
    /// Channel updates applied.
    pub updates: usize,
    /// Messages refused (an update whose `htlc_maximum_msat` exceeds the capacity among them).
    pub refused: usize,
}

/// lnpay's graph built as a node that validates announcements on chain builds it: the
/// channel announcements of `gossip` first, then each announced channel's capacity from its
/// funding output in `chain`, then every other message (a `channel_update` whose
/// `htlc_maximum_msat` exceeds the known capacity is then refused, as LDK refuses it).
pub fn graph_from_gossip_and_chain(
    gossip: &[Vec<u8>],
    chain: &SimChain,
) -> (GraphBuilder, OurGossip) {
    let is_announcement = |m: &&Vec<u8>| m.starts_with(&CHANNEL_ANNOUNCEMENT);
    let mut b = GraphBuilder::new();
    let announced = import_gossip(
        &mut b,
        OurChainHash::BITCOIN,
        gossip.iter().filter(is_announcement).map(Vec::as_slice),
    );
    let mut capacities = 0;
    for (&scid, out) in &chain.outputs {
        let capacity = Msat(out.value.to_sat().saturating_mul(1000));
        if b.set_capacity(ShortChannelId(scid), Some(capacity)).is_ok() {
            capacities += 1;
        }
    }
    let rest = import_gossip(
        &mut b,
        OurChainHash::BITCOIN,
        gossip.iter().filter(|m| !is_announcement(m)).map(Vec::as_slice),
    );
    let counts = OurGossip {
        announcements: announced.applied,
        capacities,
        updates: rest.applied,
        refused: announced.rejected.total() + rest.rejected.total(),
    };
    (b, counts)
}
