//! The two routers a node may pay with (lnpay's or LDK's), each timed, and the scorer each
//! reads; the LDK type aliases of a node.

use super::*;

/// LDK's graph as every node here keeps it.
pub type LdkGraph = NetworkGraph<Arc<NoLog>>;
/// lnpay's scorer over a node's graph.
pub type Knowledge = LnpayScorer<Arc<LdkGraph>, Arc<NoLog>>;
/// LDK's scorer over a node's graph.
pub type LdkScorer = ProbabilisticScorer<Arc<LdkGraph>, Arc<NoLog>>;
/// lnpay's router as a node here holds it.
pub type Lnpay = LnpayRouter<Arc<LdkGraph>, Arc<NoLog>, Arc<KeysManager>, Arc<RwLock<Knowledge>>>;
/// LDK's router as a node here holds it.
pub type Ldk = DefaultRouter<
    Arc<LdkGraph>,
    Arc<NoLog>,
    Arc<KeysManager>,
    Arc<RwLock<LdkScorer>>,
    ProbabilisticScoringFeeParameters,
    LdkScorer,
>;

/// Which router a node pays with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterKind {
    /// [`LnpayRouter`] with [`LnpayScorer`].
    Lnpay,
    /// LDK's `DefaultRouter` with `ProbabilisticScorer` (default parameters).
    Ldk,
}

/// A node's router: one of the two, timing every `find_route`.
pub struct AnyRouter {
    pub(super) inner: Routers,
    pub(super) times_us: Mutex<Vec<u64>>,
}

pub(super) enum Routers {
    Lnpay(Box<Lnpay>),
    Ldk(Box<Ldk>),
}

impl AnyRouter {
    /// How long each `find_route` took so far, in microseconds, in call order.
    pub fn route_times_us(&self) -> Vec<u64> {
        lock(&self.times_us).clone()
    }
}

impl Router for AnyRouter {
    fn find_route(
        &self,
        payer: &PublicKey,
        params: &RouteParameters,
        first_hops: Option<&[&ChannelDetails]>,
        inflight: InFlightHtlcs,
    ) -> Result<Route, &'static str> {
        let started = std::time::Instant::now();
        let route = match &self.inner {
            Routers::Lnpay(r) => r.find_route(payer, params, first_hops, inflight),
            Routers::Ldk(r) => r.find_route(payer, params, first_hops, inflight),
        };
        lock(&self.times_us).push(started.elapsed().as_micros() as u64);
        route
    }

    fn create_blinded_payment_paths<T: secp256k1::Signing + secp256k1::Verification>(
        &self,
        recipient: PublicKey,
        first_hops: Vec<ChannelDetails>,
        tlvs: ReceiveTlvs,
        amount_msats: Option<u64>,
        secp_ctx: &Secp256k1<T>,
    ) -> Result<Vec<BlindedPaymentPath>, ()> {
        match &self.inner {
            Routers::Lnpay(r) => {
                r.create_blinded_payment_paths(recipient, first_hops, tlvs, amount_msats, secp_ctx)
            }
            Routers::Ldk(r) => {
                r.create_blinded_payment_paths(recipient, first_hops, tlvs, amount_msats, secp_ctx)
            }
        }
    }
}

/// A node's scorer: the one its router reads.
#[derive(Clone)]
pub enum AnyScorer {
    /// lnpay's knowledge.
    Lnpay(Arc<RwLock<Knowledge>>),
    /// LDK's probabilistic scorer.
    Ldk(Arc<RwLock<LdkScorer>>),
}

impl AnyScorer {
    pub(super) fn with<R>(&self, f: impl FnOnce(&mut dyn ScoreUpdate) -> R) -> Option<R> {
        match self {
            AnyScorer::Lnpay(s) => s.write().ok().map(|mut g| f(&mut *g)),
            AnyScorer::Ldk(s) => s.write().ok().map(|mut g| f(&mut *g)),
        }
    }

    /// Feeds a payment event to the scorer as LDK's background processor does.
    pub fn update(&self, event: &Event, now: Duration) {
        match event {
            Event::PaymentPathFailed { path, short_channel_id: Some(scid), .. } => {
                self.with(|s| s.payment_path_failed(path, *scid, now));
            }
            // The payee answered: the path carried the amount all the way.
            Event::PaymentPathFailed { path, payment_failed_permanently: true, .. } => {
                self.with(|s| s.probe_successful(path, now));
            }
            Event::PaymentPathSuccessful { path, .. } => {
                self.with(|s| s.payment_path_successful(path, now));
            }
            Event::ProbeSuccessful { path, .. } => {
                self.with(|s| s.probe_successful(path, now));
            }
            Event::ProbeFailed { path, short_channel_id: Some(scid), .. } => {
                self.with(|s| s.probe_failed(path, *scid, now));
            }
            _ => {}
        }
    }
}

pub(super) type ChainMon = ChainMonitor<
    InMemorySigner,
    Arc<NoFilter>,
    Arc<Broadcast>,
    Arc<Fees>,
    Arc<NoLog>,
    Arc<NoPersist>,
    Arc<KeysManager>,
>;
pub(super) type MsgRouter = DefaultMessageRouter<Arc<LdkGraph>, Arc<NoLog>, Arc<KeysManager>>;
/// A node's `ChannelManager`.
pub type Manager = ChannelManager<
    Arc<ChainMon>,
    Arc<Broadcast>,
    Arc<KeysManager>,
    Arc<KeysManager>,
    Arc<KeysManager>,
    Arc<Fees>,
    Arc<AnyRouter>,
    Arc<MsgRouter>,
    Arc<NoLog>,
>;
pub(super) type Gossip = P2PGossipSync<Arc<LdkGraph>, Arc<ChainUtxos>, Arc<NoLog>>;
/// A node's `PeerManager`.
pub type Peers = PeerManager<
    Descriptor,
    Arc<Manager>,
    Arc<Gossip>,
    Arc<IgnoringMessageHandler>,
    Arc<NoLog>,
    Arc<IgnoringMessageHandler>,
    Arc<KeysManager>,
    Arc<IgnoringMessageHandler>,
>;

/// One LDK node.
pub struct Node {
    /// Its key.
    pub node_id: PublicKey,
    /// Its keys.
    pub keys: Arc<KeysManager>,
    /// Its view of the public graph, from gossip.
    pub graph: Arc<LdkGraph>,
    /// Its channel manager.
    pub manager: Arc<Manager>,
    /// Its chain monitor.
    pub chain_monitor: Arc<ChainMon>,
    /// Its peers.
    pub peers: Arc<Peers>,
    /// Its scorer.
    pub scorer: AnyScorer,
    /// Its router (the one its `ChannelManager` asks).
    pub router: Arc<AnyRouter>,
    pub(super) broadcast: Arc<Broadcast>,
    /// Payment events seen (sent, failed, path failed or successful), in order.
    pub events: Vec<Event>,
}
