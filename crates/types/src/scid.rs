//! Short channel ids: `BLOCKxTXxOUT` text, the u64 wire form, and `BxTxO/dir`.

use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;

/// A short channel id: funding block height (24 bits), transaction index in the block
/// (24 bits) and output index (16 bits), packed as BOLT 7 packs them into a u64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShortChannelId(pub u64);

/// Why a short channel id was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScidError {
    /// The text is not `BLOCKxTXxOUT` (or `BxTxO/d` for a directed id).
    Format {
        /// The rejected text.
        input: String,
    },
    /// A component does not fit its field (block and tx < 2^24, output < 2^16).
    OutOfRange {
        /// Block height given.
        block: u64,
        /// Transaction index given.
        tx: u64,
        /// Output index given.
        output: u64,
    },
    /// The direction of a directed id is not 0 or 1.
    Direction {
        /// The rejected text.
        input: String,
    },
}

impl fmt::Display for ScidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScidError::Format { input } => {
                write!(f, "invalid short channel id {input:?}: expected BLOCKxTXxOUT")
            }
            ScidError::OutOfRange { block, tx, output } => write!(
                f,
                "short channel id {block}x{tx}x{output} out of range (block and tx < 16777216, output < 65536)"
            ),
            ScidError::Direction { input } => {
                write!(f, "invalid short channel id direction in {input:?}: expected /0 or /1")
            }
        }
    }
}
crate::impl_std_error!(ScidError);

impl ShortChannelId {
    /// Packs the three components, checking their ranges.
    pub fn new(block: u64, tx: u64, output: u64) -> Result<ShortChannelId, ScidError> {
        if block >= 1 << 24 || tx >= 1 << 24 || output >= 1 << 16 {
            return Err(ScidError::OutOfRange { block, tx, output });
        }
        Ok(ShortChannelId((block << 40) | (tx << 16) | output))
    }

    /// The funding block height.
    pub const fn block(self) -> u32 {
        (self.0 >> 40) as u32
    }

    /// The funding transaction's index in its block.
    pub const fn tx_index(self) -> u32 {
        ((self.0 >> 16) & 0xff_ffff) as u32
    }

    /// The funding output's index.
    pub const fn output_index(self) -> u16 {
        (self.0 & 0xffff) as u16
    }

    /// The u64 wire form.
    pub const fn to_u64(self) -> u64 {
        self.0
    }

    /// Big-endian wire bytes.
    pub const fn to_be_bytes(self) -> [u8; 8] {
        self.0.to_be_bytes()
    }
}

impl fmt::Display for ShortChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}x{}", self.block(), self.tx_index(), self.output_index())
    }
}

fn parse_component(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 10 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl FromStr for ShortChannelId {
    type Err = ScidError;

    fn from_str(s: &str) -> Result<ShortChannelId, ScidError> {
        let format = || ScidError::Format { input: s.to_string() };
        let mut parts = s.split('x');
        let (Some(b), Some(t), Some(o), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(format());
        };
        let (Some(b), Some(t), Some(o)) =
            (parse_component(b), parse_component(t), parse_component(o))
        else {
            return Err(format());
        };
        ShortChannelId::new(b, t, o)
    }
}

/// A channel and a direction: 0 from the lesser node id to the greater, 1 the other way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ShortChannelIdDir {
    /// The channel.
    pub scid: ShortChannelId,
    /// 0 or 1.
    pub direction: u8,
}

impl ShortChannelIdDir {
    /// A directed channel id; `direction` must be 0 or 1.
    pub fn new(scid: ShortChannelId, direction: u8) -> Option<ShortChannelIdDir> {
        (direction <= 1).then_some(ShortChannelIdDir { scid, direction })
    }
}

impl fmt::Display for ShortChannelIdDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.scid, self.direction)
    }
}

impl FromStr for ShortChannelIdDir {
    type Err = ScidError;

    fn from_str(s: &str) -> Result<ShortChannelIdDir, ScidError> {
        let (scid, dir) =
            s.split_once('/').ok_or_else(|| ScidError::Format { input: s.to_string() })?;
        let scid = scid.parse()?;
        let direction = match dir {
            "0" => 0,
            "1" => 1,
            _ => return Err(ScidError::Direction { input: s.to_string() }),
        };
        Ok(ShortChannelIdDir { scid, direction })
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::{ShortChannelId, ShortChannelIdDir};
    use alloc::string::String;
    use serde::de::Error;

    macro_rules! via_string {
        ($t:ty) => {
            impl serde::Serialize for $t {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.collect_str(self)
                }
            }
            impl<'de> serde::Deserialize<'de> for $t {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                    let s = <String as serde::Deserialize>::deserialize(d)?;
                    s.parse().map_err(D::Error::custom)
                }
            }
        };
    }
    via_string!(ShortChannelId);
    via_string!(ShortChannelIdDir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_u64_forms() {
        let scid: ShortChannelId = "539268x845x1".parse().unwrap();
        assert_eq!((scid.block(), scid.tx_index(), scid.output_index()), (539268, 845, 1));
        assert_eq!(scid.to_u64(), (539268u64 << 40) | (845 << 16) | 1);
        assert_eq!(scid.to_string(), "539268x845x1");
        assert_eq!(ShortChannelId(0x226).to_string(), "0x0x550");
        let max = ShortChannelId::new(16_777_215, 16_777_215, 65_535).unwrap();
        assert_eq!(max.to_u64(), u64::MAX);
        assert_eq!(ShortChannelId(u64::MAX).to_string().parse(), Ok(max));
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "1x2",
            "1x2x3x4",
            "ax2x3",
            "1x2x",
            "-1x2x3",
            "1 x2x3",
            "1x2x3/0",
            "99999999999x1x1",
        ] {
            assert_eq!(bad.parse::<ShortChannelId>(), Err(ScidError::Format { input: bad.into() }));
        }
        assert_eq!(
            "16777216x0x0".parse::<ShortChannelId>(),
            Err(ScidError::OutOfRange { block: 16_777_216, tx: 0, output: 0 })
        );
        assert!(matches!("1x1x65536".parse::<ShortChannelId>(), Err(ScidError::OutOfRange { .. })));
    }

    #[test]
    fn directed() {
        let d: ShortChannelIdDir = "103x1x0/1".parse().unwrap();
        assert_eq!(d.direction, 1);
        assert_eq!(d.to_string(), "103x1x0/1");
        assert!(matches!(
            "103x1x0/2".parse::<ShortChannelIdDir>(),
            Err(ScidError::Direction { .. })
        ));
        assert!(matches!("103x1x0".parse::<ShortChannelIdDir>(), Err(ScidError::Format { .. })));
        assert!(ShortChannelIdDir::new(d.scid, 2).is_none());
    }
}
