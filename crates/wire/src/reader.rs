//! The cursor every payload decoder reads with, and the writers of `u16`-length byte strings
//! and TLV extension streams.

use crate::error::WireError;
use crate::htlc::ChannelId;
use types::tlv::{self, TlvStream};
use types::NodeId;

/// A cursor over a payload that reports short reads as [`WireError::TooShort`].
pub(crate) struct Reader<'a> {
    msg_type: u16,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(msg_type: u16, bytes: &'a [u8]) -> Self {
        Reader { msg_type, bytes, pos: 0 }
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let need = self.pos + n;
        let s = self.bytes.get(self.pos..need).ok_or(WireError::TooShort {
            msg_type: self.msg_type,
            need,
            got: self.bytes.len(),
        })?;
        self.pos = need;
        Ok(s)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn u16(&mut self) -> Result<u16, WireError> {
        self.array().map(u16::from_be_bytes)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        self.array().map(u32::from_be_bytes)
    }

    pub(crate) fn u64(&mut self) -> Result<u64, WireError> {
        self.array().map(u64::from_be_bytes)
    }

    pub(crate) fn bool(&mut self) -> Result<bool, WireError> {
        match self.array::<1>()? {
            [0] => Ok(false),
            [1] => Ok(true),
            [value] => Err(WireError::BadBool { msg_type: self.msg_type, value }),
        }
    }

    pub(crate) fn channel_id(&mut self) -> Result<ChannelId, WireError> {
        self.array().map(ChannelId)
    }

    pub(crate) fn node_id(&mut self) -> Result<NodeId, WireError> {
        let msg_type = self.msg_type;
        NodeId::from_array(self.array()?).map_err(|error| WireError::BadNodeId { msg_type, error })
    }

    /// A `u16`-length byte string.
    pub(crate) fn var_bytes(&mut self) -> Result<Vec<u8>, WireError> {
        let len = self.u16()?;
        self.take(usize::from(len)).map(<[u8]>::to_vec)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = self.bytes.get(self.pos..).unwrap_or_default();
        self.pos = self.bytes.len();
        s
    }

    /// Checks that a fixed-size message was read to its end.
    pub(crate) fn finish(&self) -> Result<(), WireError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(WireError::LengthMismatch {
                msg_type: self.msg_type,
                expected: self.pos,
                got: self.bytes.len(),
            })
        }
    }

    /// The trailing TLV extension stream; `known` lists the types the message models.
    pub(crate) fn tlvs(&mut self, known: &[u64]) -> Result<TlvStream, WireError> {
        let msg_type = self.msg_type;
        TlvStream::decode(self.rest(), &|t| known.contains(&t))
            .map_err(|error| WireError::BadTlv { msg_type, error })
    }
}

/// Writes a `u16`-length byte string; the caller has checked the length fits.
pub(crate) fn put_var_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes.get(..usize::from(len)).unwrap_or(bytes));
}

/// Writes the TLV stream made of `known` records (sorted by type, `None` skipped) and the
/// `unknown` ones, in type order. Records of `unknown` whose type is a known one are skipped.
pub(crate) fn put_tlvs(out: &mut Vec<u8>, known: &[(u64, Option<&[u8]>)], unknown: &TlvStream) {
    let mut known = known.iter().filter_map(|(t, v)| v.map(|v| (*t, v))).peekable();
    for r in &unknown.records {
        while let Some((t, v)) = known.next_if(|(t, _)| *t < r.typ) {
            tlv::encode_record(t, v, out);
        }
        if known.peek().is_some_and(|(t, _)| *t == r.typ) {
            continue;
        }
        tlv::encode_record(r.typ, &r.value, out);
    }
    for (t, v) in known {
        tlv::encode_record(t, v, out);
    }
}

pub(crate) fn known_tlv<const N: usize>(
    msg_type: u16,
    tlvs: &TlvStream,
    tlv_type: u64,
) -> Result<Option<[u8; N]>, WireError> {
    match tlvs.get(tlv_type) {
        None => Ok(None),
        Some(v) => <[u8; N]>::try_from(v).map(Some).map_err(|_| WireError::BadTlvLength {
            msg_type,
            tlv_type,
            expected: N,
            got: v.len(),
        }),
    }
}

/// Removes the records of `known` types, leaving the unknown (odd) ones.
pub(crate) fn strip_known(mut tlvs: TlvStream, known: &[u64]) -> TlvStream {
    tlvs.records.retain(|r| !known.contains(&r.typ));
    tlvs
}
