//! Core Lightning `listchannels` JSON: `{"channels": [...]}`, one entry per direction.
//!
//! Both styles load: the old one where msat fields are strings like `"1000msat"` and the
//! modern one where they are integers. The file is parsed as a stream (one record at a time
//! goes into the builder), so a 46 MB dump never sits in memory as text or as a JSON tree.
//!
//! Fields read per entry: `source`, `destination`, `short_channel_id`, `channel_flags` (bit 0 =
//! direction, bit 1 = disabled) or `direction`, `active`, `amount_msat` or `satoshis`
//! (capacity), `last_update`, `base_fee_millisatoshi`, `fee_per_millionth`, `delay`,
//! `htlc_minimum_msat`, `htlc_maximum_msat`. Others are ignored.

use super::{truncate_value, ImportStats, RecordError};
use crate::graph::{EdgePolicy, Graph, GraphBuilder};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::Read;
use std::marker::PhantomData;
use types::{Msat, NodeId, ShortChannelId};

/// Why a `listchannels` document could not be read at all (bad records are skipped instead,
/// see [`ImportStats`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum ListChannelsError {
    /// The text is not JSON, or reading it failed.
    Json(serde_json::Error),
    /// The document is not an object with a `channels` array.
    NoChannels,
    /// The document's structure is broken at this byte offset.
    Syntax {
        /// Offset of the offending byte (or of the end of input).
        offset: u64,
    },
}

impl fmt::Display for ListChannelsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListChannelsError::Json(e) => write!(f, "invalid listchannels json: {e}"),
            ListChannelsError::NoChannels => write!(f, "listchannels json has no channels array"),
            ListChannelsError::Syntax { offset } => {
                write!(f, "invalid listchannels json at byte {offset}")
            }
        }
    }
}

impl std::error::Error for ListChannelsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ListChannelsError::Json(e) => Some(e),
            ListChannelsError::NoChannels | ListChannelsError::Syntax { .. } => None,
        }
    }
}

/// Reads a `listchannels` document from `reader` into `builder`. Wrap a file in a
/// [`std::io::BufReader`] (and a gzip decoder for `.json.gz`).
///
/// The reader is consumed in chunks: a small scanner finds where each record of the
/// `channels` array ends and each record is parsed from its slice, which is several times
/// faster than parsing from the reader byte by byte, and never holds more than one chunk
/// and one record. It accepts and rejects the same documents as [`read_slice`].
pub fn read<R: Read>(
    reader: R,
    builder: &mut GraphBuilder,
) -> Result<ImportStats, ListChannelsError> {
    Chunks { reader, buf: Vec::new(), end: 0, pos: 0, base: 0, eof: false }.document(builder)
}

/// How much [`read`] asks its reader for at a time.
const CHUNK: usize = 1 << 20;

/// A chunked view of a reader with a scanner for JSON value boundaries.
struct Chunks<R> {
    reader: R,
    /// Read bytes are `buf[..end]`; the rest is room for the next read.
    buf: Vec<u8>,
    end: usize,
    pos: usize,
    /// Offset in the document of `buf[0]`.
    base: u64,
    eof: bool,
}

impl<R: Read> Chunks<R> {
    fn syntax(&self, at: usize) -> ListChannelsError {
        ListChannelsError::Syntax { offset: self.base + at as u64 }
    }

    /// The bytes read and not yet dropped.
    fn data(&self) -> &[u8] {
        self.buf.get(..self.end).unwrap_or(&[])
    }

    /// Drops the consumed bytes once they are more than a chunk (only between values: it
    /// moves the bytes, so no range may be held).
    fn compact(&mut self) {
        if self.pos > CHUNK {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.base += self.pos as u64;
            self.pos = 0;
        }
    }

    /// Reads more bytes; false at the end of input. With `compact`, first drops what was
    /// consumed (only between values: it moves the bytes, so no range may be held).
    fn more(&mut self, compact: bool) -> Result<bool, ListChannelsError> {
        if self.eof {
            return Ok(false);
        }
        if compact {
            self.compact();
        }
        if self.buf.len() - self.end < CHUNK / 4 {
            self.buf.resize(self.buf.len() + CHUNK, 0);
        }
        let n = loop {
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ListChannelsError::Json(serde_json::Error::io(e))),
            }
        };
        self.end += n;
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// Skips whitespace; the next byte, not consumed (None at the end).
    fn peek(&mut self) -> Result<Option<u8>, ListChannelsError> {
        loop {
            while let Some(&b) = self.data().get(self.pos) {
                if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
            if !self.more(true)? {
                return Ok(None);
            }
        }
    }

    /// Consumes `b` after whitespace, or fails.
    fn expect(&mut self, b: u8) -> Result<(), ListChannelsError> {
        if self.peek()? == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.syntax(self.pos))
        }
    }

    /// Finds the extent of the next JSON value (after whitespace) and consumes it. The value
    /// is only delimited here; whoever parses the slice checks it.
    fn value(&mut self) -> Result<std::ops::Range<usize>, ListChannelsError> {
        self.compact();
        if self.peek()?.is_none() {
            return Err(self.syntax(self.pos));
        }
        let start = self.pos;
        let mut i = start;
        let (mut depth, mut in_str, mut esc) = (0usize, false, false);
        loop {
            let Some(&b) = self.data().get(i) else {
                if self.more(false)? {
                    continue;
                }
                if depth == 0 && !in_str {
                    break;
                }
                return Err(self.syntax(i));
            };
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
            } else {
                match b {
                    b'"' if depth == 0 && i > start => break,
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth == 0 => break,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    b',' | b':' | b' ' | b'\n' | b'\r' | b'\t' if depth == 0 => break,
                    _ => {}
                }
            }
            i += 1;
        }
        if i == start {
            return Err(self.syntax(i));
        }
        self.pos = i;
        Ok(start..i)
    }

    /// Checks that a slice is one JSON value, as `read_slice` checks it: a string (a key, or
    /// the whole document) must be valid text, other values only well-formed.
    fn validate(&self, range: std::ops::Range<usize>) -> Result<(), ListChannelsError> {
        let bytes = self.data().get(range).unwrap_or(&[]);
        if bytes.first() == Some(&b'"') {
            serde_json::from_slice::<String>(bytes).map(|_| ())
        } else {
            serde_json::from_slice::<IgnoredAny>(bytes).map(|_| ())
        }
        .map_err(ListChannelsError::Json)
    }

    fn document(mut self, builder: &mut GraphBuilder) -> Result<ImportStats, ListChannelsError> {
        let mut stats = ImportStats::default();
        let mut found = false;
        if self.peek()? == Some(b'{') {
            self.pos += 1;
            if self.peek()? == Some(b'}') {
                self.pos += 1;
            } else {
                loop {
                    let key = self.value()?;
                    if self.data().get(key.start) != Some(&b'"') {
                        return Err(self.syntax(key.start));
                    }
                    self.validate(key.clone())?;
                    let is_channels = self.data().get(key) == Some(&b"\"channels\""[..]);
                    self.expect(b':')?;
                    if is_channels && !found && self.peek()? == Some(b'[') {
                        self.pos += 1;
                        found = true;
                        self.records(builder, &mut stats)?;
                    } else {
                        let v = self.value()?;
                        self.validate(v)?;
                    }
                    match self.peek()? {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return Err(self.syntax(self.pos)),
                    }
                }
            }
        } else {
            let v = self.value()?;
            self.validate(v)?;
        }
        if self.peek()?.is_some() {
            return Err(self.syntax(self.pos));
        }
        if found {
            Ok(stats)
        } else {
            Err(ListChannelsError::NoChannels)
        }
    }

    /// Parses the next element of the `channels` array straight from the buffer and consumes
    /// it. When the parse fails or stops at the end of the bytes read so far (the element may
    /// go on), more is read and the element parsed again, the buffer growing geometrically so
    /// the work stays linear; at the end of input the parser's verdict is final. This checks
    /// exactly what `read_slice` checks for an element, without a separate scan for its end.
    fn record(&mut self) -> Result<Result<RawRecord, Bad>, ListChannelsError> {
        self.compact();
        if self.peek()?.is_none() {
            return Err(self.syntax(self.pos));
        }
        loop {
            let rest = self.data().get(self.pos..).unwrap_or(&[]);
            let mut stream = serde_json::Deserializer::from_slice(rest).into_iter::<Record>();
            let parsed = stream.next();
            let used = stream.byte_offset();
            let complete = used < rest.len();
            match parsed {
                Some(Ok(Record(raw))) if complete || self.eof => {
                    self.pos += used;
                    return Ok(raw);
                }
                Some(Err(e)) if self.eof => return Err(ListChannelsError::Json(e)),
                None if self.eof => return Err(self.syntax(self.end)),
                _ => self.fill()?,
            }
        }
    }

    /// Reads until the buffer holds at least twice the bytes from `pos` on, or to the end
    /// of input.
    fn fill(&mut self) -> Result<(), ListChannelsError> {
        let want = (self.end - self.pos).max(CHUNK);
        if self.buf.len() - self.end < want {
            self.buf.resize(self.end + want, 0);
        }
        while self.end < self.buf.len() {
            let n = loop {
                match self.reader.read(&mut self.buf[self.end..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(ListChannelsError::Json(serde_json::Error::io(e))),
                }
            };
            if n == 0 {
                self.eof = true;
                break;
            }
            self.end += n;
        }
        Ok(())
    }

    /// The elements of the `channels` array, its `[` consumed.
    fn records(
        &mut self,
        builder: &mut GraphBuilder,
        stats: &mut ImportStats,
    ) -> Result<(), ListChannelsError> {
        if self.peek()? == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut index = 0;
        loop {
            let raw = self.record()?;
            stats.records += 1;
            match raw.and_then(|r| apply(r, builder)) {
                Ok(()) => stats.applied += 1,
                Err(e) => stats.skip(e.at(index)),
            }
            index += 1;
            match self.peek()? {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.syntax(self.pos)),
            }
        }
    }
}

/// Reads a `listchannels` document held in memory into `builder`.
pub fn read_slice(
    bytes: &[u8],
    builder: &mut GraphBuilder,
) -> Result<ImportStats, ListChannelsError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    read_from(&mut de, builder)
}

fn read_from<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    builder: &mut GraphBuilder,
) -> Result<ImportStats, ListChannelsError> {
    let mut stats = ImportStats::default();
    let found = (&mut *de)
        .deserialize_any(TopVisitor { builder, stats: &mut stats })
        .map_err(ListChannelsError::Json)?;
    de.end().map_err(ListChannelsError::Json)?;
    if found {
        Ok(stats)
    } else {
        Err(ListChannelsError::NoChannels)
    }
}

/// Writes `graph` as a modern `listchannels` document (integer msat fields, one entry per
/// edge), which [`read`] loads back to the same graph.
pub fn write(graph: &Graph) -> String {
    let mut out = String::with_capacity(graph.edge_count() * 400 + 16);
    out.push_str("{\"channels\":[");
    let mut first = true;
    for (i, e) in graph.edges().iter().enumerate() {
        let (Some(src), Some(dst), Some(ch), Some(policy)) = (
            graph.node_id(e.src),
            graph.node_id(e.dst),
            graph.channel(e.scid),
            graph.edge_policy(crate::graph::EdgeIdx(i as u32)),
        ) else {
            continue;
        };
        if !first {
            out.push(',');
        }
        first = false;
        let flags = e.direction | if e.enabled { 0 } else { 2 };
        let capacity = match ch.capacity {
            Some(c) => format!(",\"amount_msat\":{}", c.msat()),
            None => String::new(),
        };
        out.push_str(&format!(
            "{{\"source\":\"{src}\",\"destination\":\"{dst}\",\"short_channel_id\":\"{}\",\
             \"direction\":{},\"public\":true{capacity},\"message_flags\":1,\"channel_flags\":{flags},\
             \"active\":{},\"last_update\":{},\"base_fee_millisatoshi\":{},\"fee_per_millionth\":{},\
             \"delay\":{},\"htlc_minimum_msat\":{},\"htlc_maximum_msat\":{},\"features\":\"\"}}",
            e.scid,
            e.direction,
            e.enabled,
            policy.timestamp,
            e.base_fee_msat,
            e.fee_ppm,
            e.cltv_delta,
            policy.htlc_min.msat(),
            policy.htlc_max.msat(),
        ));
    }
    out.push_str("]}");
    out
}

struct TopVisitor<'a> {
    builder: &'a mut GraphBuilder,
    stats: &'a mut ImportStats,
}

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a listchannels object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<TopKey>()? {
            match key {
                TopKey::Channels if !found => {
                    found = map.next_value_seed(ChannelsSeed {
                        builder: &mut *self.builder,
                        stats: &mut *self.stats,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
}

enum TopKey {
    Channels,
    Other,
}

impl<'de> de::Deserialize<'de> for TopKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TopKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<TopKey, E> {
                Ok(if s == "channels" { TopKey::Channels } else { TopKey::Other })
            }
        }
        d.deserialize_identifier(V)
    }
}

struct ChannelsSeed<'a> {
    builder: &'a mut GraphBuilder,
    stats: &'a mut ImportStats,
}

impl<'de> DeserializeSeed<'de> for ChannelsSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ChannelsSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of channels")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut index = 0;
        while let Some(raw) = seq.next_element_seed(RecordSeed)? {
            self.stats.records += 1;
            match raw.and_then(|r| apply(r, self.builder)) {
                Ok(()) => self.stats.applied += 1,
                Err(e) => self.stats.skip(e.at(index)),
            }
            index += 1;
        }
        Ok(true)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
}

/// A field's value: parsed, or the offending text.
type Field<T> = Option<Result<T, String>>;

#[derive(Default)]
struct RawRecord {
    source: Field<NodeId>,
    destination: Field<NodeId>,
    scid: Field<ShortChannelId>,
    direction: Field<u64>,
    amount_msat: Field<Msat>,
    satoshis: Field<u64>,
    channel_flags: Field<u64>,
    active: Field<bool>,
    last_update: Field<u64>,
    base_fee: Field<u64>,
    fee_ppm: Field<u64>,
    delay: Field<u64>,
    htlc_min: Field<Msat>,
    htlc_max: Field<Msat>,
}

/// A record error before its index is known.
enum Bad {
    NotAnObject,
    Missing(&'static str),
    Field(&'static str, String),
    SameNode(ShortChannelId),
    Direction(ShortChannelId, u8),
    Conflict(ShortChannelId),
}

impl Bad {
    fn at(self, index: usize) -> RecordError {
        match self {
            Bad::NotAnObject => RecordError::NotAnObject { index },
            Bad::Missing(field) => RecordError::MissingField { index, field },
            Bad::Field(field, value) => RecordError::BadField { index, field, value },
            Bad::SameNode(scid) => RecordError::SameNode { index, scid },
            Bad::Direction(scid, direction) => {
                RecordError::DirectionMismatch { index, scid, direction }
            }
            Bad::Conflict(scid) => RecordError::ConflictingNodes { index, scid },
        }
    }
}

fn required<T>(f: Field<T>, name: &'static str) -> Result<T, Bad> {
    match f {
        None => Err(Bad::Missing(name)),
        Some(Err(v)) => Err(Bad::Field(name, v)),
        Some(Ok(v)) => Ok(v),
    }
}

fn optional<T>(f: Field<T>, name: &'static str) -> Result<Option<T>, Bad> {
    match f {
        None => Ok(None),
        Some(Err(v)) => Err(Bad::Field(name, v)),
        Some(Ok(v)) => Ok(Some(v)),
    }
}

fn narrow<T: TryFrom<u64>>(v: u64, name: &'static str) -> Result<T, Bad> {
    T::try_from(v).map_err(|_| Bad::Field(name, v.to_string()))
}

/// Checks a record completely, then applies it: the builder sees all of it or none of it.
fn apply(r: RawRecord, builder: &mut GraphBuilder) -> Result<(), Bad> {
    let source = required(r.source, "source")?;
    let destination = required(r.destination, "destination")?;
    let scid = required(r.scid, "short_channel_id")?;
    let flags = optional(r.channel_flags, "channel_flags")?;
    let flags: Option<u8> = flags.map(|f| narrow(f, "channel_flags")).transpose()?;
    let explicit_dir = optional(r.direction, "direction")?;
    let direction: u8 = match (flags, explicit_dir) {
        (_, Some(d)) if d > 1 => return Err(Bad::Field("direction", d.to_string())),
        (Some(f), Some(d)) if u64::from(f & 1) != d => {
            return Err(Bad::Field("direction", d.to_string()))
        }
        (Some(f), _) => f & 1,
        (None, Some(d)) => d as u8,
        (None, None) => return Err(Bad::Missing("channel_flags")),
    };
    // Disabled when either the `active` field or the disable bit says so.
    let enabled =
        optional(r.active, "active")?.unwrap_or(true) && flags.map_or(true, |f| f & 2 == 0);
    let capacity = match optional(r.amount_msat, "amount_msat")? {
        Some(c) => Some(c),
        None => match optional(r.satoshis, "satoshis")? {
            Some(s) => Some(Msat::from_sat(s).ok_or(Bad::Field("satoshis", s.to_string()))?),
            None => None,
        },
    };
    let timestamp: u32 = match optional(r.last_update, "last_update")? {
        Some(t) => narrow(t, "last_update")?,
        None => 0,
    };
    let base_fee_msat: u32 =
        narrow(required(r.base_fee, "base_fee_millisatoshi")?, "base_fee_millisatoshi")?;
    let fee_ppm: u32 = narrow(required(r.fee_ppm, "fee_per_millionth")?, "fee_per_millionth")?;
    let cltv_delta: u16 = narrow(required(r.delay, "delay")?, "delay")?;
    let htlc_min = optional(r.htlc_min, "htlc_minimum_msat")?.unwrap_or(Msat::ZERO);
    let htlc_max = optional(r.htlc_max, "htlc_maximum_msat")?.or(capacity).unwrap_or(Msat::MAX);

    if source == destination {
        return Err(Bad::SameNode(scid));
    }
    if (source > destination) != (direction == 1) {
        return Err(Bad::Direction(scid, direction));
    }
    let nodes = if direction == 0 { (source, destination) } else { (destination, source) };
    let policy =
        EdgePolicy { timestamp, enabled, base_fee_msat, fee_ppm, cltv_delta, htlc_min, htlc_max };
    // Adds the channel when unknown, keeps the first capacity seen (filling it in when it was
    // unknown) and the newest policy; a channel known with other nodes is a conflict.
    builder
        .import_direction(scid, nodes, capacity, direction, policy)
        .map_err(|e| Bad::Conflict(e.scid))
}

struct RecordSeed;

/// One element of the `channels` array, for a stream deserializer.
struct Record(Result<RawRecord, Bad>);

impl<'de> de::Deserialize<'de> for Record {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        RecordSeed.deserialize(d).map(Record)
    }
}

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Result<RawRecord, Bad>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(RecordVisitor)
    }
}

struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = Result<RawRecord, Bad>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a channel object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut r = RawRecord::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Source => r.source = Some(map.next_value_seed(FieldSeed::<NodeKind>::new())?),
                Key::Destination => {
                    r.destination = Some(map.next_value_seed(FieldSeed::<NodeKind>::new())?)
                }
                Key::Scid => r.scid = Some(map.next_value_seed(FieldSeed::<ScidKind>::new())?),
                Key::Direction => {
                    r.direction = Some(map.next_value_seed(FieldSeed::<U64Kind>::new())?)
                }
                Key::AmountMsat => {
                    r.amount_msat = Some(map.next_value_seed(FieldSeed::<MsatKind>::new())?)
                }
                Key::Satoshis => {
                    r.satoshis = Some(map.next_value_seed(FieldSeed::<U64Kind>::new())?)
                }
                Key::ChannelFlags => {
                    r.channel_flags = Some(map.next_value_seed(FieldSeed::<U64Kind>::new())?)
                }
                Key::Active => r.active = Some(map.next_value_seed(FieldSeed::<BoolKind>::new())?),
                Key::LastUpdate => {
                    r.last_update = Some(map.next_value_seed(FieldSeed::<U64Kind>::new())?)
                }
                Key::BaseFee => {
                    r.base_fee = Some(map.next_value_seed(FieldSeed::<U64Kind>::new())?)
                }
                Key::FeePpm => r.fee_ppm = Some(map.next_value_seed(FieldSeed::<U64Kind>::new())?),
                Key::Delay => r.delay = Some(map.next_value_seed(FieldSeed::<U64Kind>::new())?),
                Key::HtlcMin => {
                    r.htlc_min = Some(map.next_value_seed(FieldSeed::<MsatKind>::new())?)
                }
                Key::HtlcMax => {
                    r.htlc_max = Some(map.next_value_seed(FieldSeed::<MsatKind>::new())?)
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Ok(r))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(Bad::NotAnObject))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(Bad::NotAnObject))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(Bad::NotAnObject))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(Bad::NotAnObject))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(Bad::NotAnObject))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err(Bad::NotAnObject))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(Bad::NotAnObject))
    }
}

enum Key {
    Source,
    Destination,
    Scid,
    Direction,
    AmountMsat,
    Satoshis,
    ChannelFlags,
    Active,
    LastUpdate,
    BaseFee,
    FeePpm,
    Delay,
    HtlcMin,
    HtlcMax,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(match s {
                    "source" => Key::Source,
                    "destination" => Key::Destination,
                    "short_channel_id" => Key::Scid,
                    "direction" => Key::Direction,
                    "amount_msat" => Key::AmountMsat,
                    "satoshis" => Key::Satoshis,
                    "channel_flags" => Key::ChannelFlags,
                    "active" => Key::Active,
                    "last_update" => Key::LastUpdate,
                    "base_fee_millisatoshi" => Key::BaseFee,
                    "fee_per_millionth" => Key::FeePpm,
                    "delay" => Key::Delay,
                    "htlc_minimum_msat" => Key::HtlcMin,
                    "htlc_maximum_msat" => Key::HtlcMax,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
}

/// How one kind of field turns JSON scalars into its value.
trait Kind {
    type Out;
    fn from_u64(_: u64) -> Option<Self::Out> {
        None
    }
    fn from_str(_: &str) -> Option<Self::Out> {
        None
    }
    fn from_bool(_: bool) -> Option<Self::Out> {
        None
    }
}

struct NodeKind;
impl Kind for NodeKind {
    type Out = NodeId;
    fn from_str(s: &str) -> Option<NodeId> {
        // 66 hex digits straight into the array through a table: no allocation, no branch
        // per digit.
        const fn table() -> [u8; 256] {
            let mut t = [0xff_u8; 256];
            let mut i = 0;
            while i < 10 {
                t[b'0' as usize + i] = i as u8;
                i += 1;
            }
            let mut i = 0;
            while i < 6 {
                t[b'a' as usize + i] = 10 + i as u8;
                t[b'A' as usize + i] = 10 + i as u8;
                i += 1;
            }
            t
        }
        const NIBBLE: [u8; 256] = table();
        let hex = s.as_bytes();
        if hex.len() != 66 {
            return None;
        }
        let mut out = [0u8; 33];
        let mut bad = 0;
        for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
            let (hi, lo) = (NIBBLE[pair[0] as usize], NIBBLE[pair[1] as usize]);
            bad |= hi | lo;
            *o = hi << 4 | lo;
        }
        if bad & 0xf0 != 0 {
            return None;
        }
        NodeId::from_array(out).ok()
    }
}

struct ScidKind;
impl Kind for ScidKind {
    type Out = ShortChannelId;
    fn from_str(s: &str) -> Option<ShortChannelId> {
        s.parse().ok()
    }
}

struct U64Kind;
impl Kind for U64Kind {
    type Out = u64;
    fn from_u64(v: u64) -> Option<u64> {
        Some(v)
    }
}

/// An msat amount: an integer, or a string such as `"1000msat"`.
struct MsatKind;
impl Kind for MsatKind {
    type Out = Msat;
    fn from_u64(v: u64) -> Option<Msat> {
        Some(Msat(v))
    }
    fn from_str(s: &str) -> Option<Msat> {
        s.parse().ok()
    }
}

struct BoolKind;
impl Kind for BoolKind {
    type Out = bool;
    fn from_bool(b: bool) -> Option<bool> {
        Some(b)
    }
}

struct FieldSeed<K>(PhantomData<K>);

impl<K> FieldSeed<K> {
    fn new() -> Self {
        FieldSeed(PhantomData)
    }
}

impl<'de, K: Kind> DeserializeSeed<'de> for FieldSeed<K> {
    type Value = Result<K::Out, String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, K: Kind> Visitor<'de> for FieldSeed<K> {
    type Value = Result<K::Out, String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a json value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(K::from_bool(v).ok_or_else(|| v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(K::from_u64(v).ok_or_else(|| v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match u64::try_from(v) {
            Ok(u) => self.visit_u64(u),
            Err(_) => Ok(Err(v.to_string())),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Err(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(K::from_str(v).ok_or_else(|| format!("\"{}\"", truncate_value(v))))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err("null".to_string()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err("an array".to_string()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Err("an object".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "02aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "03bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn entry(src: &str, dst: &str, flags: u8, extra: &str) -> String {
        format!(
            r#"{{"source":"{src}","destination":"{dst}","short_channel_id":"1x2x3","channel_flags":{flags},
            "active":true,"last_update":5,"base_fee_millisatoshi":1000,"fee_per_millionth":10,"delay":40,
            "htlc_minimum_msat":"1000msat","htlc_maximum_msat":"5000000msat","amount_msat":"9000000msat"{extra}}}"#
        )
    }

    fn load(text: &str) -> (ImportStats, std::sync::Arc<Graph>) {
        let mut b = GraphBuilder::new();
        let stats = read_slice(text.as_bytes(), &mut b).unwrap();
        (stats, b.build())
    }

    #[test]
    fn old_and_new_styles_load() {
        let text = format!(
            r#"{{"channels":[{},{}]}}"#,
            entry(A, B, 0, ""),
            entry(B, A, 3, r#","htlc_maximum_msat":7000000,"htlc_minimum_msat":1"#)
        );
        let (stats, g) = load(&text);
        assert_eq!((stats.records, stats.applied, stats.skipped), (2, 2, 0));
        assert_eq!(g.edge_count(), 2);
        let scid: ShortChannelId = "1x2x3".parse().unwrap();
        let e0 = g.edge(g.edge_of(scid, 0).unwrap()).unwrap();
        assert!(e0.enabled);
        assert_eq!((e0.htlc_min, e0.htlc_max), (Msat(1000), Msat(5_000_000)));
        let e1 = g.edge(g.edge_of(scid, 1).unwrap()).unwrap();
        // The disable bit counts even when `active` claims otherwise.
        assert!(!e1.enabled);
        assert_eq!((e1.htlc_min, e1.htlc_max), (Msat(1), Msat(7_000_000)));
        assert_eq!(g.channel(scid).unwrap().capacity, Some(Msat(9_000_000)));

        // Round trip through the writer.
        let (stats2, g2) = load(&write(&g));
        assert_eq!(stats2.skipped, 0);
        assert_eq!(g2.edges(), g.edges());
    }

    #[test]
    fn bad_records_are_skipped_with_reasons() {
        let cases: Vec<(String, RecordError)> = vec![
            ("7".to_string(), RecordError::NotAnObject { index: 0 }),
            (
                entry(A, B, 0, r#","delay":70000"#),
                RecordError::BadField { index: 0, field: "delay", value: "70000".into() },
            ),
            (
                entry(A, B, 1, ""),
                RecordError::DirectionMismatch {
                    index: 0,
                    scid: "1x2x3".parse().unwrap(),
                    direction: 1,
                },
            ),
            (
                entry(A, A, 0, ""),
                RecordError::SameNode { index: 0, scid: "1x2x3".parse().unwrap() },
            ),
            (
                entry("02zz", B, 0, ""),
                RecordError::BadField { index: 0, field: "source", value: "\"02zz\"".into() },
            ),
            (
                entry(A, B, 0, r#","fee_per_millionth":[1,{"a":2}]"#),
                RecordError::BadField {
                    index: 0,
                    field: "fee_per_millionth",
                    value: "an array".into(),
                },
            ),
            (
                entry(A, B, 0, r#","htlc_minimum_msat":-5"#),
                RecordError::BadField { index: 0, field: "htlc_minimum_msat", value: "-5".into() },
            ),
            (
                entry(&B.replace("bbbb", "bbgb"), A, 1, ""),
                RecordError::BadField {
                    index: 0,
                    field: "source",
                    value: format!("\"{}\"", B.replace("bbbb", "bbgb")),
                },
            ),
            (
                format!(r#"{{"source":"{A}"}}"#),
                RecordError::MissingField { index: 0, field: "destination" },
            ),
        ];
        let n = cases.len();
        for (text, want) in cases {
            let (stats, g) = load(&format!(r#"{{"channels":[{text}]}}"#));
            assert_eq!((stats.records, stats.skipped), (1, 1), "{text}");
            assert_eq!(stats.errors, vec![want], "{text}");
            assert_eq!(g.channel_count(), 0);
        }
        assert_eq!(n, 9);
    }

    #[test]
    fn document_errors() {
        let mut b = GraphBuilder::new();
        assert!(matches!(read_slice(b"{\"channels\":", &mut b), Err(ListChannelsError::Json(_))));
        assert!(matches!(read_slice(b"{\"x\":[]}", &mut b), Err(ListChannelsError::NoChannels)));
        assert!(matches!(read_slice(b"[]", &mut b), Err(ListChannelsError::NoChannels)));
        assert!(matches!(read_slice(b"{} x", &mut b), Err(ListChannelsError::Json(_))));
        let stats = read(&b"{\"channels\":[]}"[..], &mut b).unwrap();
        assert_eq!(stats.records, 0);
    }

    #[test]
    fn reader_and_slice_agree() {
        let good = format!(r#"{{"channels":[{},{}]}}"#, entry(A, B, 0, ""), entry(B, A, 1, ""));
        let docs = [
            good.clone(),
            format!(
                " {{ \"x\" : [1, {{\"a\":\"]\\\"\"}}], \"channels\" : {} }} ",
                &good[12..good.len() - 1]
            ),
            format!(r#"{{"channels":7,"channels":[{}]}}"#, entry(A, B, 0, "")),
            format!(r#"{{"channels":[{}],"channels":[8]}}"#, entry(A, B, 0, "")),
            r#"{"channels":[1,"x",null,[],{}]}"#.to_string(),
            "{}".into(),
            "[]".into(),
            "7".into(),
            "".into(),
            "{\"channels\":[}".into(),
            "{\"channels\":[1 2]}".into(),
            "{\"channels\":[],}".into(),
            "{\"channels\":[]} x".into(),
            "{\"channels\":[\"unterminated]}".into(),
            "{\"a\" 1}".into(),
            "{7:1}".into(),
            "{\"channels\":[]}{}".into(),
            "{\"channels\":[12.5e3, 1234567 ,true,1.]}".into(),
            "{\"channels\":[123456789012, -7.25e-3]}".into(),
        ];
        for doc in &docs {
            let (mut b1, mut b2) = (GraphBuilder::new(), GraphBuilder::new());
            let r1 = read(doc.as_bytes(), &mut b1);
            let r2 = read_slice(doc.as_bytes(), &mut b2);
            // A few bytes at a time, scalar elements get cut and must be read again whole.
            let r3 = read(Trickle(doc.as_bytes(), 0), &mut GraphBuilder::new());
            assert_eq!(r3.is_ok(), r2.is_ok(), "{doc}: {r3:?} vs {r2:?}");
            if let (Ok(s3), Ok(s2)) = (&r3, &r2) {
                assert_eq!(s3, s2, "{doc}");
            }
            match (&r1, &r2) {
                (Ok(s1), Ok(s2)) => assert_eq!(s1, s2, "{doc}"),
                (Err(ListChannelsError::NoChannels), Err(ListChannelsError::NoChannels)) => {}
                (Err(e1), Err(e2)) => {
                    assert!(!matches!(e1, ListChannelsError::NoChannels), "{doc}: {e1} vs {e2}");
                    assert!(!matches!(e2, ListChannelsError::NoChannels), "{doc}: {e1} vs {e2}");
                }
                _ => panic!("{doc}: {r1:?} vs {r2:?}"),
            }
            assert_eq!(b1.build().edges(), b2.build().edges(), "{doc}");
        }
        let mut b = GraphBuilder::new();
        assert_eq!(read(good.as_bytes(), &mut b).unwrap().applied, 2);
    }

    /// Hands out its bytes a few at a time, so values straddle every kind of read boundary.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.1 += 1;
            let n = [7, 1, 300, 4096][self.1 % 4].min(self.0.len()).min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn reader_over_many_chunks() {
        // Over 2 MB, so the buffer is compacted several times.
        let entries: Vec<String> = (0..6000)
            .map(|i| {
                entry(A, B, (i % 2) as u8, "")
                    .replace("1x2x3", &format!("{}x{}x0", 1 + i / 2, i % 7))
                    .replace(
                        &format!("\"source\":\"{A}\",\"destination\":\"{B}\""),
                        &if i % 2 == 1 {
                            format!("\"source\":\"{B}\",\"destination\":\"{A}\"")
                        } else {
                            format!("\"source\":\"{A}\",\"destination\":\"{B}\"")
                        },
                    )
            })
            .collect();
        let doc = format!("{{\"channels\": [\n{}\n]}}\n", entries.join(",\n"));
        assert!(doc.len() > 2 * CHUNK);
        let (mut b1, mut b2) = (GraphBuilder::new(), GraphBuilder::new());
        let s1 = read(Trickle(doc.as_bytes(), 0), &mut b1).unwrap();
        let s2 = read_slice(doc.as_bytes(), &mut b2).unwrap();
        assert_eq!(s1, s2);
        assert_eq!(s1.records, 6000);
        assert_eq!(b1.build().edges(), b2.build().edges());
        // Cut anywhere, it is an error, never a panic.
        for cut in [1, CHUNK - 3, CHUNK + 5, doc.len() - 2] {
            let mut b = GraphBuilder::new();
            assert!(read(Trickle(&doc.as_bytes()[..cut], 0), &mut b).is_err());
        }
    }

    #[test]
    fn conflicting_channel_is_skipped() {
        let c = "02cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
        let text = format!(r#"{{"channels":[{},{}]}}"#, entry(A, B, 0, ""), entry(A, c, 0, ""));
        let (stats, g) = load(&text);
        assert_eq!(stats.skipped, 1);
        assert!(matches!(stats.errors[0], RecordError::ConflictingNodes { index: 1, .. }));
        assert_eq!(g.node_count(), 2);
    }
}
