//! Invoice errors (`invoice_error`): the explanation a node returns, in an onion message,
//! for an invoice request or an invoice it refused.

use core::fmt;

use types::tlv::{self, TlvError, TlvStream, TruncatedIntError};

/// `erroneous_field`.
pub const ERRONEOUS_FIELD: u64 = 1;
/// `suggested_value`.
pub const SUGGESTED_VALUE: u64 = 3;
/// `error`.
pub const ERROR: u64 = 5;

/// An `invoice_error` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceError {
    /// `erroneous_field`: the field of the invoice request or invoice at fault.
    pub erroneous_field: Option<u64>,
    /// `suggested_value`: a value that field could take.
    pub suggested_value: Option<Vec<u8>>,
    /// `error`: the explanation.
    pub error: String,
    /// Unknown odd records, kept so the message writes back byte for byte.
    pub unknown: Vec<tlv::TlvRecord>,
}

/// Why bytes are not an `invoice_error`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The TLV stream is malformed (framing, order, an unknown even type).
    Tlv(TlvError),
    /// `erroneous_field` is not a `tu64`.
    ErroneousField(TruncatedIntError),
    /// `error` is not UTF-8.
    Utf8 {
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// `error` is missing.
    MissingError,
    /// `suggested_value` is set without `erroneous_field`.
    SuggestionWithoutField,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Tlv(e) => write!(f, "bad invoice_error tlv stream: {e}"),
            DecodeError::ErroneousField(e) => write!(f, "bad erroneous_field: {e}"),
            DecodeError::Utf8 { bytes } => {
                write!(f, "invoice_error text {} is not utf-8", types::hex::encode(bytes))
            }
            DecodeError::MissingError => write!(f, "invoice_error has no error text"),
            DecodeError::SuggestionWithoutField => {
                write!(f, "suggested_value without erroneous_field")
            }
        }
    }
}
impl std::error::Error for DecodeError {}

impl InvoiceError {
    /// Reads an `invoice_error` TLV stream.
    pub fn from_bytes(bytes: &[u8]) -> Result<InvoiceError, DecodeError> {
        let s =
            TlvStream::decode(bytes, &|t| matches!(t, ERRONEOUS_FIELD | SUGGESTED_VALUE | ERROR))
                .map_err(DecodeError::Tlv)?;
        let erroneous_field = s
            .get(ERRONEOUS_FIELD)
            .map(tlv::decode_tu64)
            .transpose()
            .map_err(DecodeError::ErroneousField)?;
        let suggested_value = s.get(SUGGESTED_VALUE).map(<[u8]>::to_vec);
        if suggested_value.is_some() && erroneous_field.is_none() {
            return Err(DecodeError::SuggestionWithoutField);
        }
        let text = s.get(ERROR).ok_or(DecodeError::MissingError)?;
        let error = String::from_utf8(text.to_vec())
            .map_err(|_| DecodeError::Utf8 { bytes: text.to_vec() })?;
        let unknown = s
            .records
            .into_iter()
            .filter(|r| !matches!(r.typ, ERRONEOUS_FIELD | SUGGESTED_VALUE | ERROR))
            .collect();
        Ok(InvoiceError { erroneous_field, suggested_value, error, unknown })
    }

    /// The TLV bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut s = TlvStream { records: self.unknown.clone() };
        s.records.sort_by_key(|r| r.typ);
        if let Some(f) = self.erroneous_field {
            s.insert(ERRONEOUS_FIELD, tlv::encode_tu64(f));
        }
        if let Some(v) = &self.suggested_value {
            s.insert(SUGGESTED_VALUE, v.clone());
        }
        s.insert(ERROR, self.error.as_bytes().to_vec());
        s.encode()
    }
}
