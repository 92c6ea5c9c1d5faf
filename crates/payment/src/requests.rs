//! The commands the machine takes, one typed request per Core Lightning method.

use crate::record::PartStatus;
use bolt11::Invoice;
use route::layer::{BiasSide, CreatedChannel, Inform, PolicyPatch, ReserveHop};
use types::{Msat, NodeId, PaymentHash, PaymentSecret, ShortChannelIdDir};

/// `sendpay`'s parameters.
///
/// The amount rule: without `partid`, the route's final amount may equal `amount_msat` or
/// exceed it up to twice it (an overpayment, which BOLT 4 lets the payee accept; the onion's
/// `total_msat` is `amount_msat`); more than twice, or less, is refused (see [`crate::SendpayError`]). With a
/// `partid` (a part of a multi-part payment) `amount_msat` is required and the final amount
/// may not exceed it; the parts in flight together may not reach it before another is added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SendpayRequest {
    /// The route (empty: self-payment).
    pub route: Vec<types::Hop>,
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// `label`.
    pub label: Option<String>,
    /// `amount_msat`: the total of the payment (see the amount rule above).
    pub amount_msat: Option<Msat>,
    /// `bolt11`.
    pub bolt11: Option<String>,
    /// `payment_secret`.
    pub payment_secret: Option<PaymentSecret>,
    /// `partid` (default 0).
    pub partid: Option<u64>,
    /// `groupid`.
    pub groupid: Option<u64>,
    /// `payment_metadata`.
    pub payment_metadata: Option<Vec<u8>>,
    /// `description`.
    pub description: Option<String>,
}

/// `waitsendpay`'s parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitsendpayRequest {
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// Seconds to wait (`None`: forever, 0: poll).
    pub timeout: Option<u32>,
    /// The part (default 0).
    pub partid: Option<u64>,
    /// The group (default the latest).
    pub groupid: Option<u64>,
}

/// `listsendpays` / `listpays` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRequest {
    /// A hash to list (a caller holding an invoice passes its payment hash).
    pub payment_hash: Option<PaymentHash>,
    /// Only parts in this status.
    pub status: Option<PartStatus>,
    /// Order and page by this index.
    pub index: Option<ListIndex>,
    /// The first index value listed (needs `index`).
    pub start: Option<u64>,
    /// The most parts listed (needs `index`).
    pub limit: Option<u32>,
}

/// Which index `listsendpays` pages by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListIndex {
    /// `created_index`.
    Created,
    /// `updated_index`.
    Updated,
}

/// `delpay`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelpayRequest {
    /// The payment hash.
    pub payment_hash: PaymentHash,
    /// The status the parts must have (`complete` or `failed`).
    pub status: PartStatus,
    /// Only this part.
    pub partid: Option<u64>,
    /// Only this group.
    pub groupid: Option<u64>,
}

/// Something `pay` must not route through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// A directed channel.
    Channel(ShortChannelIdDir),
    /// A node.
    Node(NodeId),
}

/// `pay`'s parameters: the verified invoice, its text (kept in the records and listings) and
/// the options.
#[derive(Debug, Clone, PartialEq)]
pub struct PayRequest {
    /// The invoice, decoded and verified by the caller.
    pub invoice: Box<Invoice>,
    /// The invoice as the caller gave it, for the records and listings.
    pub bolt11: String,
    /// How to pay it.
    pub options: PayOptions,
}

impl PayRequest {
    /// A pay of `invoice` (whose text is `bolt11`) with the default options.
    pub fn new(invoice: Invoice, bolt11: impl Into<String>) -> PayRequest {
        PayRequest {
            invoice: Box::new(invoice),
            bolt11: bolt11.into(),
            options: PayOptions::default(),
        }
    }
}

/// `pay`'s options (Core Lightning's parameters after `bolt11`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PayOptions {
    /// Only for an invoice without amount.
    pub amount_msat: Option<Msat>,
    /// `label`.
    pub label: Option<String>,
    /// `maxfeepercent` (default 0.5).
    pub maxfeepercent: Option<f64>,
    /// `retry_for` seconds (default 60).
    pub retry_for: Option<u64>,
    /// `maxdelay` blocks (default 2016).
    pub maxdelay: Option<u32>,
    /// `exemptfee` (default 5000 msat).
    pub exemptfee: Option<Msat>,
    /// `exclude`.
    pub exclude: Vec<Exclusion>,
    /// `maxfee` (exclusive with maxfeepercent and exemptfee).
    pub maxfee: Option<Msat>,
    /// `description` (for an invoice with a description hash).
    pub description: Option<String>,
    /// `riskfactor` in millionths (default 10,000,000, Core Lightning's 10): each hop's CLTV
    /// delta costs `amount * cltv_delta * riskfactor / 5,259,600` msat in the route choice.
    pub riskfactor_millionths: Option<u64>,
    /// `partial_msat`: pay only this much of the invoice's amount (at most all of it; not for
    /// self-payment). The parts carry the invoice's amount as `total_msat`, so another payer
    /// can pay the rest; the payee holds them until the whole total has arrived.
    pub partial_msat: Option<Msat>,
    /// Named routing layers (Core Lightning's askrene layers) applied besides the learned
    /// one; carried in the pay's record.
    pub layers: Vec<String>,
    /// Most parts of this payment in flight at once (default [`crate::Config::max_parts`],
    /// 16); never exceeded, and lowered when the payee refuses a set for having too many.
    pub max_parts: Option<u32>,
}

/// `keysend`'s parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct KeysendRequest {
    /// The payee.
    pub destination: NodeId,
    /// What it receives.
    pub amount_msat: Msat,
    /// `label`.
    pub label: Option<String>,
    /// `maxfeepercent` (default 0.5).
    pub maxfeepercent: Option<f64>,
    /// `retry_for` seconds (default 60).
    pub retry_for: Option<u64>,
    /// `maxdelay` blocks (default 2016).
    pub maxdelay: Option<u32>,
    /// `exemptfee` (default 5000 msat).
    pub exemptfee: Option<Msat>,
    /// `maxfee`.
    pub maxfee: Option<Msat>,
}

/// `xpay`'s parameters: the verified invoice, its text and the options (Core Lightning's
/// `xpay`: an absolute `maxfee`, by default 1 % or 5,000 msat, whichever is greater).
#[derive(Debug, Clone, PartialEq)]
pub struct XpayRequest {
    /// The invoice, decoded and verified by the caller.
    pub invoice: Box<Invoice>,
    /// The invoice as the caller gave it (`invstring`), for the records and listings.
    pub invstring: String,
    /// Only for an invoice without amount.
    pub amount_msat: Option<Msat>,
    /// The most paid in fees (default 1 % of the amount, at least 5,000 msat).
    pub maxfee: Option<Msat>,
    /// Named routing layers applied besides the learned one.
    pub layers: Vec<String>,
    /// `retry_for` seconds (default 60).
    pub retry_for: Option<u64>,
    /// Pay only this much of the invoice's amount (another payer pays the rest).
    pub partial_msat: Option<Msat>,
    /// `maxdelay` blocks (default 2016).
    pub maxdelay: Option<u32>,
    /// `payer_note`: a note to the payee of an offer (refused for a BOLT 11 invoice).
    pub payer_note: Option<String>,
    /// `label`.
    pub label: Option<String>,
    /// Most parts in flight at once (see [`PayOptions::max_parts`]).
    pub max_parts: Option<u32>,
}

impl XpayRequest {
    /// An `xpay` of `invoice` (whose text is `invstring`) with the default options.
    pub fn new(invoice: Invoice, invstring: impl Into<String>) -> XpayRequest {
        XpayRequest {
            invoice: Box::new(invoice),
            invstring: invstring.into(),
            amount_msat: None,
            maxfee: None,
            layers: Vec::new(),
            retry_for: None,
            partial_msat: None,
            maxdelay: None,
            payer_note: None,
            label: None,
            max_parts: None,
        }
    }
}

/// `xkeysend`'s parameters (answered like `xpay`).
#[derive(Debug, Clone, PartialEq)]
pub struct XkeysendRequest {
    /// The payee.
    pub destination: NodeId,
    /// What it receives.
    pub amount_msat: Msat,
    /// `label`.
    pub label: Option<String>,
    /// The most paid in fees (default 1 % of the amount, at least 5,000 msat).
    pub maxfee: Option<Msat>,
    /// Named routing layers applied besides the learned one.
    pub layers: Vec<String>,
    /// `retry_for` seconds (default 60).
    pub retry_for: Option<u64>,
    /// `maxdelay` blocks (default 2016).
    pub maxdelay: Option<u32>,
    /// Most parts in flight at once (see [`PayOptions::max_parts`]).
    pub max_parts: Option<u32>,
}

/// A command, by the RPC method it answers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Command {
    /// `sendpay`.
    Sendpay(SendpayRequest),
    /// `waitsendpay`.
    Waitsendpay(WaitsendpayRequest),
    /// `listsendpays`.
    Listsendpays(ListRequest),
    /// `listpays`.
    Listpays(ListRequest),
    /// `pay`.
    Pay(PayRequest),
    /// `keysend` (answered like `pay`).
    Keysend(KeysendRequest),
    /// `paystatus` (optionally for one invoice, by its text).
    Paystatus(Option<String>),
    /// `delpay`.
    Delpay(DelpayRequest),
    /// `xpay`.
    Xpay(XpayRequest),
    /// `xkeysend` (answered like `xpay`).
    Xkeysend(XkeysendRequest),
    /// `getroutes`.
    Getroutes(GetroutesRequest),
    /// The `askrene-*` layer and reservation commands.
    Askrene(AskreneCommand),
    /// `pay` (or `xpay`) of a BOLT 12 invoice (answered like `pay`).
    PayBlinded(Box<BlindedPayRequest>),
    /// `fetchinvoice`: request an invoice for an offer over onion messages.
    Fetchinvoice(FetchinvoiceRequest),
    /// `pay` or `xpay` of a BOLT 12 offer (fetch its invoice, then pay it, under the one
    /// command) or invoice (checked, then paid).
    PayBolt12(Box<Bolt12PayRequest>),
}

/// What a BOLT 12 pay pays.
#[derive(Debug, Clone, PartialEq)]
pub enum Bolt12Target {
    /// An offer (`lno1…`): its invoice is fetched first (as `fetchinvoice`), checked against
    /// our request, then paid.
    Offer(FetchinvoiceRequest),
    /// An invoice (`lni1…`) answering one of our invoice requests (its payer id derives from
    /// its `invreq_metadata` and our seed), decoded by the caller.
    Invoice {
        /// The invoice.
        invoice: Box<bolt12::Invoice>,
        /// Its text, for the records and listings.
        text: String,
    },
}

/// `pay` or `xpay` of a BOLT 12 offer or invoice.
#[derive(Debug, Clone, PartialEq)]
pub struct Bolt12PayRequest {
    /// The offer or invoice.
    pub target: Bolt12Target,
    /// How to pay (`amount_msat` goes to the offer's invoice request, so it must be `None`
    /// here; for `xpay`, without `maxfee`, `xpay`'s default fee budget is used).
    pub options: PayOptions,
    /// Answer as `xpay` (else as `pay`).
    pub xpay: bool,
}

/// `fetchinvoice`'s parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchinvoiceRequest {
    /// The offer, decoded (its signature-free records checked by `lnpay-bolt12`).
    pub offer: Box<bolt12::Offer>,
    /// `amount_msat`: required when the offer has no amount.
    pub amount_msat: Option<Msat>,
    /// `quantity`: required when the offer has `quantity_max`, refused otherwise.
    pub quantity: Option<u64>,
    /// `payer_note`.
    pub payer_note: Option<String>,
    /// `timeout` in seconds (default 60).
    pub timeout: Option<u32>,
    /// The request's `invreq_metadata`: fresh random bytes from the caller (the machine
    /// draws none). The payer key is derived from the machine's seed and these bytes, so
    /// the same bytes give the same key.
    pub payer_metadata: Vec<u8>,
}

/// One blinded path of a BOLT 12 invoice (`invoice_paths`) with its `blinded_payinfo`
/// (`invoice_blindedpay`): the path's aggregate fee and CLTV delta (the payee's final delta
/// included) and the HTLC amounts it accepts. A BOLT 12 pay's record keeps its paths in
/// this form ([`crate::record::BlindedPayRecord`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlindedPayPath {
    /// The blinded path.
    #[serde(with = "crate::record::blinded_path")]
    pub path: types::blinded::BlindedPath,
    /// The path's aggregate base fee.
    pub fee_base_msat: u32,
    /// The path's aggregate proportional fee, in millionths.
    pub fee_proportional_millionths: u32,
    /// The path's aggregate CLTV delta.
    pub cltv_expiry_delta: u16,
    /// The least a part through the path may deliver.
    pub htlc_minimum_msat: Msat,
    /// The most a part through the path may deliver.
    pub htlc_maximum_msat: Msat,
}

/// A BOLT 12 invoice to pay, decoded and verified by the caller (signature, amount against
/// the offer and request, chain): what the payment needs of it. Its expiry is checked
/// against the machine's `now`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlindedPayRequest {
    /// `invoice_payment_hash`.
    pub payment_hash: PaymentHash,
    /// `invoice_amount`.
    pub amount_msat: Msat,
    /// `invoice_node_id`: the payee, as the records name it.
    pub payee: NodeId,
    /// When the invoice expires (`invoice_created_at` plus `invoice_relative_expiry`),
    /// seconds since the epoch.
    pub expires_at: u64,
    /// The paths to pay through, with their payinfo, in the invoice's order.
    pub paths: Vec<BlindedPayPath>,
    /// Whether the invoice lets the payment be split (`invoice_features` MPP).
    pub mpp: bool,
    /// The invoice as the caller gave it (`lni1…`), for the records and listings.
    pub invoice: String,
    /// How to pay it (`amount_msat`, `description` and `partial_msat` do not apply).
    pub options: PayOptions,
}

/// `getroutes`' parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetroutesRequest {
    /// Where the routes start.
    pub source: NodeId,
    /// Where they end.
    pub destination: NodeId,
    /// What the destination receives.
    pub amount_msat: Msat,
    /// The layers routed through, in order (`auto.localchans`, `auto.sourcefree`, `xpay` or
    /// created ones).
    pub layers: Vec<String>,
    /// The most all routes together may pay in fees.
    pub maxfee_msat: Msat,
    /// The destination's final CLTV delta.
    pub final_cltv: u32,
    /// The largest total CLTV delay of a route (default 2016).
    pub maxdelay: Option<u32>,
    /// The most routes (default 100).
    pub maxparts: Option<u32>,
}

/// The `askrene-*` commands, by method.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AskreneCommand {
    /// `askrene-create-layer`.
    CreateLayer {
        /// The layer.
        layer: String,
        /// Kept across restarts.
        persistent: bool,
    },
    /// `askrene-remove-layer`.
    RemoveLayer {
        /// The layer.
        layer: String,
    },
    /// `askrene-listlayers`.
    ListLayers {
        /// Only this layer.
        layer: Option<String>,
    },
    /// `askrene-create-channel`.
    CreateChannel {
        /// The layer.
        layer: String,
        /// The channel.
        channel: CreatedChannel,
    },
    /// `askrene-update-channel`.
    UpdateChannel {
        /// The layer.
        layer: String,
        /// The directed channel.
        channel: ShortChannelIdDir,
        /// What changes.
        patch: PolicyPatch,
    },
    /// `askrene-remove-channel-update`.
    RemoveChannelUpdate {
        /// The layer.
        layer: String,
        /// The directed channel.
        channel: ShortChannelIdDir,
    },
    /// `askrene-inform-channel`.
    InformChannel {
        /// The layer.
        layer: String,
        /// The directed channel.
        channel: ShortChannelIdDir,
        /// The amount.
        amount: Msat,
        /// What happened to it.
        inform: Inform,
    },
    /// `askrene-disable-node`.
    DisableNode {
        /// The layer.
        layer: String,
        /// The node.
        node: NodeId,
    },
    /// `askrene-bias-channel`.
    BiasChannel {
        /// The layer.
        layer: String,
        /// The directed channel.
        channel: ShortChannelIdDir,
        /// -100..=100.
        bias: i64,
        /// An annotation.
        description: Option<String>,
        /// Added to the bias held.
        relative: bool,
    },
    /// `askrene-bias-node`.
    BiasNode {
        /// The layer.
        layer: String,
        /// The node.
        node: NodeId,
        /// Its incoming or outgoing channels.
        side: BiasSide,
        /// -100..=100.
        bias: i64,
        /// An annotation.
        description: Option<String>,
        /// Added to the bias held.
        relative: bool,
    },
    /// `askrene-reserve`.
    Reserve {
        /// The hops.
        path: Vec<ReserveHop>,
        /// The id of the command (listed by `askrene-listreservations`).
        command_id: String,
    },
    /// `askrene-unreserve`.
    Unreserve {
        /// The hops.
        path: Vec<ReserveHop>,
    },
    /// `askrene-listreservations`.
    ListReservations,
    /// `askrene-age`.
    Age {
        /// The layer.
        layer: String,
        /// Constraints learned before this (seconds since the epoch) are forgotten.
        cutoff: u64,
    },
}
