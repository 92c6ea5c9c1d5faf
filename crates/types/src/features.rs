//! BOLT 9 feature bits.
//!
//! Features come in pairs: the even bit means "required", the odd bit "optional". A reader
//! must refuse anything that sets an even bit it does not know ("it's OK to be odd").

use alloc::vec::Vec;
use core::fmt;

/// A named feature, identified by its even (required) bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Feature(pub u16);

impl Feature {
    /// `option_data_loss_protect` (0/1).
    pub const DATA_LOSS_PROTECT: Feature = Feature(0);
    /// `option_upfront_shutdown_script` (4/5).
    pub const UPFRONT_SHUTDOWN_SCRIPT: Feature = Feature(4);
    /// `gossip_queries` (6/7).
    pub const GOSSIP_QUERIES: Feature = Feature(6);
    /// `var_onion_optin` (8/9): TLV hop payloads.
    pub const VAR_ONION_OPTIN: Feature = Feature(8);
    /// `gossip_queries_ex` (10/11).
    pub const GOSSIP_QUERIES_EX: Feature = Feature(10);
    /// `option_static_remotekey` (12/13).
    pub const STATIC_REMOTEKEY: Feature = Feature(12);
    /// `payment_secret` (14/15).
    pub const PAYMENT_SECRET: Feature = Feature(14);
    /// `basic_mpp` (16/17): the payee accepts multi-part payments.
    pub const BASIC_MPP: Feature = Feature(16);
    /// `option_support_large_channel` (18/19).
    pub const LARGE_CHANNEL: Feature = Feature(18);
    /// `option_anchors` (22/23).
    pub const ANCHORS: Feature = Feature(22);
    /// `option_route_blinding` (24/25).
    pub const ROUTE_BLINDING: Feature = Feature(24);
    /// `option_shutdown_anysegwit` (26/27).
    pub const SHUTDOWN_ANYSEGWIT: Feature = Feature(26);
    /// `option_dual_fund` (28/29).
    pub const DUAL_FUND: Feature = Feature(28);
    /// `option_quiesce` (34/35).
    pub const QUIESCE: Feature = Feature(34);
    /// `option_attribution_data` (36/37).
    pub const ATTRIBUTION_DATA: Feature = Feature(36);
    /// `option_onion_messages` (38/39).
    pub const ONION_MESSAGES: Feature = Feature(38);
    /// `option_provide_storage` (42/43).
    pub const PROVIDE_STORAGE: Feature = Feature(42);
    /// `option_channel_type` (44/45).
    pub const CHANNEL_TYPE: Feature = Feature(44);
    /// `option_scid_alias` (46/47).
    pub const SCID_ALIAS: Feature = Feature(46);
    /// `option_payment_metadata` (48/49).
    pub const PAYMENT_METADATA: Feature = Feature(48);
    /// `option_zeroconf` (50/51).
    pub const ZEROCONF: Feature = Feature(50);
    /// `option_simple_close` (60/61).
    pub const SIMPLE_CLOSE: Feature = Feature(60);
    /// `option_splice` (62/63).
    pub const SPLICE: Feature = Feature(62);

    /// Every feature BOLT 9 names.
    pub const ALL_KNOWN: &'static [Feature] = &[
        Feature::DATA_LOSS_PROTECT,
        Feature::UPFRONT_SHUTDOWN_SCRIPT,
        Feature::GOSSIP_QUERIES,
        Feature::VAR_ONION_OPTIN,
        Feature::GOSSIP_QUERIES_EX,
        Feature::STATIC_REMOTEKEY,
        Feature::PAYMENT_SECRET,
        Feature::BASIC_MPP,
        Feature::LARGE_CHANNEL,
        Feature::ANCHORS,
        Feature::ROUTE_BLINDING,
        Feature::SHUTDOWN_ANYSEGWIT,
        Feature::DUAL_FUND,
        Feature::QUIESCE,
        Feature::ATTRIBUTION_DATA,
        Feature::ONION_MESSAGES,
        Feature::PROVIDE_STORAGE,
        Feature::CHANNEL_TYPE,
        Feature::SCID_ALIAS,
        Feature::PAYMENT_METADATA,
        Feature::ZEROCONF,
        Feature::SIMPLE_CLOSE,
        Feature::SPLICE,
    ];

    /// The required (even) bit.
    pub const fn required_bit(self) -> usize {
        (self.0 & !1) as usize
    }

    /// The optional (odd) bit.
    pub const fn optional_bit(self) -> usize {
        (self.0 | 1) as usize
    }
}

/// A set of feature bits. Bit `n` is bit `n % 8` of byte `n / 8` counted from the *end* of
/// the big-endian wire form, as BOLT 9 lays them out.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Features {
    /// Little-endian bytes: `le[0]` holds bits 0..8.
    le: Vec<u8>,
}

impl Features {
    /// No bits set.
    pub fn new() -> Features {
        Features::default()
    }

    /// From the big-endian wire form (as in `init`, `node_announcement`, `channel_announcement`).
    pub fn from_be_bytes(be: &[u8]) -> Features {
        let mut f = Features { le: be.iter().rev().copied().collect() };
        f.trim();
        f
    }

    /// The minimal big-endian wire form (no leading zero bytes).
    pub fn to_be_bytes(&self) -> Vec<u8> {
        self.le.iter().rev().copied().collect()
    }

    fn trim(&mut self) {
        while self.le.last() == Some(&0) {
            self.le.pop();
        }
    }

    /// Sets bit `bit`.
    pub fn set(&mut self, bit: usize) {
        let byte = bit / 8;
        if self.le.len() <= byte {
            self.le.resize(byte + 1, 0);
        }
        if let Some(b) = self.le.get_mut(byte) {
            *b |= 1 << (bit % 8);
        }
    }

    /// Clears bit `bit`.
    pub fn clear(&mut self, bit: usize) {
        if let Some(b) = self.le.get_mut(bit / 8) {
            *b &= !(1 << (bit % 8));
        }
        self.trim();
    }

    /// Whether bit `bit` is set.
    pub fn is_set(&self, bit: usize) -> bool {
        self.le.get(bit / 8).is_some_and(|b| b & (1 << (bit % 8)) != 0)
    }

    /// Sets the feature as required (even bit).
    pub fn set_required(&mut self, f: Feature) {
        self.set(f.required_bit());
    }

    /// Sets the feature as optional (odd bit).
    pub fn set_optional(&mut self, f: Feature) {
        self.set(f.optional_bit());
    }

    /// Whether either bit of the feature is set.
    pub fn supports(&self, f: Feature) -> bool {
        self.is_set(f.required_bit()) || self.is_set(f.optional_bit())
    }

    /// Whether the even bit of the feature is set.
    pub fn requires(&self, f: Feature) -> bool {
        self.is_set(f.required_bit())
    }

    /// Every set bit, lowest first.
    pub fn bits(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.le.len() * 8).filter(move |&b| self.is_set(b))
    }

    /// The even bits that are set but belong to no feature in `known`, lowest first: a
    /// reader must refuse what carries any.
    pub fn unknown_required(&self, known: &[Feature]) -> Vec<usize> {
        self.bits()
            .filter(|b| b % 2 == 0 && !known.iter().any(|f| f.required_bit() == *b))
            .collect()
    }

    /// Whether no bit is set.
    pub fn is_empty(&self) -> bool {
        self.le.is_empty()
    }
}

impl fmt::Debug for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.bits()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_layout() {
        // BOLT 11 example: bits 8, 14 and 99 (var_onion_optin, payment_secret, and an odd one).
        let mut f = Features::new();
        f.set(8);
        f.set(14);
        assert_eq!(f.to_be_bytes(), [0x41, 0x00]);
        assert_eq!(Features::from_be_bytes(&[0, 0, 0x41, 0x00]), f);
        assert!(f.requires(Feature::VAR_ONION_OPTIN));
        assert!(f.supports(Feature::PAYMENT_SECRET));
        assert!(!f.supports(Feature::BASIC_MPP));
        f.set(99);
        assert_eq!(f.bits().collect::<Vec<_>>(), [8, 14, 99]);
        assert!(f.unknown_required(Feature::ALL_KNOWN).is_empty());
        f.set(100);
        assert_eq!(f.unknown_required(Feature::ALL_KNOWN), [100]);
        f.clear(100);
        f.clear(99);
        assert_eq!(f.to_be_bytes(), [0x41, 0x00]);
        f.set_optional(Feature::BASIC_MPP);
        assert!(f.supports(Feature::BASIC_MPP) && !f.requires(Feature::BASIC_MPP));
    }
}
