//! The speed comparisons, each timed one item at a time (ours then LDK's on the same input,
//! interleaved, so both see the same load) to give medians and 99th percentiles; the
//! criterion groups in `benches/speed.rs` give the headline figures on the same inputs.

use crate::data::{candidate_pairs, Rng};
use crate::ldk::{self, LdkGraph, NoLog, LOG};
use crate::stats::{SpeedRow, Timing};
use lightning::ln::channelmanager::RecipientOnionFields;
use lightning::ln::msgs;
use lightning::ln::onion_payment::peel_payment_onion;
use lightning::routing::router::{find_route, Path, PaymentParameters, RouteHop, RouteParameters};
use lightning::routing::scoring::{
    FixedPenaltyScorer, ProbabilisticScorer, ProbabilisticScoringDecayParameters,
    ProbabilisticScoringFeeParameters, ScoreLookUp,
};
use lightning::sign::{KeysManager, NodeSigner, Recipient};
use lightning::types::features::{Bolt11InvoiceFeatures, ChannelFeatures, NodeFeatures};
use lightning::types::payment::{PaymentHash, PaymentSecret};
use onion::packet::{self, OnionPacket};
use onion::payload::HopPayload;
use onion::payment::{build_payment_onion, FinalData};
use route::flow::{flow, FlowParams};
use route::getroute::{get_route_with, RouteRequest, Scratch};
use route::graph::{Graph, GraphBuilder, NodeIdx};
use route::knowledge::{Knowledge, KnowledgeConfig, KnowledgeSnapshot};
use secp256k1::{PublicKey, Secp256k1, SecretKey};
use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};
use types::{Hop, Msat, NodeId, ShortChannelId};

/// Seed of the single-path pairs.
pub const PAIRS_SEED: u64 = 0xbe7c;

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let v = black_box(f());
    (t.elapsed(), v)
}

/// One single-path query, for both routers.
pub struct RouteCase {
    /// Ours.
    pub req: RouteRequest,
    /// The payer, for LDK.
    pub payer: PublicKey,
    /// LDK's, one path, no fee limit, the same CLTV limit.
    pub params: RouteParameters,
}

/// The goal-directed `getroute`'s landmarks for every amount class of
/// [`crate::data::ROUTE_AMOUNTS`], computed once on the graph (what the first route of each
/// class pays), with the resident memory they add (also returned, in bytes, where it can be
/// read). Ours only: LDK keeps no such index.
pub fn landmarks_row(g: &Graph, label: &str) -> (SpeedRow, Option<u64>) {
    let before = crate::data::resident_bytes();
    let (t, ()) = timed(|| {
        for a in crate::data::ROUTE_AMOUNTS {
            black_box(g.landmarks(a));
        }
    });
    let growth = crate::data::resident_growth(before);
    let grown = growth.map_or("unknown".into(), |b| format!("{:.1} MB", b as f64 / 1e6));
    let row = SpeedRow {
        name: format!("{label}landmarks of getroute's goal-directed search"),
        ours: Timing::of(vec![t]),
        ldk: None,
        fee_share: None,
        note: format!(
            "{} amount classes × {} landmarks, once per graph; resident memory +{grown}",
            crate::data::ROUTE_AMOUNTS.len(),
            route::graph::landmarks::LANDMARKS
        ),
    };
    (row, growth)
}

/// `n` random pairs (with amounts from [`crate::data::ROUTE_AMOUNTS`]) that our `getroute`
/// can route, with fuzz off.
pub fn route_cases(g: &Graph, n: usize, seed: u64) -> Vec<RouteCase> {
    let mut scratch = Scratch::new();
    let mut out = Vec::with_capacity(n);
    for (s, d, amount) in candidate_pairs(g, n * 3, seed) {
        if out.len() == n {
            break;
        }
        let (Some(src), Some(dst)) = (g.node_id(s), g.node_id(d)) else { continue };
        let (Ok(payer), Ok(payee)) = (src.to_pubkey(), dst.to_pubkey()) else { continue };
        let mut req = RouteRequest::new(*src, *dst, Msat(amount), 0);
        req.fuzz_percent = 0.0;
        if get_route_with(g, &req, &mut scratch).is_err() {
            continue;
        }
        let mut pp = PaymentParameters::from_node_id(payee, req.final_cltv);
        pp.max_channel_saturation_power_of_half = 0;
        pp.max_total_cltv_expiry_delta = req.max_total_cltv;
        pp.max_path_count = 1;
        let mut params = RouteParameters::from_payment_params_and_value(pp, amount);
        params.max_total_routing_fee_msat = None;
        out.push(RouteCase { req, payer, params });
    }
    out
}

/// Times every case with ours and with LDK's `find_route` under `scorer`, and compares fees.
pub fn single_path<S: ScoreLookUp>(
    name: &str,
    g: &Graph,
    net: &LdkGraph,
    cases: &[RouteCase],
    scorer: &S,
    score_params: &S::ScoreParams,
) -> SpeedRow {
    let mut scratch = Scratch::new();
    for case in cases.iter().take(50) {
        black_box(get_route_with(g, &case.req, &mut scratch).ok());
    }
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut ldk_none, mut compared, mut cheaper_or_equal) = (0usize, 0usize, 0usize);
    for case in cases {
        let (t, r) = timed(|| get_route_with(g, &case.req, &mut scratch));
        ours.push(t);
        let (t, l) = timed(|| {
            find_route(&case.payer, &case.params, net, None, &LOG, scorer, score_params, &[7; 32])
        });
        theirs.push(t);
        match (r, l) {
            (Ok(r), Ok(l)) => {
                compared += 1;
                cheaper_or_equal += usize::from(r.fee().msat() <= ldk::route_fee(&l));
            }
            (_, Err(_)) => ldk_none += 1,
            _ => {}
        }
    }
    let share = if compared == 0 { 0.0 } else { cheaper_or_equal as f64 / compared as f64 };
    SpeedRow {
        name: name.to_owned(),
        ours: Timing::of(ours),
        ldk: Some(Timing::of(theirs)),
        fee_share: Some((cheaper_or_equal, compared)),
        note: format!(
            "{} pairs; our fee ≤ LDK's on {cheaper_or_equal}/{compared} ({:.1} %); LDK found no \
             route for {ldk_none}",
            cases.len(),
            share * 100.0
        ),
    }
}

/// The zero-penalty scorer (fees only, like `getroute`).
pub fn zero_scorer() -> FixedPenaltyScorer {
    FixedPenaltyScorer::with_penalty(0)
}

/// LDK's probabilistic scorer with default parameters, nothing learned.
pub fn probabilistic_scorer(net: &LdkGraph) -> ProbabilisticScorer<&LdkGraph, &'static NoLog> {
    ProbabilisticScorer::new(ProbabilisticScoringDecayParameters::default(), net, &LOG)
}

/// Building a routable graph from the same channels in memory: ours (`GraphBuilder` +
/// `build`) against LDK (`NetworkGraph` from partial announcements and unsigned updates),
/// `rounds` times each, alternating.
pub fn graph_build(g: &Graph, rounds: usize) -> SpeedRow {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (t, _) = timed(|| {
            let mut b = GraphBuilder::new();
            for c in g.channels() {
                let (Some(a), Some(z)) = (g.node_id(c.node1), g.node_id(c.node2)) else {
                    continue;
                };
                b.add_channel(c.scid, *a, *z, c.capacity);
                for e in c.edges.iter().flatten() {
                    if let (Some(edge), Some(p)) = (g.edge(*e), g.edge_policy(*e)) {
                        let _ = b.update_direction(c.scid, edge.direction, p);
                    }
                }
            }
            b.build()
        });
        ours.push(t);
        let (t, _) = timed(|| ldk::network_graph_from(g));
        theirs.push(t);
    }
    SpeedRow {
        name: "graph build from channels in memory".into(),
        ours: Timing::of(ours),
        ldk: Some(Timing::of(theirs)),
        fee_share: None,
        note: format!(
            "{} channels, {rounds} rounds; LDK has no listchannels reader, so the file load is \
             ours alone (next row)",
            g.channel_count()
        ),
    }
}

/// A graph ready from the snapshot a node keeps of it: ours (`route::graph::snapshot::read`)
/// against LDK reading its own persisted `NetworkGraph` of the same channels, `rounds` times
/// each, alternating, from bytes in memory. Both were written before the clock starts.
pub fn snapshot_load(g: &Graph, rounds: usize) -> SpeedRow {
    use lightning::util::ser::{ReadableArgs, Writeable};
    let ours_bytes = route::graph::snapshot::write(g);
    let ldk_bytes = ldk::network_graph_from(g).encode();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let (t, read) = timed(|| route::graph::snapshot::read(&ours_bytes));
        if read.map_or(true, |r| r.edge_count() != g.edge_count()) {
            break;
        }
        ours.push(t);
        let (t, read) = timed(|| ldk::LdkGraph::read(&mut &ldk_bytes[..], &ldk::LOG));
        if read.is_err() {
            break;
        }
        theirs.push(t);
    }
    SpeedRow {
        name: "graph ready from a saved snapshot".into(),
        ours: Timing::of(ours),
        ldk: Some(Timing::of(theirs)),
        fee_share: None,
        note: format!(
            "{} channels, {rounds} rounds; ours {:.1} MB, LDK's serialized NetworkGraph {:.1} MB",
            g.channel_count(),
            ours_bytes.len() as f64 / 1e6,
            ldk_bytes.len() as f64 / 1e6
        ),
    }
}

/// Our whole `listchannels` load (open, gunzip, parse, build), `rounds` times.
pub fn file_load(path: &std::path::Path, rounds: usize) -> SpeedRow {
    let mut ours = Vec::new();
    for _ in 0..rounds {
        let (t, g) = timed(|| crate::data::load_graph(path));
        if g.is_err() {
            break;
        }
        ours.push(t);
    }
    SpeedRow {
        name: "graph load from listchannels file".into(),
        ours: Timing::of(ours),
        ldk: None,
        fee_share: None,
        note: format!("{}, {rounds} rounds", path.display()),
    }
}

/// One multi-part query, for both routers.
pub struct MppCase {
    /// Ours.
    pub ours: FlowParams,
    /// The payer, for LDK.
    pub payer: PublicKey,
    /// LDK's: MPP allowed by the invoice features, our fee limit.
    pub ldk: RouteParameters,
}

fn ldk_mpp_params(p: &FlowParams) -> Option<RouteParameters> {
    let mut features = Bolt11InvoiceFeatures::empty();
    features.set_variable_length_onion_required();
    features.set_payment_secret_required();
    features.set_basic_mpp_optional();
    let pp = PaymentParameters::from_node_id(p.destination.to_pubkey().ok()?, p.final_cltv)
        .with_bolt11_features(features)
        .ok()?;
    let mut rp = RouteParameters::from_payment_params_and_value(pp, p.amount.msat());
    rp.max_total_routing_fee_msat = Some(p.max_fee.msat());
    Some(rp)
}

fn hubs(g: &Graph) -> Vec<NodeIdx> {
    (0..g.node_count() as u32)
        .map(NodeIdx)
        .filter(|&n| {
            g.outgoing(n).iter().filter(|&&e| g.edge(e).is_some_and(|e| e.enabled)).count() >= 4
                && g.incoming(n).iter().filter(|e| e.enabled).count() >= 4
        })
        .collect()
}

/// Up to `n` pairs of well-connected nodes that both routers can route `amount` between.
pub fn mpp_cases<S: ScoreLookUp>(
    g: &Graph,
    snap: &KnowledgeSnapshot,
    net: &LdkGraph,
    scorer: &S,
    score_params: &S::ScoreParams,
    amount: Msat,
    n: usize,
) -> Vec<MppCase> {
    let hubs = hubs(g);
    let mut rng = Rng(0x4d50_5031);
    let mut out = Vec::new();
    let mut tried = 0;
    while out.len() < n && tried < n * 20 && !hubs.is_empty() {
        tried += 1;
        let (s, d) = (hubs[rng.below(hubs.len())], hubs[rng.below(hubs.len())]);
        let (Some(src), Some(dst)) = (g.node_id(s), g.node_id(d)) else { continue };
        if s == d {
            continue;
        }
        let ours = FlowParams::new(*src, *dst, amount);
        let (Ok(payer), Some(ldk)) = (src.to_pubkey(), ldk_mpp_params(&ours)) else { continue };
        if flow(g, snap, &ours).is_err()
            || find_route(&payer, &ldk, net, None, &LOG, scorer, score_params, &[7; 32]).is_err()
        {
            continue;
        }
        out.push(MppCase { ours, payer, ldk });
    }
    out
}

/// Times our min-cost flow against LDK's `find_route` (MPP, probabilistic scorer) per case.
pub fn mpp<S: ScoreLookUp>(
    g: &Graph,
    snap: &KnowledgeSnapshot,
    net: &LdkGraph,
    scorer: &S,
    score_params: &S::ScoreParams,
    cases: &[MppCase],
) -> SpeedRow {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut parts_ours, mut parts_ldk, mut fee_ours, mut fee_ldk) = (0, 0, 0u64, 0u64);
    for case in cases {
        let (t, f) = timed(|| flow(g, snap, &case.ours));
        ours.push(t);
        let (t, r) = timed(|| {
            find_route(&case.payer, &case.ldk, net, None, &LOG, scorer, score_params, &[7; 32])
        });
        theirs.push(t);
        if let (Ok(f), Ok(r)) = (f, r) {
            parts_ours += f.parts.len();
            parts_ldk += r.paths.len();
            fee_ours += f.fee.msat();
            fee_ldk += ldk::route_fee(&r);
        }
    }
    let n = cases.len().max(1) as f64;
    SpeedRow {
        name: format!("MPP {} sat", cases.first().map_or(0, |c| c.ours.amount.msat() / 1000)),
        ours: Timing::of(ours),
        ldk: Some(Timing::of(theirs)),
        fee_share: None,
        note: format!(
            "{} hub pairs, LDK with ProbabilisticScorer; parts/payment ours {:.2} LDK {:.2}; \
             fee/payment ours {:.0} sat LDK {:.0} sat",
            cases.len(),
            parts_ours as f64 / n,
            parts_ldk as f64 / n,
            fee_ours as f64 / n / 1000.0,
            fee_ldk as f64 / n / 1000.0
        ),
    }
}

/// A fresh knowledge snapshot of `g` (nothing learned).
pub fn fresh_snapshot(g: &Graph) -> KnowledgeSnapshot {
    Knowledge::new(KnowledgeConfig::default()).snapshot(g, 0)
}

/// Hops of the onion benches.
pub const ONION_HOPS: usize = 20;
const CUR_HEIGHT: u32 = 800_000;
const AMOUNT: u64 = 1_000_000;
const DELTA: u32 = 48;
const FEE: u64 = 1_000;

/// A 20-hop route as both libraries see it: node keys (LDK `KeysManager`s, so LDK can peel),
/// our payloads and LDK's `Path` with the same amounts and CLTVs.
pub struct OnionCase {
    /// One key manager per hop.
    pub keys: Vec<KeysManager>,
    /// The hops' node ids.
    pub nodes: Vec<PublicKey>,
    /// The session key.
    pub session_key: SecretKey,
    /// The payment hash (the onion's associated data).
    pub payment_hash: [u8; 32],
    /// LDK's path.
    pub path: Path,
    /// LDK's recipient fields (the payment secret).
    pub recipient: RecipientOnionFields,
}

/// The fixed session key 0x41…41 (a valid scalar).
#[allow(clippy::expect_used)]
fn session_key() -> SecretKey {
    SecretKey::from_slice(&[0x41; 32]).expect("0x41 repeated is below the curve order")
}

impl OnionCase {
    /// The fixed 20-hop case.
    pub fn new() -> OnionCase {
        let keys: Vec<KeysManager> =
            (0..ONION_HOPS).map(|i| KeysManager::new(&[i as u8 + 1; 32], 1, 0, true)).collect();
        let nodes: Vec<PublicKey> =
            keys.iter().filter_map(|k| k.get_node_id(Recipient::Node).ok()).collect();
        let last = nodes.len().saturating_sub(1);
        let path = Path {
            hops: nodes
                .iter()
                .enumerate()
                .map(|(i, node)| RouteHop {
                    pubkey: *node,
                    node_features: NodeFeatures::empty(),
                    short_channel_id: i as u64 + 1,
                    channel_features: ChannelFeatures::empty(),
                    fee_msat: if i == last { AMOUNT } else { FEE },
                    cltv_expiry_delta: DELTA,
                    maybe_announced_channel: true,
                })
                .collect(),
            blinded_tail: None,
        };
        OnionCase {
            keys,
            nodes,
            session_key: session_key(),
            payment_hash: [0x42; 32],
            path,
            recipient: RecipientOnionFields::secret_only(PaymentSecret([7; 32])),
        }
    }

    /// Our path for the same route: hop `j` receives what the hop before it was told to
    /// forward (one fee per hop after it, the payee's included) at one CLTV delta per hop
    /// after it plus the final one, over LDK's channel `j + 1`.
    pub fn our_hops(&self) -> Vec<Hop> {
        let last = self.nodes.len().saturating_sub(1);
        self.nodes
            .iter()
            .enumerate()
            .map(|(j, node)| {
                let after = (last - j) as u64 + 1;
                Hop {
                    id: NodeId::from_pubkey(node),
                    channel: ShortChannelId(j as u64 + 1),
                    direction: 0,
                    amount: Msat(AMOUNT + FEE * after),
                    delay: DELTA * (after as u32 + 1),
                }
            })
            .collect()
    }

    /// Ours: the onion of [`OnionCase::our_hops`], paying their last amount with a payment
    /// secret.
    pub fn build_ours(&self) -> Option<OnionPacket> {
        let hops = self.our_hops();
        let final_data = FinalData {
            payment_secret: Some(types::PaymentSecret([7; 32])),
            total_msat: types::path::received(&hops),
            ..FinalData::default()
        };
        let hash = types::PaymentHash(self.payment_hash);
        build_payment_onion(&self.session_key, &hops, CUR_HEIGHT, &final_data, &hash)
            .ok()
            .map(|(p, _)| p)
    }

    /// LDK's `create_payment_onion` on the same path.
    pub fn build_ldk<C: secp256k1::Signing>(
        &self,
        secp: &Secp256k1<C>,
    ) -> Option<msgs::OnionPacket> {
        lightning::ln::create_payment_onion(
            secp,
            &self.path,
            &self.session_key,
            AMOUNT,
            &self.recipient,
            CUR_HEIGHT,
            &PaymentHash(self.payment_hash),
            &None,
            None,
            [0x43; 32],
        )
        .ok()
        .map(|(p, _, _)| p)
    }

    /// The `update_add_htlc` the first hop receives with `onion`, for LDK's peel.
    pub fn update_add(&self, onion: &OnionPacket) -> msgs::UpdateAddHTLC {
        msgs::UpdateAddHTLC {
            channel_id: lightning::ln::types::ChannelId([0; 32]),
            htlc_id: 0,
            amount_msat: AMOUNT + FEE * ONION_HOPS as u64,
            payment_hash: PaymentHash(self.payment_hash),
            cltv_expiry: CUR_HEIGHT + DELTA * (ONION_HOPS as u32 + 1),
            skimmed_fee_msat: None,
            onion_routing_packet: msgs::OnionPacket {
                version: 0,
                public_key: PublicKey::from_slice(&onion.public_key),
                hop_data: *onion.hop_payloads,
                hmac: onion.hmac,
            },
            blinding_point: None,
            hold_htlc: None,
        }
    }

    /// Ours: peel the first hop and parse its payload.
    pub fn peel_ours(&self, onion: &OnionPacket) -> bool {
        let Some(k) = self.keys.first() else { return false };
        let secret = k.get_node_secret_key();
        packet::peel(&secret, onion, &self.payment_hash)
            .ok()
            .is_some_and(|p| HopPayload::decode(&p.payload, p.next.is_none()).is_ok())
    }

    /// LDK's `peel_payment_onion` at the first hop.
    pub fn peel_ldk<C: secp256k1::Verification>(
        &self,
        secp: &Secp256k1<C>,
        add: &msgs::UpdateAddHTLC,
    ) -> bool {
        let Some(k) = self.keys.first() else { return false };
        peel_payment_onion(add, k, &LOG, secp, CUR_HEIGHT, false).is_ok()
    }
}

impl Default for OnionCase {
    fn default() -> Self {
        OnionCase::new()
    }
}

/// Build and peel, `rounds` times each, alternating ours and LDK's.
pub fn onion(case: &OnionCase, rounds: usize) -> [SpeedRow; 2] {
    let secp = Secp256k1::new();
    let (mut bo, mut bl, mut po, mut pl) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let built = case.build_ours();
    let add = built.as_ref().map(|o| case.update_add(o));
    let (mut ok_ours, mut ok_ldk) = (0, 0);
    for _ in 0..rounds {
        bo.push(timed(|| case.build_ours()).0);
        bl.push(timed(|| case.build_ldk(&secp)).0);
        if let (Some(o), Some(add)) = (&built, &add) {
            let (t, ok) = timed(|| case.peel_ours(o));
            po.push(t);
            ok_ours += usize::from(ok);
            let (t, ok) = timed(|| case.peel_ldk(&secp, add));
            pl.push(t);
            ok_ldk += usize::from(ok);
        }
    }
    [
        SpeedRow {
            name: format!("onion build, {ONION_HOPS} hops"),
            ours: Timing::of(bo),
            ldk: Some(Timing::of(bl)),
            fee_share: None,
            note: format!("{rounds} rounds; payload encoding included on both sides"),
        },
        SpeedRow {
            name: "onion peel, one hop".into(),
            ours: Timing::of(po),
            ldk: Some(Timing::of(pl)),
            fee_share: None,
            note: format!(
                "{rounds} rounds of our 20-hop onion at its first hop, payload parsed; peeled \
                 ours {ok_ours}, LDK {ok_ldk}"
            ),
        },
    ]
}

/// The valid BOLT 11 examples of `../shared/vectors/bolt11-examples.json`.
pub const BOLT11_VECTORS: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/bolt11-examples.json");

/// Reads the valid invoices of [`BOLT11_VECTORS`].
pub fn bolt11_examples() -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(BOLT11_VECTORS)
        .map_err(|e| format!("cannot read the BOLT 11 examples at {BOLT11_VECTORS}: {e}"))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{BOLT11_VECTORS}: {e}"))?;
    Ok(v["valid"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["invoice"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default())
}

/// Ours: decode, verify and know the payee.
pub fn decode_ours(s: &str) -> bool {
    bolt11::Invoice::from_str(s).is_ok_and(|i| {
        black_box(i.payee_pubkey());
        true
    })
}

/// lightning-invoice: decode (signature checked) and the payee (recovered when `n` is absent).
pub fn decode_ldk(s: &str) -> bool {
    lightning_invoice::Bolt11Invoice::from_str(s).is_ok_and(|i| {
        black_box(i.get_payee_pub_key());
        true
    })
}

/// Decoding every example, per invoice, `rounds` times, alternating.
pub fn bolt11_decode(list: &[String], rounds: usize) -> SpeedRow {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let (mut ok_ours, mut ok_ldk) = (0, 0);
    for _ in 0..rounds {
        for s in list {
            let (t, ok) = timed(|| decode_ours(s));
            ours.push(t);
            ok_ours += usize::from(ok);
            let (t, ok) = timed(|| decode_ldk(s));
            theirs.push(t);
            ok_ldk += usize::from(ok);
        }
    }
    SpeedRow {
        name: "BOLT 11 decode, per invoice".into(),
        ours: Timing::of(ours),
        ldk: Some(Timing::of(theirs)),
        fee_share: None,
        note: format!(
            "{} spec examples × {rounds} rounds, signature and payee included; decoded ours \
             {ok_ours}, LDK {ok_ldk}",
            list.len()
        ),
    }
}

/// The graph `copies` times mainnet ([`crate::data::scaled`]): built in memory (ours; LDK's
/// `NetworkGraph` of the same channels beside it), made ready from our snapshot, then single
/// paths on `pairs` reachable pairs and `mpp_pairs` multi-part payments of 1M sat, ours beside
/// LDK's. The resident memory our graph added is in the first row's note; returned too, in
/// bytes, with what its landmarks added (where the resident size can be read).
pub fn scaled_rows(
    g: &Graph,
    copies: u32,
    pairs: usize,
    mpp_pairs: usize,
) -> (Vec<SpeedRow>, Option<u64>) {
    let label = format!("{copies}× mainnet");
    let before = crate::data::resident_bytes();
    let (t_build, scaled) = timed(|| crate::data::scaled(g, copies, 0x10c0_91e5));
    let big = scaled.graph;
    let growth = crate::data::resident_growth(before);
    let grown = growth.map_or("unknown".into(), |b| format!("{:.0} MB", b as f64 / 1e6));
    let (t_ldk, net) = timed(|| ldk::network_graph_from(&big));
    let mut rows = vec![SpeedRow {
        name: format!("{label}: graph build in memory"),
        ours: Timing::of(vec![t_build]),
        ldk: Some(Timing::of(vec![t_ldk])),
        fee_share: None,
        note: format!(
            "{} nodes, {} channels ({} crossing copies); ours: copies and key tweaks included, \
             resident memory +{grown}; LDK: its NetworkGraph of the same channels",
            big.node_count(),
            big.channel_count(),
            scaled.crossing
        ),
    }];
    let (row, landmarks) = landmarks_row(&big, &format!("{label}: "));
    rows.push(row);
    let resident = growth.zip(landmarks).map(|(a, b)| a + b);
    let bytes = route::graph::snapshot::write(&big);
    let mut ready = Vec::new();
    for _ in 0..3 {
        let (t, r) = timed(|| route::graph::snapshot::read(&bytes));
        if r.is_err() {
            break;
        }
        ready.push(t);
    }
    rows.push(SpeedRow {
        name: format!("{label}: graph ready from a saved snapshot"),
        ours: Timing::of(ready),
        ldk: None,
        fee_share: None,
        note: format!("{:.1} MB snapshot, 3 rounds", bytes.len() as f64 / 1e6),
    });
    let cases = route_cases(&big, pairs, PAIRS_SEED);
    rows.push(single_path(
        &format!("{label}: single path, LDK zero-penalty scorer"),
        &big,
        &net,
        &cases,
        &zero_scorer(),
        &(),
    ));
    let snap = fresh_snapshot(&big);
    let prob = probabilistic_scorer(&net);
    let prob_params = ProbabilisticScoringFeeParameters::default();
    let mpp_cases =
        mpp_cases(&big, &snap, &net, &prob, &prob_params, Msat(1_000_000_000), mpp_pairs);
    if !mpp_cases.is_empty() {
        let mut row = mpp(&big, &snap, &net, &prob, &prob_params, &mpp_cases);
        row.name = format!("{label}: {}", row.name);
        rows.push(row);
    }
    (rows, resident)
}
