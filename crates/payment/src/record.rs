//! What is persisted: one [`PartRecord`] per HTLC sent (Core Lightning's `payments` row, with
//! the per-hop shared secrets that decode a failure), and one [`PayRecord`] per `pay` command
//! so a restart can finish it.

use crate::requests::BlindedPayPath;
use serde::{Deserialize, Serialize};
use types::{Hop, Msat, NodeId, PaymentHash, PaymentPreimage, PaymentSecret, ShortChannelId};

/// A part's identity: Core Lightning's `UNIQUE(payment_hash, partid, groupid)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartKey {
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The part id (0 for a single-part payment).
    pub partid: u64,
    /// The group (one attempt of the whole payment).
    pub groupid: u64,
}

/// Where a part stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PartStatus {
    /// Sent, not resolved.
    Pending,
    /// Fulfilled: the preimage is known.
    Complete,
    /// Failed.
    Failed,
}

impl PartStatus {
    /// The `status` string of Core Lightning.
    pub fn as_str(self) -> &'static str {
        match self {
            PartStatus::Pending => "pending",
            PartStatus::Complete => "complete",
            PartStatus::Failed => "failed",
        }
    }
}

/// Why a part failed, as Core Lightning stores it (`failcode`, `failnode`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureRecord {
    /// The RPC error code (202, 203, 204).
    pub code: i64,
    /// The RPC error message.
    pub message: String,
    /// 0 = ourselves, `k` = the `k`-th node of the route.
    pub erring_index: Option<u32>,
    /// The node that reported.
    pub erring_node: Option<NodeId>,
    /// The channel blamed.
    pub erring_channel: Option<ShortChannelId>,
    /// Its direction.
    pub erring_direction: Option<u8>,
    /// The BOLT 4 failure code.
    pub failcode: Option<u16>,
    /// The decrypted failure message.
    pub raw_message: Option<Vec<u8>>,
    /// The undecodable return packet (202).
    pub onionreply: Option<Vec<u8>>,
}

/// One part (HTLC) of a payment: persisted before its onion leaves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartRecord {
    /// Creation order (`created_index`, also `id`).
    pub created_index: u64,
    /// Bumped on every change.
    pub updated_index: u64,
    /// The part's identity.
    pub key: PartKey,
    /// The payee (`None` for a self-payment).
    pub destination: Option<NodeId>,
    /// What the payee receives in this part.
    pub amount_msat: Msat,
    /// The total of the payment (`total_msat` in the onion).
    pub total_msat: Msat,
    /// What leaves our channel.
    pub amount_sent_msat: Msat,
    /// Seconds since the epoch.
    pub created_at: u64,
    /// Seconds since the epoch, once resolved.
    pub completed_at: Option<u64>,
    /// Where it stands.
    pub status: PartStatus,
    /// Known once complete.
    pub payment_preimage: Option<PaymentPreimage>,
    /// `label`.
    pub label: Option<String>,
    /// `bolt11`.
    pub bolt11: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// The payment secret sent.
    pub payment_secret: Option<PaymentSecret>,
    /// The route.
    pub route: Vec<Hop>,
    /// The secret shared with each hop, route order: decodes a failure after a restart.
    pub shared_secrets: Vec<[u8; 32]>,
    /// The HTLC's absolute expiry.
    pub cltv_expiry: u32,
    /// The `pay` that owns this part, if any.
    pub pay_id: Option<u64>,
    /// Why it failed.
    pub failure: Option<FailureRecord>,
    /// For a part of a BOLT 12 pay: the invoice path it went through (an index into
    /// [`BlindedPayRecord::paths`]). Absent in records written before BOLT 12 pays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blinded_tail: Option<u32>,
}

/// A `pay` command's parameters and state, enough to finish it after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayRecord {
    /// The pay's id.
    pub id: u64,
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The group its parts use.
    pub groupid: u64,
    /// The payee.
    pub destination: NodeId,
    /// The payee's final CLTV delta (before shadow padding).
    pub final_cltv: u32,
    /// For keysend: the preimage we chose, sent in the final payload.
    pub keysend_preimage: Option<PaymentPreimage>,
    /// The invoice (empty for keysend).
    pub bolt11: String,
    /// The amount to deliver (`partial_msat` when only part of the invoice is paid).
    pub amount_msat: Msat,
    /// For a `partial_msat` pay: the invoice's total, sent as `total_msat` so another payer
    /// can pay the rest (`None`: the total is `amount_msat`).
    #[serde(default)]
    pub total_msat: Option<Msat>,
    /// `riskfactor` in millionths (10 is 10_000_000), weighing CLTV delay in route choice.
    #[serde(default = "default_riskfactor_millionths")]
    pub riskfactor_millionths: u64,
    /// The fee budget.
    pub max_fee: Msat,
    /// The CLTV budget.
    pub max_delay: u32,
    /// The shadow CLTV padding added to the final CLTV.
    pub shadow_cltv: u32,
    /// Milliseconds since the epoch: started.
    pub created_at_ms: u64,
    /// Milliseconds since the epoch: no new part after this.
    pub deadline_ms: u64,
    /// Excluded directed channels (`scid/dir`) and nodes.
    pub exclude_channels: Vec<(ShortChannelId, u8)>,
    /// Excluded nodes.
    pub exclude_nodes: Vec<NodeId>,
    /// `label`.
    pub label: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// Parts started so far.
    pub attempts: u32,
    /// The next part id.
    pub next_partid: u64,
    /// Finished (succeeded or failed for good).
    pub done: bool,
    /// Named routing layers applied besides the learned one.
    #[serde(default)]
    pub layers: Vec<String>,
    /// Most parts in flight at once (`None`: the machine's [`crate::Config::max_parts`]);
    /// lowered when the payee fails a set for having too many parts.
    #[serde(default)]
    pub max_parts: Option<u32>,
    /// Parts with a lower id were sent before the last lowering of `max_parts`: a set they
    /// belong to was already learned from.
    #[serde(default)]
    pub max_parts_from_partid: u64,
    /// The fewest parts of a set the payee refused (0: none refused).
    #[serde(default)]
    pub parts_refused: u32,
    /// For a BOLT 12 pay (`Command::PayBlinded`): the invoice's blinded paths it pays
    /// through (`bolt11` holds the invoice's text). Absent in records written before BOLT 12
    /// pays were persisted: such a pay restores as before (it is not resumed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blinded: Option<BlindedPayRecord>,
}

/// The blinded side of a BOLT 12 pay, enough to route its parts again after a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlindedPayRecord {
    /// The paths with their payinfo, in the invoice's order (a part's
    /// [`PartRecord::blinded_tail`] indexes them).
    pub paths: Vec<BlindedPayPath>,
    /// Whether the invoice lets the payment be split.
    pub mpp: bool,
}

/// A [`types::blinded::BlindedPath`] in a record: its fields spelled out (keys in hex, the introduction node
/// a key or `scid/dir`), so any path the machine took reads back equal, even one without
/// hops that the `blinded_path` encoding cannot hold.
pub(crate) mod blinded_path {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use types::blinded::{BlindedHop, BlindedPath, IntroductionNode};
    use types::{NodeId, ShortChannelIdDir};

    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Introduction {
        NodeId(NodeId),
        Channel(ShortChannelIdDir),
    }

    #[derive(Serialize, Deserialize)]
    struct Hop {
        blinded_node_id: NodeId,
        encrypted_recipient_data: Vec<u8>,
    }

    #[derive(Serialize, Deserialize)]
    struct Path {
        introduction_node: Introduction,
        first_path_key: NodeId,
        hops: Vec<Hop>,
    }

    pub(crate) fn serialize<S: Serializer>(p: &BlindedPath, s: S) -> Result<S::Ok, S::Error> {
        let introduction_node = match p.introduction_node {
            IntroductionNode::NodeId(k) => Introduction::NodeId(NodeId::from_pubkey(&k)),
            IntroductionNode::Channel(c) => Introduction::Channel(c),
        };
        Path {
            introduction_node,
            first_path_key: NodeId::from_pubkey(&p.first_path_key),
            hops: p
                .hops
                .iter()
                .map(|h| Hop {
                    blinded_node_id: NodeId::from_pubkey(&h.blinded_node_id),
                    encrypted_recipient_data: h.encrypted_recipient_data.clone(),
                })
                .collect(),
        }
        .serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BlindedPath, D::Error> {
        let p = Path::deserialize(d)?;
        let key = |n: NodeId| n.to_pubkey().map_err(D::Error::custom);
        let introduction_node = match p.introduction_node {
            Introduction::NodeId(n) => IntroductionNode::NodeId(key(n)?),
            Introduction::Channel(c) => IntroductionNode::Channel(c),
        };
        let hops = p
            .hops
            .into_iter()
            .map(|h| {
                Ok(BlindedHop {
                    blinded_node_id: key(h.blinded_node_id)?,
                    encrypted_recipient_data: h.encrypted_recipient_data,
                })
            })
            .collect::<Result<_, D::Error>>()?;
        Ok(BlindedPath { introduction_node, first_path_key: key(p.first_path_key)?, hops })
    }
}

/// Core Lightning's default `riskfactor` (10) in millionths, for records written without one.
fn default_riskfactor_millionths() -> u64 {
    10_000_000
}

/// Anything the machine asks to persist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::large_enum_variant)] // a pay record is rare
pub enum Record {
    /// A part, keyed by [`PartKey`].
    Part(PartRecord),
    /// A pay, keyed by its id.
    Pay(PayRecord),
    /// A persistent askrene layer, keyed by its name (replacing the one held).
    Layer(route::layer::Layer),
    /// A persistent layer was removed.
    LayerRemoved(String),
    /// What was learned of one directed channel (the `xpay` layer), keyed by the channel;
    /// `None`: forgotten.
    Learned {
        /// The directed channel.
        channel: types::ShortChannelIdDir,
        /// What is known of it.
        learned: Option<route::knowledge::Learned>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_record_round_trips_through_json() {
        let r = PartRecord {
            created_index: 1,
            updated_index: 2,
            key: PartKey { payment_hash: PaymentHash([1; 32]), partid: 3, groupid: 4 },
            destination: None,
            amount_msat: Msat(1000),
            total_msat: Msat(3000),
            amount_sent_msat: Msat(1001),
            created_at: 5,
            completed_at: None,
            status: PartStatus::Pending,
            payment_preimage: None,
            label: Some("l".into()),
            bolt11: None,
            description: None,
            payment_secret: Some(PaymentSecret([2; 32])),
            route: vec![],
            shared_secrets: vec![[9; 32]],
            cltv_expiry: 800_000,
            pay_id: Some(1),
            failure: None,
            blinded_tail: None,
        };
        let rec = Record::Part(r);
        let s = serde_json::to_string(&rec).unwrap();
        assert_eq!(serde_json::from_str::<Record>(&s).unwrap(), rec);
    }

    #[test]
    fn layer_and_learned_records_round_trip_through_json() {
        let text = include_str!("../../../fuzz/corpus/payment_records/layers-learned");
        let recs: Vec<Record> = serde_json::from_str(text).unwrap();
        assert_eq!(recs.len(), 4);
        let Record::Layer(l) = &recs[0] else { panic!("not a layer: {:?}", recs[0]) };
        assert_eq!((l.name.as_str(), l.persistent, l.biases[0].bias), ("keep", true, -100));
        let s = serde_json::to_string(&recs).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Record>>(&s).unwrap(), recs);
    }

    #[test]
    fn a_pay_record_written_before_layers_and_part_caps_still_reads() {
        let old = r#"{"id":1,"payment_hash":"0101010101010101010101010101010101010101010101010101010101010101",
            "groupid":0,"destination":"02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "final_cltv":18,"keysend_preimage":null,"bolt11":"","amount_msat":1000,"max_fee":5000,
            "max_delay":2016,"shadow_cltv":0,"created_at_ms":1,"deadline_ms":2,
            "exclude_channels":[],"exclude_nodes":[],"label":null,"description":null,
            "attempts":0,"next_partid":1,"done":false}"#;
        let r: PayRecord = serde_json::from_str(old).unwrap();
        assert!(r.layers.is_empty());
        assert_eq!((r.max_parts, r.max_parts_from_partid, r.parts_refused), (None, 0, 0));
    }
}
