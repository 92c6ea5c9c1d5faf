//! What the payer sees of the network: the [`ChannelBackend`] it sends HTLCs through, their
//! resolutions, the invoices receivers issue, settlements and the event log.

use super::*;

/// An HTLC, by its simulator-wide number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HtlcId(pub u64);

/// Why the payer's own node refused to add an HTLC.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalFailure {
    /// No such channel.
    UnknownChannel {
        /// The channel asked for.
        scid: ShortChannelId,
    },
    /// The channel is not the sending node's.
    NotOurChannel {
        /// The channel asked for.
        scid: ShortChannelId,
    },
    /// The peer is offline.
    PeerOffline {
        /// The channel asked for.
        scid: ShortChannelId,
    },
    /// The balance above the reserve is short.
    InsufficientBalance {
        /// The channel asked for.
        scid: ShortChannelId,
        /// What could be sent.
        available: Msat,
        /// What was asked.
        amount: Msat,
    },
    /// The channel direction already has the maximum number of HTLCs.
    TooManyHtlcs {
        /// The channel asked for.
        scid: ShortChannelId,
    },
}

impl fmt::Display for LocalFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalFailure::UnknownChannel { scid } => write!(f, "unknown channel {scid}"),
            LocalFailure::NotOurChannel { scid } => write!(f, "channel {scid} is not ours"),
            LocalFailure::PeerOffline { scid } => write!(f, "peer of channel {scid} is offline"),
            LocalFailure::InsufficientBalance { scid, available, amount } => {
                write!(f, "channel {scid} can send {} msat, {} msat asked", available.0, amount.0)
            }
            LocalFailure::TooManyHtlcs { scid } => write!(f, "channel {scid} has no htlc slot"),
        }
    }
}

impl std::error::Error for LocalFailure {}

/// How an HTLC the payer sent ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Settled: the preimage.
    Fulfilled(PaymentPreimage),
    /// Failed with this encrypted failure packet (`update_fail_htlc.reason`).
    Failed(Vec<u8>),
    /// The first hop could not parse the onion (`update_fail_malformed_htlc`).
    Malformed {
        /// The BADONION failure code.
        failure_code: u16,
        /// SHA-256 of the onion the hop received.
        sha256_of_onion: [u8; 32],
    },
}

/// An HTLC resolution delivered to the payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtlcResolution {
    /// The HTLC.
    pub htlc: HtlcId,
    /// Simulated time of delivery.
    pub time_ms: u64,
    /// How it ended.
    pub resolution: Resolution,
}

/// What a payment state machine needs from the channels of its node, simulated or not.
pub trait ChannelBackend {
    /// Offers an HTLC on `first_hop`. The onion's associated data is the payment hash.
    fn send_htlc(
        &mut self,
        first_hop: ShortChannelId,
        amount: Msat,
        cltv_expiry: u32,
        payment_hash: PaymentHash,
        onion: OnionPacket,
    ) -> Result<HtlcId, LocalFailure>;

    /// The next resolution of an HTLC sent, if one has arrived.
    fn poll_resolution(&mut self) -> Option<HtlcResolution>;

    /// The current block height.
    fn block_height(&self) -> u32;
}

/// A payment a receiver settled: a complete multi-part set (or single part) for one of its
/// invoices, or one keysend HTLC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement {
    /// The receiver.
    pub payee: u32,
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// What the receiver got, summed over the parts.
    pub amount: Msat,
    /// How many HTLCs made up the payment.
    pub parts: u32,
    /// Simulated time of the settlement.
    pub time_ms: u64,
}

/// An invoice a simulated receiver issued (the fields BOLT 11 would carry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// The receiver.
    pub payee: NodeId,
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The payment secret.
    pub payment_secret: PaymentSecret,
    /// The amount asked, if any.
    pub amount: Option<Msat>,
    /// `min_final_cltv_expiry_delta`.
    pub min_final_cltv_delta: u32,
    /// One route hint per private channel of the payee: the hop into the payee.
    pub route_hints: Vec<RouteHintHop>,
    /// The same as a BOLT 11 invoice (mainnet `lnbc`), signed by the payee's key.
    pub bolt11: String,
}

/// One line of the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogEntry {
    /// Simulated time.
    pub time_ms: u64,
    /// The HTLC concerned.
    pub htlc: HtlcId,
    /// What happened.
    pub kind: LogKind,
}

/// What happened to an HTLC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogKind {
    /// Added on a channel by `node`.
    Added {
        /// The sender.
        node: u32,
        /// The channel.
        scid: ShortChannelId,
        /// The amount.
        amount: Msat,
    },
    /// Failed by the node that received it, with this code.
    Failed {
        /// The code.
        code: u16,
    },
    /// Failed as malformed.
    Malformed {
        /// The BADONION code.
        code: u16,
    },
    /// Failed back after a downstream failure (relayed).
    Relayed,
    /// Fulfilled.
    Fulfilled,
    /// Held by a holding node.
    Held,
    /// Timed out at a silent node.
    TimedOut,
}
