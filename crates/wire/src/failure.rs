//! The BOLT 4 failure codes: the four flag bits, every code by name, and the name Core
//! Lightning gives each (`failcodename`). One table for the whole workspace: `onion` builds and
//! parses failure messages with it, `route` learns from it, `sim` answers with it.

/// Failure code flag: the onion could not be parsed by the next hop.
pub const BADONION: u16 = 0x8000;
/// Failure code flag: permanent failure (otherwise transient).
pub const PERM: u16 = 0x4000;
/// Failure code flag: node failure (otherwise channel).
pub const NODE: u16 = 0x2000;
/// Failure code flag: a channel forwarding parameter was violated.
pub const UPDATE: u16 = 0x1000;

/// Failure codes of BOLT 4 (and the retired ones Core Lightning still names).
pub mod code {
    use super::{BADONION, NODE, PERM, UPDATE};
    /// `invalid_realm` (retired with the legacy payload).
    pub const INVALID_REALM: u16 = PERM | 1;
    /// `temporary_node_failure`.
    pub const TEMPORARY_NODE_FAILURE: u16 = NODE | 2;
    /// `permanent_node_failure`.
    pub const PERMANENT_NODE_FAILURE: u16 = PERM | NODE | 2;
    /// `required_node_feature_missing`.
    pub const REQUIRED_NODE_FEATURE_MISSING: u16 = PERM | NODE | 3;
    /// `invalid_onion_version`.
    pub const INVALID_ONION_VERSION: u16 = BADONION | PERM | 4;
    /// `invalid_onion_hmac`.
    pub const INVALID_ONION_HMAC: u16 = BADONION | PERM | 5;
    /// `invalid_onion_key`.
    pub const INVALID_ONION_KEY: u16 = BADONION | PERM | 6;
    /// `temporary_channel_failure`.
    pub const TEMPORARY_CHANNEL_FAILURE: u16 = UPDATE | 7;
    /// `permanent_channel_failure`.
    pub const PERMANENT_CHANNEL_FAILURE: u16 = PERM | 8;
    /// `required_channel_feature_missing`.
    pub const REQUIRED_CHANNEL_FEATURE_MISSING: u16 = PERM | 9;
    /// `unknown_next_peer`.
    pub const UNKNOWN_NEXT_PEER: u16 = PERM | 10;
    /// `amount_below_minimum`.
    pub const AMOUNT_BELOW_MINIMUM: u16 = UPDATE | 11;
    /// `fee_insufficient`.
    pub const FEE_INSUFFICIENT: u16 = UPDATE | 12;
    /// `incorrect_cltv_expiry`.
    pub const INCORRECT_CLTV_EXPIRY: u16 = UPDATE | 13;
    /// `expiry_too_soon`.
    pub const EXPIRY_TOO_SOON: u16 = UPDATE | 14;
    /// `incorrect_or_unknown_payment_details`.
    pub const INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS: u16 = PERM | 15;
    /// `incorrect_payment_amount` (retired).
    pub const INCORRECT_PAYMENT_AMOUNT: u16 = PERM | 16;
    /// `final_expiry_too_soon` (retired).
    pub const FINAL_EXPIRY_TOO_SOON: u16 = 17;
    /// `final_incorrect_cltv_expiry`.
    pub const FINAL_INCORRECT_CLTV_EXPIRY: u16 = 18;
    /// `final_incorrect_htlc_amount`.
    pub const FINAL_INCORRECT_HTLC_AMOUNT: u16 = 19;
    /// `channel_disabled`.
    pub const CHANNEL_DISABLED: u16 = UPDATE | 20;
    /// `expiry_too_far`.
    pub const EXPIRY_TOO_FAR: u16 = 21;
    /// `invalid_onion_payload`.
    pub const INVALID_ONION_PAYLOAD: u16 = PERM | 22;
    /// `mpp_timeout`.
    pub const MPP_TIMEOUT: u16 = 23;
    /// `invalid_onion_blinding`.
    pub const INVALID_ONION_BLINDING: u16 = BADONION | PERM | 24;
}

/// The Core Lightning name (`failcodename`) of a failure code, `None` for a code it does not
/// know.
pub fn code_name(failure_code: u16) -> Option<&'static str> {
    use code::*;
    Some(match failure_code {
        INVALID_REALM => "WIRE_INVALID_REALM",
        TEMPORARY_NODE_FAILURE => "WIRE_TEMPORARY_NODE_FAILURE",
        PERMANENT_NODE_FAILURE => "WIRE_PERMANENT_NODE_FAILURE",
        REQUIRED_NODE_FEATURE_MISSING => "WIRE_REQUIRED_NODE_FEATURE_MISSING",
        INVALID_ONION_VERSION => "WIRE_INVALID_ONION_VERSION",
        INVALID_ONION_HMAC => "WIRE_INVALID_ONION_HMAC",
        INVALID_ONION_KEY => "WIRE_INVALID_ONION_KEY",
        TEMPORARY_CHANNEL_FAILURE => "WIRE_TEMPORARY_CHANNEL_FAILURE",
        PERMANENT_CHANNEL_FAILURE => "WIRE_PERMANENT_CHANNEL_FAILURE",
        REQUIRED_CHANNEL_FEATURE_MISSING => "WIRE_REQUIRED_CHANNEL_FEATURE_MISSING",
        UNKNOWN_NEXT_PEER => "WIRE_UNKNOWN_NEXT_PEER",
        AMOUNT_BELOW_MINIMUM => "WIRE_AMOUNT_BELOW_MINIMUM",
        FEE_INSUFFICIENT => "WIRE_FEE_INSUFFICIENT",
        INCORRECT_CLTV_EXPIRY => "WIRE_INCORRECT_CLTV_EXPIRY",
        EXPIRY_TOO_SOON => "WIRE_EXPIRY_TOO_SOON",
        INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS => "WIRE_INCORRECT_OR_UNKNOWN_PAYMENT_DETAILS",
        INCORRECT_PAYMENT_AMOUNT => "WIRE_INCORRECT_PAYMENT_AMOUNT",
        FINAL_EXPIRY_TOO_SOON => "WIRE_FINAL_EXPIRY_TOO_SOON",
        FINAL_INCORRECT_CLTV_EXPIRY => "WIRE_FINAL_INCORRECT_CLTV_EXPIRY",
        FINAL_INCORRECT_HTLC_AMOUNT => "WIRE_FINAL_INCORRECT_HTLC_AMOUNT",
        CHANNEL_DISABLED => "WIRE_CHANNEL_DISABLED",
        EXPIRY_TOO_FAR => "WIRE_EXPIRY_TOO_FAR",
        INVALID_ONION_PAYLOAD => "WIRE_INVALID_ONION_PAYLOAD",
        MPP_TIMEOUT => "WIRE_MPP_TIMEOUT",
        INVALID_ONION_BLINDING => "WIRE_INVALID_ONION_BLINDING",
        _ => return None,
    })
}
