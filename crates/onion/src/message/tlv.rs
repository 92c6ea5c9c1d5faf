//! `onionmsg_tlv`: what each hop of an onion message reads. A forwarding hop finds only its
//! `encrypted_recipient_data` (type 4); the final hop may also find a `reply_path` (type 2) and
//! at most one payload field (type 64 and above): `invoice_request` (64), `invoice` (66) or
//! `invoice_error` (68), carried here as raw TLV bytes for BOLT 12 to parse, or another odd type.

use core::fmt;
use types::blinded::{BlindedPath, BlindedPathError};
use types::tlv::{TlvError, TlvRecord, TlvStream};

/// `reply_path`.
pub const REPLY_PATH: u64 = 2;
/// `encrypted_recipient_data`.
pub const ENCRYPTED_RECIPIENT_DATA: u64 = 4;
/// `invoice_request` (a `tlv_invoice_request` stream).
pub const INVOICE_REQUEST: u64 = 64;
/// `invoice` (a `tlv_invoice` stream).
pub const INVOICE: u64 = 66;
/// `invoice_error` (a `tlv_invoice_error` stream).
pub const INVOICE_ERROR: u64 = 68;
/// Types from this one up are payload fields, for the final hop.
pub const FIRST_PAYLOAD_TYPE: u64 = 64;

const KNOWN: [u64; 5] =
    [REPLY_PATH, ENCRYPTED_RECIPIENT_DATA, INVOICE_REQUEST, INVOICE, INVOICE_ERROR];

/// The one payload field of a final hop's `onionmsg_tlv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageContents {
    /// `invoice_request` (64): the `tlv_invoice_request` bytes.
    InvoiceRequest(Vec<u8>),
    /// `invoice` (66): the `tlv_invoice` bytes.
    Invoice(Vec<u8>),
    /// `invoice_error` (68): the `tlv_invoice_error` bytes.
    InvoiceError(Vec<u8>),
    /// A payload field of an odd type from 64 up that this crate does not model.
    Other {
        /// The type (odd, at least 64).
        typ: u64,
        /// The value.
        value: Vec<u8>,
    },
}

impl MessageContents {
    /// The TLV type the contents travel under.
    pub fn tlv_type(&self) -> u64 {
        match self {
            MessageContents::InvoiceRequest(_) => INVOICE_REQUEST,
            MessageContents::Invoice(_) => INVOICE,
            MessageContents::InvoiceError(_) => INVOICE_ERROR,
            MessageContents::Other { typ, .. } => *typ,
        }
    }

    /// The value bytes.
    pub fn value(&self) -> &[u8] {
        match self {
            MessageContents::InvoiceRequest(v)
            | MessageContents::Invoice(v)
            | MessageContents::InvoiceError(v)
            | MessageContents::Other { value: v, .. } => v,
        }
    }

    fn from_record(r: TlvRecord) -> MessageContents {
        match r.typ {
            INVOICE_REQUEST => MessageContents::InvoiceRequest(r.value),
            INVOICE => MessageContents::Invoice(r.value),
            INVOICE_ERROR => MessageContents::InvoiceError(r.value),
            typ => MessageContents::Other { typ, value: r.value },
        }
    }
}

/// The `onionmsg_tlv` stream, typed. Unknown odd records below 64 are kept in `unknown` so the
/// stream re-encodes to the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OnionMsgTlv {
    /// `reply_path` (type 2).
    pub reply_path: Option<BlindedPath>,
    /// `encrypted_recipient_data` (type 4), sealed.
    pub encrypted_recipient_data: Option<Vec<u8>>,
    /// The payload field (type 64 and above), if any.
    pub contents: Option<MessageContents>,
    /// Unknown odd records below 64.
    pub unknown: Vec<TlvRecord>,
}

/// Why bytes are not an `onionmsg_tlv`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnionMsgTlvError {
    /// The TLV framing is wrong, or an unknown even type is present.
    Tlv(TlvError),
    /// The `reply_path` is not a `blinded_path`.
    ReplyPath(BlindedPathError),
    /// The `reply_path` record holds bytes after its path.
    ReplyPathTrailing {
        /// The record's length.
        len: usize,
        /// Bytes the path took.
        used: usize,
    },
    /// More than one payload field (type 64 and above).
    SeveralPayloads {
        /// The first two payload types found.
        types: [u64; 2],
    },
}

impl fmt::Display for OnionMsgTlvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OnionMsgTlvError::Tlv(e) => write!(f, "bad onionmsg_tlv: {e}"),
            OnionMsgTlvError::ReplyPath(e) => write!(f, "bad reply_path: {e}"),
            OnionMsgTlvError::ReplyPathTrailing { len, used } => {
                write!(f, "reply_path record of {len} bytes holds a path of {used}")
            }
            OnionMsgTlvError::SeveralPayloads { types: [a, b] } => {
                write!(f, "onion message carries several payload fields: types {a} and {b}")
            }
        }
    }
}
impl std::error::Error for OnionMsgTlvError {}

impl OnionMsgTlv {
    /// Parses an `onionmsg_tlv` stream.
    pub fn decode(bytes: &[u8]) -> Result<OnionMsgTlv, OnionMsgTlvError> {
        let stream =
            TlvStream::decode(bytes, &|t| KNOWN.contains(&t)).map_err(OnionMsgTlvError::Tlv)?;
        let mut out = OnionMsgTlv::default();
        for r in stream.records {
            match r.typ {
                REPLY_PATH => {
                    let (path, used) = BlindedPath::decode_prefix(&r.value)
                        .map_err(OnionMsgTlvError::ReplyPath)?;
                    if used != r.value.len() {
                        return Err(OnionMsgTlvError::ReplyPathTrailing {
                            len: r.value.len(),
                            used,
                        });
                    }
                    out.reply_path = Some(path);
                }
                ENCRYPTED_RECIPIENT_DATA => out.encrypted_recipient_data = Some(r.value),
                t if t >= FIRST_PAYLOAD_TYPE => {
                    if let Some(first) = &out.contents {
                        return Err(OnionMsgTlvError::SeveralPayloads {
                            types: [first.tlv_type(), t],
                        });
                    }
                    out.contents = Some(MessageContents::from_record(r));
                }
                _ => out.unknown.push(r),
            }
        }
        Ok(out)
    }

    /// The stream's bytes (types in increasing order, unknown records merged in). A record
    /// given twice (an unknown record of a modelled type) is written once, the modelled one.
    pub fn encode(&self) -> Vec<u8> {
        let mut stream = TlvStream::default();
        for r in &self.unknown {
            stream.insert(r.typ, r.value.clone());
        }
        if let Some(p) = &self.reply_path {
            stream.insert(REPLY_PATH, p.encode());
        }
        if let Some(d) = &self.encrypted_recipient_data {
            stream.insert(ENCRYPTED_RECIPIENT_DATA, d.clone());
        }
        if let Some(c) = &self.contents {
            stream.insert(c.tlv_type(), c.value().to_vec());
        }
        stream.encode()
    }

    /// The types present besides `encrypted_recipient_data`: what a forwarding hop must not
    /// find.
    pub fn extra_types(&self) -> Vec<u64> {
        let mut types: Vec<u64> = self.unknown.iter().map(|r| r.typ).collect();
        if self.reply_path.is_some() {
            types.push(REPLY_PATH);
        }
        if let Some(c) = &self.contents {
            types.push(c.tlv_type());
        }
        types.sort_unstable();
        types
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rules() {
        let two = [0x40, 0x01, 0x00, 0x42, 0x01, 0x00];
        assert_eq!(
            OnionMsgTlv::decode(&two),
            Err(OnionMsgTlvError::SeveralPayloads { types: [64, 66] })
        );
        assert!(matches!(
            OnionMsgTlv::decode(&[0x06, 0x00]),
            Err(OnionMsgTlvError::Tlv(TlvError::UnknownEvenType { typ: 6 }))
        ));
        assert!(matches!(
            OnionMsgTlv::decode(&[0x46, 0x00]),
            Err(OnionMsgTlvError::Tlv(TlvError::UnknownEvenType { typ: 70 }))
        ));
        let t = OnionMsgTlv::decode(&[0x01, 0x01, 0xaa, 0x04, 0x02, 1, 2, 0x45, 0x01, 0x07])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.unknown, vec![TlvRecord { typ: 1, value: vec![0xaa] }]);
        assert_eq!(t.encrypted_recipient_data, Some(vec![1, 2]));
        assert_eq!(t.contents, Some(MessageContents::Other { typ: 69, value: vec![7] }));
        assert_eq!(t.extra_types(), vec![1, 69]);
        assert_eq!(t.encode(), [0x01, 0x01, 0xaa, 0x04, 0x02, 1, 2, 0x45, 0x01, 0x07]);
        assert!(matches!(
            OnionMsgTlv::decode(&[0x02, 0x01, 0x00]),
            Err(OnionMsgTlvError::ReplyPath(BlindedPathError::Truncated { .. }))
        ));
    }
}
