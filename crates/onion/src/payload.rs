//! BOLT 4 hop payloads: the TLV stream each hop finds in its slot of the onion, typed by role.
//!
//! A hop is one of three roles, and each has the fields BOLT 4 "Payload Format" requires of
//! it: a [`ForwardPayload`] (outside a blinded route, not final: amount, CLTV and outgoing
//! channel), a [`FinalPayload`] (outside a blinded route, final: amount, CLTV, and optionally
//! `payment_data`, `payment_metadata`, a keysend preimage and custom records) or a
//! [`BlindedPayload`] (inside a blinded route: the recipient's encrypted data, the path key
//! at the first blinded hop, and amount, CLTV and total at the final one).
//! [`HopPayload::decode`] enforces the reader's requirements of that section;
//! [`HopPayload::encode`] writes the stream (without the BigSize length prefix, which the
//! packet adds).

use core::fmt;
use secp256k1::PublicKey;
use types::tlv::{self, TlvError, TlvRecord, TlvStream, TruncatedIntError};
use types::{Msat, PaymentPreimage, PaymentSecret, ShortChannelId};

/// TLV type of `amt_to_forward` (`tu64`).
pub const AMT_TO_FORWARD: u64 = 2;
/// TLV type of `outgoing_cltv_value` (`tu32`).
pub const OUTGOING_CLTV_VALUE: u64 = 4;
/// TLV type of `short_channel_id`.
pub const SHORT_CHANNEL_ID: u64 = 6;
/// TLV type of `payment_data` (`payment_secret` and `tu64` `total_msat`).
pub const PAYMENT_DATA: u64 = 8;
/// TLV type of `encrypted_recipient_data`.
pub const ENCRYPTED_RECIPIENT_DATA: u64 = 10;
/// TLV type of `current_path_key` (a point).
pub const CURRENT_PATH_KEY: u64 = 12;
/// TLV type of `payment_metadata`.
pub const PAYMENT_METADATA: u64 = 16;
/// TLV type of `total_amount_msat` (`tu64`, blinded final hops).
pub const TOTAL_AMOUNT_MSAT: u64 = 18;
/// TLV type of the keysend preimage (bLIP 3; even: a recipient that does not know it fails).
pub const KEYSEND_PREIMAGE: u64 = 5_482_373_484;

fn is_known_even(typ: u64) -> bool {
    matches!(typ, 2 | 4 | 6 | 8 | 10 | 12 | 16 | 18 | KEYSEND_PREIMAGE)
}

/// The `payment_data` record: the invoice's payment secret and the total of all parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaymentData {
    /// The payment secret from the invoice.
    pub payment_secret: PaymentSecret,
    /// The total amount of the payment (of all its parts).
    pub total_msat: Msat,
}

/// The payload of a hop that forwards outside a blinded route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardPayload {
    /// Amount to forward to the next hop.
    pub amt_to_forward: Msat,
    /// CLTV expiry of the outgoing HTLC.
    pub outgoing_cltv_value: u32,
    /// The outgoing channel.
    pub short_channel_id: ShortChannelId,
    /// Unknown odd records, kept in type order.
    pub custom_records: Vec<TlvRecord>,
}

/// The payload of the final hop outside a blinded route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalPayload {
    /// Amount this part delivers.
    pub amt_to_forward: Msat,
    /// CLTV expiry the HTLC must at least have.
    pub outgoing_cltv_value: u32,
    /// Payment secret and total amount (required when the invoice has a secret).
    pub payment_data: Option<PaymentData>,
    /// The invoice's payment metadata, echoed back.
    pub payment_metadata: Option<Vec<u8>>,
    /// A spontaneous payment's preimage (keysend).
    pub keysend_preimage: Option<PaymentPreimage>,
    /// Unknown odd records (custom records), kept in type order.
    pub custom_records: Vec<TlvRecord>,
}

impl FinalPayload {
    /// The total amount of the payment: `payment_data.total_msat`, or `amt_to_forward` when
    /// there is no `payment_data` (BOLT 4: "MUST treat `total_msat` as if it were equal to
    /// `amt_to_forward` if it is not present").
    pub fn total_msat(&self) -> Msat {
        self.payment_data.map_or(self.amt_to_forward, |d| d.total_msat)
    }
}

/// The payload of a hop inside a blinded route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlindedPayload {
    /// The recipient's encrypted data for this hop.
    pub encrypted_recipient_data: Vec<u8>,
    /// The path key, in the payload of the first hop of the blinded route only.
    pub current_path_key: Option<PublicKey>,
    /// For the final hop: amount, CLTV and total amount (all required there, absent before).
    pub final_values: Option<BlindedFinal>,
}

/// What the final hop of a blinded route is told besides its encrypted data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlindedFinal {
    /// Amount this part delivers.
    pub amt_to_forward: Msat,
    /// CLTV expiry the HTLC must at least have.
    pub outgoing_cltv_value: u32,
    /// The total amount of the payment.
    pub total_amount_msat: Msat,
}

/// A hop payload, typed by the hop's role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HopPayload {
    /// A forwarding hop outside a blinded route.
    Forward(ForwardPayload),
    /// The final hop outside a blinded route.
    Final(FinalPayload),
    /// A hop inside a blinded route (forwarding or final).
    Blinded(BlindedPayload),
}

/// Why bytes are not a valid hop payload for the hop's role.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadError {
    /// The TLV stream is malformed, or holds an even type this reader does not know.
    Tlv(TlvError),
    /// A truncated integer field is not minimal or too long.
    BadInteger {
        /// The record type.
        typ: u64,
        /// The problem.
        error: TruncatedIntError,
    },
    /// A fixed-size field has the wrong length.
    BadLength {
        /// The record type.
        typ: u64,
        /// The length found.
        len: usize,
    },
    /// `current_path_key` is not a valid point.
    BadPathKey {
        /// The bytes found.
        bytes: Vec<u8>,
    },
    /// A field the role requires is absent.
    Missing {
        /// The record type.
        typ: u64,
        /// The hop's role.
        role: Role,
    },
    /// A field the role forbids is present.
    Forbidden {
        /// The record type.
        typ: u64,
        /// The hop's role.
        role: Role,
    },
}

/// The role of a hop, for error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Role {
    /// Forwarding, outside a blinded route.
    Forward,
    /// Final, outside a blinded route.
    Final,
    /// Forwarding inside a blinded route.
    BlindedForward,
    /// Final inside a blinded route.
    BlindedFinal,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Forward => "forwarding hop",
            Role::Final => "final hop",
            Role::BlindedForward => "blinded forwarding hop",
            Role::BlindedFinal => "blinded final hop",
        })
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PayloadError::Tlv(e) => write!(f, "bad hop payload: {e}"),
            PayloadError::BadInteger { typ, error } => write!(f, "tlv type {typ}: {error}"),
            PayloadError::BadLength { typ, len } => {
                write!(f, "tlv type {typ} has wrong length {len}")
            }
            PayloadError::BadPathKey { bytes } => {
                write!(f, "current_path_key {} is not a valid point", types::hex::encode(bytes))
            }
            PayloadError::Missing { typ, role } => {
                write!(f, "{role} payload lacks required tlv type {typ}")
            }
            PayloadError::Forbidden { typ, role } => {
                write!(f, "{role} payload must not contain tlv type {typ}")
            }
        }
    }
}

impl std::error::Error for PayloadError {}

impl PayloadError {
    /// The TLV type at fault, when there is one (BOLT 4 `invalid_onion_payload` carries it).
    pub fn tlv_type(&self) -> Option<u64> {
        match self {
            PayloadError::Tlv(TlvError::UnknownEvenType { typ })
            | PayloadError::Tlv(TlvError::NotIncreasing { typ, .. })
            | PayloadError::Tlv(TlvError::ValueTruncated { typ, .. })
            | PayloadError::Tlv(TlvError::Length { typ, .. }) => Some(*typ),
            PayloadError::BadPathKey { .. } => Some(CURRENT_PATH_KEY),
            PayloadError::BadInteger { typ, .. }
            | PayloadError::BadLength { typ, .. }
            | PayloadError::Missing { typ, .. }
            | PayloadError::Forbidden { typ, .. } => Some(*typ),
            PayloadError::Tlv(_) => None,
        }
    }
}

impl From<TlvError> for PayloadError {
    fn from(e: TlvError) -> Self {
        PayloadError::Tlv(e)
    }
}

fn tu64(typ: u64, v: &[u8]) -> Result<u64, PayloadError> {
    tlv::decode_tu64(v).map_err(|error| PayloadError::BadInteger { typ, error })
}

fn tu32(typ: u64, v: &[u8]) -> Result<u32, PayloadError> {
    tlv::decode_tu32(v).map_err(|error| PayloadError::BadInteger { typ, error })
}

fn fixed<const N: usize>(typ: u64, v: &[u8]) -> Result<[u8; N], PayloadError> {
    v.try_into().map_err(|_| PayloadError::BadLength { typ, len: v.len() })
}

/// The fields of a payload, before the role's rules are applied.
#[derive(Default)]
struct Fields {
    amt: Option<Msat>,
    cltv: Option<u32>,
    scid: Option<ShortChannelId>,
    payment_data: Option<PaymentData>,
    encrypted: Option<Vec<u8>>,
    path_key: Option<PublicKey>,
    metadata: Option<Vec<u8>>,
    total: Option<Msat>,
    keysend: Option<PaymentPreimage>,
    custom: Vec<TlvRecord>,
}

impl Fields {
    fn parse(bytes: &[u8]) -> Result<Fields, PayloadError> {
        let stream = TlvStream::decode(bytes, &is_known_even)?;
        let mut f = Fields::default();
        for TlvRecord { typ, value } in stream.records {
            let v = value.as_slice();
            match typ {
                AMT_TO_FORWARD => f.amt = Some(Msat(tu64(typ, v)?)),
                OUTGOING_CLTV_VALUE => f.cltv = Some(tu32(typ, v)?),
                SHORT_CHANNEL_ID => {
                    f.scid = Some(ShortChannelId(u64::from_be_bytes(fixed::<8>(typ, v)?)))
                }
                PAYMENT_DATA => {
                    let (secret, total) = match v.split_at_checked(32) {
                        Some(parts) => parts,
                        None => return Err(PayloadError::BadLength { typ, len: v.len() }),
                    };
                    f.payment_data = Some(PaymentData {
                        payment_secret: PaymentSecret(fixed::<32>(typ, secret)?),
                        total_msat: Msat(tu64(typ, total)?),
                    });
                }
                ENCRYPTED_RECIPIENT_DATA => f.encrypted = Some(value),
                CURRENT_PATH_KEY => {
                    let point = fixed::<33>(typ, v)?;
                    let key = PublicKey::from_slice(&point)
                        .map_err(|_| PayloadError::BadPathKey { bytes: v.to_vec() })?;
                    f.path_key = Some(key);
                }
                PAYMENT_METADATA => f.metadata = Some(value),
                TOTAL_AMOUNT_MSAT => f.total = Some(Msat(tu64(typ, v)?)),
                KEYSEND_PREIMAGE => f.keysend = Some(PaymentPreimage(fixed::<32>(typ, v)?)),
                _ => f.custom.push(TlvRecord { typ, value }),
            }
        }
        Ok(f)
    }

    /// The types present, for the role checks.
    fn present(&self) -> [(u64, bool); 9] {
        [
            (AMT_TO_FORWARD, self.amt.is_some()),
            (OUTGOING_CLTV_VALUE, self.cltv.is_some()),
            (SHORT_CHANNEL_ID, self.scid.is_some()),
            (PAYMENT_DATA, self.payment_data.is_some()),
            (ENCRYPTED_RECIPIENT_DATA, self.encrypted.is_some()),
            (CURRENT_PATH_KEY, self.path_key.is_some()),
            (PAYMENT_METADATA, self.metadata.is_some()),
            (TOTAL_AMOUNT_MSAT, self.total.is_some()),
            (KEYSEND_PREIMAGE, self.keysend.is_some()),
        ]
    }

    /// Fails on the first present type the role does not allow (custom records included).
    fn only(&self, allowed: &[u64], custom_allowed: bool, role: Role) -> Result<(), PayloadError> {
        for (typ, present) in self.present() {
            if present && !allowed.contains(&typ) {
                return Err(PayloadError::Forbidden { typ, role });
            }
        }
        match self.custom.first() {
            Some(r) if !custom_allowed => Err(PayloadError::Forbidden { typ: r.typ, role }),
            _ => Ok(()),
        }
    }
}

fn required<T>(v: Option<T>, typ: u64, role: Role) -> Result<T, PayloadError> {
    v.ok_or(PayloadError::Missing { typ, role })
}

impl HopPayload {
    /// Parses the payload of a hop. `is_final` says whether the onion ended at this hop (the
    /// peeled packet had no next packet). A payload with `encrypted_recipient_data` is a blinded
    /// hop's; the role's required and forbidden fields are checked (BOLT 4 "Payload Format",
    /// requirements of the reader). Checks that need the `update_add_htlc` (a `path_key`
    /// given there as well as `current_path_key`) are the caller's.
    pub fn decode(bytes: &[u8], is_final: bool) -> Result<HopPayload, PayloadError> {
        let f = Fields::parse(bytes)?;
        if f.encrypted.is_some() {
            let base = [ENCRYPTED_RECIPIENT_DATA, CURRENT_PATH_KEY];
            let final_values = if is_final {
                let role = Role::BlindedFinal;
                f.only(
                    &[base[0], base[1], AMT_TO_FORWARD, OUTGOING_CLTV_VALUE, TOTAL_AMOUNT_MSAT],
                    false,
                    role,
                )?;
                Some(BlindedFinal {
                    amt_to_forward: required(f.amt, AMT_TO_FORWARD, role)?,
                    outgoing_cltv_value: required(f.cltv, OUTGOING_CLTV_VALUE, role)?,
                    total_amount_msat: required(f.total, TOTAL_AMOUNT_MSAT, role)?,
                })
            } else {
                f.only(&base, false, Role::BlindedForward)?;
                None
            };
            return Ok(HopPayload::Blinded(BlindedPayload {
                encrypted_recipient_data: f.encrypted.unwrap_or_default(),
                current_path_key: f.path_key,
                final_values,
            }));
        }
        let role = if is_final { Role::Final } else { Role::Forward };
        if f.path_key.is_some() {
            return Err(PayloadError::Forbidden { typ: CURRENT_PATH_KEY, role });
        }
        let amt_to_forward = required(f.amt, AMT_TO_FORWARD, role)?;
        let outgoing_cltv_value = required(f.cltv, OUTGOING_CLTV_VALUE, role)?;
        if is_final {
            f.only(
                &[
                    AMT_TO_FORWARD,
                    OUTGOING_CLTV_VALUE,
                    PAYMENT_DATA,
                    PAYMENT_METADATA,
                    KEYSEND_PREIMAGE,
                ],
                true,
                role,
            )?;
            Ok(HopPayload::Final(FinalPayload {
                amt_to_forward,
                outgoing_cltv_value,
                payment_data: f.payment_data,
                payment_metadata: f.metadata,
                keysend_preimage: f.keysend,
                custom_records: f.custom,
            }))
        } else {
            f.only(&[AMT_TO_FORWARD, OUTGOING_CLTV_VALUE, SHORT_CHANNEL_ID], true, role)?;
            Ok(HopPayload::Forward(ForwardPayload {
                amt_to_forward,
                outgoing_cltv_value,
                short_channel_id: required(f.scid, SHORT_CHANNEL_ID, role)?,
                custom_records: f.custom,
            }))
        }
    }

    /// The payload's TLV stream (without the BigSize length prefix). Custom records must have
    /// odd types not used by the known fields; they are written in type order with the rest.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.encode_to(&mut out);
        out
    }

    /// Appends the payload's TLV stream to `out`.
    pub fn encode_to(&self, out: &mut Vec<u8>) {
        let mut w = Writer { out, custom: &[], next_custom: 0 };
        match self {
            HopPayload::Forward(p) => {
                w.custom = &p.custom_records;
                w.tu64(AMT_TO_FORWARD, p.amt_to_forward.msat());
                w.tu64(OUTGOING_CLTV_VALUE, u64::from(p.outgoing_cltv_value));
                w.record(SHORT_CHANNEL_ID, &p.short_channel_id.to_be_bytes());
            }
            HopPayload::Final(p) => {
                w.custom = &p.custom_records;
                w.tu64(AMT_TO_FORWARD, p.amt_to_forward.msat());
                w.tu64(OUTGOING_CLTV_VALUE, u64::from(p.outgoing_cltv_value));
                if let Some(d) = &p.payment_data {
                    let mut v = Vec::with_capacity(40);
                    v.extend_from_slice(d.payment_secret.as_bytes());
                    v.extend_from_slice(&tlv::encode_tu64(d.total_msat.msat()));
                    w.record(PAYMENT_DATA, &v);
                }
                if let Some(m) = &p.payment_metadata {
                    w.record(PAYMENT_METADATA, m);
                }
                if let Some(k) = &p.keysend_preimage {
                    w.record(KEYSEND_PREIMAGE, &k.0);
                }
            }
            HopPayload::Blinded(p) => {
                if let Some(fv) = &p.final_values {
                    w.tu64(AMT_TO_FORWARD, fv.amt_to_forward.msat());
                    w.tu64(OUTGOING_CLTV_VALUE, u64::from(fv.outgoing_cltv_value));
                }
                w.record(ENCRYPTED_RECIPIENT_DATA, &p.encrypted_recipient_data);
                if let Some(k) = &p.current_path_key {
                    w.record(CURRENT_PATH_KEY, &k.serialize());
                }
                if let Some(fv) = &p.final_values {
                    w.tu64(TOTAL_AMOUNT_MSAT, fv.total_amount_msat.msat());
                }
            }
        }
        w.finish();
    }
}

/// Writes known records in order, merging in the custom records at their places.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    custom: &'a [TlvRecord],
    next_custom: usize,
}

impl Writer<'_> {
    fn flush_custom_below(&mut self, typ: u64) {
        while let Some(r) = self.custom.get(self.next_custom).filter(|r| r.typ < typ) {
            tlv::encode_record(r.typ, &r.value, self.out);
            self.next_custom += 1;
        }
    }

    fn record(&mut self, typ: u64, value: &[u8]) {
        self.flush_custom_below(typ);
        tlv::encode_record(typ, value, self.out);
    }

    fn tu64(&mut self, typ: u64, v: u64) {
        self.record(typ, &tlv::encode_tu64(v));
    }

    fn finish(mut self) {
        self.flush_custom_below(u64::MAX);
        if let Some(r) = self.custom.last().filter(|r| r.typ == u64::MAX) {
            tlv::encode_record(r.typ, &r.value, self.out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use types::hex;

    fn check(hex_in: &str, is_final: bool, expected: Result<HopPayload, PayloadError>) {
        let bytes = hex::decode(hex_in).unwrap();
        let got = HopPayload::decode(&bytes, is_final);
        assert_eq!(got, expected, "{hex_in}");
        if let Ok(p) = got {
            assert_eq!(hex::encode(&p.encode()), hex_in, "re-encoding");
        }
    }

    #[test]
    fn forward_and_final() {
        // From the BOLT 4 onion test vector (first hop, without its length prefix).
        check(
            "02023a98040205dc06080000000000000001",
            false,
            Ok(HopPayload::Forward(ForwardPayload {
                amt_to_forward: Msat(15000),
                outgoing_cltv_value: 1500,
                short_channel_id: ShortChannelId(1),
                custom_records: vec![],
            })),
        );
        check(
            "02023a98040205dc06080000000000000001",
            true,
            Err(PayloadError::Forbidden { typ: SHORT_CHANNEL_ID, role: Role::Final }),
        );
        check(
            "040205dc06080000000000000001",
            false,
            Err(PayloadError::Missing { typ: AMT_TO_FORWARD, role: Role::Forward }),
        );
        check(
            "02023a98040205dc",
            false,
            Err(PayloadError::Missing { typ: SHORT_CHANNEL_ID, role: Role::Forward }),
        );
        let secret = "11".repeat(32);
        check(
            &format!("02023a98040205dc0822{secret}0fa01003aabbcc"),
            true,
            Ok(HopPayload::Final(FinalPayload {
                amt_to_forward: Msat(15000),
                outgoing_cltv_value: 1500,
                payment_data: Some(PaymentData {
                    payment_secret: PaymentSecret([0x11; 32]),
                    total_msat: Msat(4000),
                }),
                payment_metadata: Some(vec![0xaa, 0xbb, 0xcc]),
                keysend_preimage: None,
                custom_records: vec![],
            })),
        );
        let with_data = HopPayload::decode(
            &hex::decode(&format!("02023a98040205dc0822{secret}0fa0")).unwrap(),
            true,
        );
        let Ok(HopPayload::Final(f)) = with_data else { panic!("{with_data:?}") };
        assert_eq!(f.total_msat(), Msat(4000));
        let Ok(HopPayload::Final(f)) =
            HopPayload::decode(&hex::decode("02023a98040205dc").unwrap(), true)
        else {
            panic!("final without payment data")
        };
        assert_eq!(f.total_msat(), Msat(15000));
        check(
            &format!("02023a98040205dc0822{secret}0fa0"),
            false,
            Err(PayloadError::Forbidden { typ: PAYMENT_DATA, role: Role::Forward }),
        );
        // Keysend preimage and custom records around it.
        check(
            &format!("020101040101fd04d100ff000000010000000101ffff0000000146c6616c20{secret}"),
            true,
            Ok(HopPayload::Final(FinalPayload {
                amt_to_forward: Msat(1),
                outgoing_cltv_value: 1,
                payment_data: None,
                payment_metadata: None,
                keysend_preimage: Some(PaymentPreimage([0x11; 32])),
                custom_records: vec![
                    TlvRecord { typ: 1233, value: vec![] },
                    TlvRecord { typ: 0x1_0000_0001, value: vec![0xff] },
                ],
            })),
        );
        // Non-minimal tu64, unknown even type.
        check(
            "0202003a040205dc",
            true,
            Err(PayloadError::BadInteger {
                typ: 2,
                error: TruncatedIntError::NotMinimal { len: 2 },
            }),
        );
        check(
            "02023a98040205dc1400",
            true,
            Err(PayloadError::Tlv(TlvError::UnknownEvenType { typ: 20 })),
        );
    }

    #[test]
    fn blinded() {
        let key = "02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619";
        let path_key = PublicKey::from_slice(&hex::decode(key).unwrap()).unwrap();
        check(
            &format!("0a03010203 0c21{key}").replace(' ', ""),
            false,
            Ok(HopPayload::Blinded(BlindedPayload {
                encrypted_recipient_data: vec![1, 2, 3],
                current_path_key: Some(path_key),
                final_values: None,
            })),
        );
        check(
            "020101040101 0a0101".replace(' ', "").as_str(),
            false,
            Err(PayloadError::Forbidden { typ: AMT_TO_FORWARD, role: Role::BlindedForward }),
        );
        check(
            "020101040101 0a0101 120102".replace(' ', "").as_str(),
            true,
            Ok(HopPayload::Blinded(BlindedPayload {
                encrypted_recipient_data: vec![1],
                current_path_key: None,
                final_values: Some(BlindedFinal {
                    amt_to_forward: Msat(1),
                    outgoing_cltv_value: 1,
                    total_amount_msat: Msat(2),
                }),
            })),
        );
        check(
            "020101040101 0a0101".replace(' ', "").as_str(),
            true,
            Err(PayloadError::Missing { typ: TOTAL_AMOUNT_MSAT, role: Role::BlindedFinal }),
        );
        check(
            "0a0101 0b00".replace(' ', "").as_str(),
            false,
            Err(PayloadError::Forbidden { typ: 11, role: Role::BlindedForward }),
        );
        check(
            &format!("020101040101 0c21{key}").replace(' ', ""),
            true,
            Err(PayloadError::Forbidden { typ: CURRENT_PATH_KEY, role: Role::Final }),
        );
    }
}
