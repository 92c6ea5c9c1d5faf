//! The node's durable store: one SQLite file (WAL journal, `synchronous=FULL`) holding every
//! part the payment machine persisted, every `pay`, and the channel and HTLC id each part was
//! offered on.
//!
//! Each part is one row of `parts` with real columns (so `sqlite3 lnpay.sqlite3 'select * from
//! parts'` is readable) plus a `record` column holding the machine's record as JSON, which is
//! what [`NodeStore::load`] restores exactly. A [`NodeStore::commit`] applies its operations in
//! one transaction: all of them are on disk when it returns, or none.
//!
//! The schema is versioned: `meta(version)` holds the version, and each step of `MIGRATIONS`
//! (numbered from 1) runs in its own transaction. A file written by a newer lnpay is refused
//! with [`StoreError::NewerSchema`] rather than guessed at.
//!
//! Integers are SQLite's signed 64-bit: a `u64` above `i64::MAX` (a large `partid`, say) is
//! stored as its two's complement and read back exactly.

use payment::{PartKey, PartRecord, PayRecord, Record};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::fmt;
use std::path::{Path, PathBuf};
use types::{PaymentHash, ShortChannelId};

/// The schema steps, in order: step `i` (0-based) brings the store to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: parts, pays, and the HTLC each part was offered as.
    "CREATE TABLE parts (
        payment_hash TEXT NOT NULL,
        partid INTEGER NOT NULL,
        groupid INTEGER NOT NULL,
        status TEXT NOT NULL,
        amount_msat INTEGER NOT NULL,
        amount_sent_msat INTEGER NOT NULL,
        total_msat INTEGER NOT NULL,
        destination TEXT,
        route TEXT NOT NULL,
        shared_secrets TEXT NOT NULL,
        payment_preimage TEXT,
        failure TEXT,
        scid TEXT,
        htlc_id INTEGER,
        created_index INTEGER NOT NULL,
        updated_index INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        completed_at INTEGER,
        pay_id INTEGER,
        record TEXT NOT NULL,
        UNIQUE (payment_hash, partid, groupid)
    );
    CREATE INDEX parts_by_created ON parts (created_index);
    CREATE TABLE pays (
        id INTEGER PRIMARY KEY,
        payment_hash TEXT NOT NULL,
        done INTEGER NOT NULL,
        record TEXT NOT NULL
    );
    CREATE TABLE htlcs (
        payment_hash TEXT NOT NULL,
        partid INTEGER NOT NULL,
        groupid INTEGER NOT NULL,
        scid TEXT NOT NULL,
        htlc_id INTEGER NOT NULL,
        PRIMARY KEY (payment_hash, partid, groupid)
    );
    CREATE INDEX htlcs_by_channel ON htlcs (scid, htlc_id);",
    // 2: persistent askrene layers, and what was learned of each directed channel (the
    // learned layer `xpay`).
    "CREATE TABLE layers (
        name TEXT PRIMARY KEY,
        record TEXT NOT NULL
    );
    CREATE TABLE learned (
        scid_dir TEXT PRIMARY KEY,
        min_msat INTEGER NOT NULL,
        max_msat INTEGER,
        learned_at INTEGER NOT NULL,
        record TEXT NOT NULL
    );",
];

/// The schema version this build writes (and the newest it reads).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// One change to the store; [`NodeStore::commit`] applies a slice of them atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // records are what the store is for
pub enum StoreOp {
    /// Insert or replace the record with the same key (a part's [`PartKey`], a pay's id).
    Record(Record),
    /// Delete a part and the HTLC it was offered as.
    DeletePart(PartKey),
    /// The part was (or is about to be) offered as HTLC `htlc_id` on our channel `scid`.
    Htlc {
        /// The part.
        part: PartKey,
        /// Our channel.
        scid: ShortChannelId,
        /// The HTLC id on that channel.
        htlc_id: u64,
    },
}

/// A part's HTLC: which channel and id it was offered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HtlcRow {
    /// The part.
    pub part: PartKey,
    /// Our channel.
    pub scid: ShortChannelId,
    /// The HTLC id on that channel.
    pub htlc_id: u64,
}

/// Everything the store holds, as [`NodeStore::load`] returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// Every pay (by id), then every part (by `created_index`): one record per key.
    pub records: Vec<Record>,
    /// Every part's HTLC, by channel then id.
    pub htlcs: Vec<HtlcRow>,
}

/// Which row an error is about, as its columns name it (they may be the corrupt part).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowKey {
    /// A row of `parts` or `htlcs`.
    Part {
        /// The `payment_hash` column.
        payment_hash: String,
        /// The `partid` column.
        partid: u64,
        /// The `groupid` column.
        groupid: u64,
    },
    /// A row of `pays`.
    Pay {
        /// The `id` column.
        id: u64,
    },
    /// A row of `layers`.
    Layer {
        /// The `name` column.
        name: String,
    },
    /// A row of `learned`.
    Learned {
        /// The `scid_dir` column.
        scid_dir: String,
    },
}

impl RowKey {
    fn part(k: &PartKey) -> RowKey {
        RowKey::Part {
            payment_hash: k.payment_hash.to_string(),
            partid: k.partid,
            groupid: k.groupid,
        }
    }

    fn of_op(op: &StoreOp) -> RowKey {
        match op {
            StoreOp::Record(Record::Part(p)) => RowKey::part(&p.key),
            StoreOp::Record(Record::Pay(p)) => RowKey::Pay { id: p.id },
            StoreOp::Record(Record::Layer(l)) => RowKey::Layer { name: l.name.clone() },
            StoreOp::Record(Record::LayerRemoved(name)) => RowKey::Layer { name: name.clone() },
            StoreOp::Record(Record::Learned { channel, .. }) => {
                RowKey::Learned { scid_dir: channel.to_string() }
            }
            StoreOp::DeletePart(k) | StoreOp::Htlc { part: k, .. } => RowKey::part(k),
        }
    }
}

impl fmt::Display for RowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowKey::Part { payment_hash, partid, groupid } => {
                write!(f, "part {payment_hash} partid {partid} groupid {groupid}")
            }
            RowKey::Pay { id } => write!(f, "pay {id}"),
            RowKey::Layer { name } => write!(f, "layer {name}"),
            RowKey::Learned { scid_dir } => write!(f, "learned {scid_dir}"),
        }
    }
}

/// Why the store could not be opened, written or read.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite could not open the file or set it up.
    Open {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        source: Box<rusqlite::Error>,
    },
    /// The file refused the write-ahead log (`journal_mode` stayed something else).
    JournalMode {
        /// The file.
        path: PathBuf,
        /// The mode SQLite reported.
        mode: String,
    },
    /// The file was written by a newer schema than this build knows.
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// The version in its `meta` table.
        found: i64,
        /// The newest version this build knows.
        known: u32,
    },
    /// A migration step failed (the store stays at the version before it).
    Migration {
        /// The file.
        path: PathBuf,
        /// The version the step would have reached.
        version: u32,
        /// SQLite's error.
        source: Box<rusqlite::Error>,
    },
    /// Writing one operation failed (nothing of the commit was kept).
    Write {
        /// The file.
        path: PathBuf,
        /// The row the operation touches.
        key: RowKey,
        /// SQLite's error.
        source: Box<rusqlite::Error>,
    },
    /// Committing (or starting) the transaction failed (nothing of it was kept).
    Commit {
        /// The file.
        path: PathBuf,
        /// SQLite's error.
        source: Box<rusqlite::Error>,
    },
    /// Reading a table failed.
    Read {
        /// The file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// SQLite's error.
        source: Box<rusqlite::Error>,
    },
    /// A row's `record` column is not a record of this build.
    CorruptRecord {
        /// The row.
        key: RowKey,
        /// Why it did not parse.
        source: serde_json::Error,
    },
    /// A column that the store reads back (outside `record`) does not parse.
    CorruptColumn {
        /// The row.
        key: RowKey,
        /// The column.
        column: &'static str,
        /// Its text.
        value: String,
    },
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Open { path, source } => {
                write!(f, "cannot open store {}: {source}", path.display())
            }
            StoreError::JournalMode { path, mode } => {
                write!(
                    f,
                    "store {} refused write-ahead logging (journal mode {mode})",
                    path.display()
                )
            }
            StoreError::NewerSchema { path, found, known } => write!(
                f,
                "store {} has schema version {found}, newer than the {known} this build knows",
                path.display()
            ),
            StoreError::Migration { path, version, source } => {
                write!(f, "cannot migrate store {} to version {version}: {source}", path.display())
            }
            StoreError::Write { path, key, source } => {
                write!(f, "cannot write {key} to store {}: {source}", path.display())
            }
            StoreError::Commit { path, source } => {
                write!(f, "cannot commit to store {}: {source}", path.display())
            }
            StoreError::Read { path, table, source } => {
                write!(f, "cannot read table {table} of store {}: {source}", path.display())
            }
            StoreError::CorruptRecord { key, source } => {
                write!(f, "corrupt record of {key}: {source}")
            }
            StoreError::CorruptColumn { key, column, value } => {
                write!(f, "corrupt column {column} of {key}: {value:?}")
            }
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Open { source, .. }
            | StoreError::Migration { source, .. }
            | StoreError::Write { source, .. }
            | StoreError::Commit { source, .. }
            | StoreError::Read { source, .. } => Some(&**source),
            StoreError::CorruptRecord { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The node's SQLite store (see the module documentation).
#[derive(Debug)]
pub struct NodeStore {
    conn: Connection,
    path: PathBuf,
}

/// A `u64` as SQLite's `INTEGER` (two's complement above `i64::MAX`).
fn int(v: u64) -> i64 {
    v as i64
}

/// Back from [`int`].
fn uint(v: i64) -> u64 {
    v as u64
}

impl NodeStore {
    /// Opens (creating if needed) the store at `path`, whose directory must exist: sets WAL
    /// and `synchronous=FULL` and brings the schema to [`SCHEMA_VERSION`].
    pub fn open(path: &Path) -> Result<NodeStore, StoreError> {
        let open_err =
            |source| StoreError::Open { path: path.to_path_buf(), source: Box::new(source) };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(open_err)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(open_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::JournalMode { path: path.to_path_buf(), mode });
        }
        conn.pragma_update(None, "synchronous", "FULL").map_err(open_err)?;
        migrate(&mut conn, path)?;
        Ok(NodeStore { conn, path: path.to_path_buf() })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version in the file's `meta` table.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        read_version(&self.conn).map_err(|source| StoreError::Read {
            path: self.path.clone(),
            table: "meta",
            source: Box::new(source),
        })
    }

    /// The `synchronous` setting of the store's connection (2 is `FULL`).
    pub fn synchronous(&self) -> Result<i64, StoreError> {
        self.conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).map_err(|source| {
            StoreError::Read {
                path: self.path.clone(),
                table: "pragma synchronous",
                source: Box::new(source),
            }
        })
    }

    /// Applies `ops` in order, in one transaction: when this returns `Ok` they are all
    /// durable; on an error none is.
    pub fn commit(&mut self, ops: &[StoreOp]) -> Result<(), StoreError> {
        let path = &self.path;
        let tx = self.conn.transaction().map_err(|source| StoreError::Commit {
            path: path.clone(),
            source: Box::new(source),
        })?;
        for op in ops {
            apply(&tx, op).map_err(|source| StoreError::Write {
                path: path.clone(),
                key: RowKey::of_op(op),
                source: Box::new(source),
            })?;
        }
        tx.commit()
            .map_err(|source| StoreError::Commit { path: path.clone(), source: Box::new(source) })
    }

    /// Reads everything back: every record exactly as last committed, and every HTLC.
    pub fn load(&self) -> Result<Loaded, StoreError> {
        let mut out = Loaded::default();
        self.load_pays(&mut out.records)?;
        self.load_parts(&mut out.records)?;
        self.load_htlcs(&mut out.htlcs)?;
        self.load_layers(&mut out.records)?;
        Ok(out)
    }

    /// The persistent layers and what was learned of each channel.
    fn load_layers(&self, records: &mut Vec<Record>) -> Result<(), StoreError> {
        let err = self.read_err("layers");
        let mut stmt =
            self.conn.prepare("SELECT name, record FROM layers ORDER BY name").map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let name: String = row.get(0).map_err(&err)?;
            let json: String = row.get(1).map_err(&err)?;
            let rec: route::layer::Layer = serde_json::from_str(&json).map_err(|source| {
                StoreError::CorruptRecord { key: RowKey::Layer { name }, source }
            })?;
            records.push(Record::Layer(rec));
        }
        let err = self.read_err("learned");
        let mut stmt = self
            .conn
            .prepare("SELECT scid_dir, record FROM learned ORDER BY scid_dir")
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let scid_dir: String = row.get(0).map_err(&err)?;
            let json: String = row.get(1).map_err(&err)?;
            let Ok(channel) = scid_dir.parse::<types::ShortChannelIdDir>() else {
                return Err(StoreError::CorruptColumn {
                    key: RowKey::Learned { scid_dir: scid_dir.clone() },
                    column: "scid_dir",
                    value: scid_dir,
                });
            };
            let learned: route::knowledge::Learned =
                serde_json::from_str(&json).map_err(|source| StoreError::CorruptRecord {
                    key: RowKey::Learned { scid_dir },
                    source,
                })?;
            records.push(Record::Learned { channel, learned: Some(learned) });
        }
        Ok(())
    }

    fn read_err(&self, table: &'static str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Read { path: self.path.clone(), table, source: Box::new(source) }
    }

    fn load_pays(&self, records: &mut Vec<Record>) -> Result<(), StoreError> {
        let err = self.read_err("pays");
        let mut stmt =
            self.conn.prepare("SELECT id, record FROM pays ORDER BY id").map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let id: i64 = row.get(0).map_err(&err)?;
            let json: String = row.get(1).map_err(&err)?;
            let rec: PayRecord = serde_json::from_str(&json).map_err(|source| {
                StoreError::CorruptRecord { key: RowKey::Pay { id: uint(id) }, source }
            })?;
            records.push(Record::Pay(rec));
        }
        Ok(())
    }

    fn load_parts(&self, records: &mut Vec<Record>) -> Result<(), StoreError> {
        let err = self.read_err("parts");
        let mut stmt = self
            .conn
            .prepare(
                "SELECT payment_hash, partid, groupid, record FROM parts
                 ORDER BY created_index, rowid",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let key = RowKey::Part {
                payment_hash: row.get(0).map_err(&err)?,
                partid: uint(row.get(1).map_err(&err)?),
                groupid: uint(row.get(2).map_err(&err)?),
            };
            let json: String = row.get(3).map_err(&err)?;
            let rec: PartRecord = serde_json::from_str(&json)
                .map_err(|source| StoreError::CorruptRecord { key, source })?;
            records.push(Record::Part(rec));
        }
        Ok(())
    }

    fn load_htlcs(&self, htlcs: &mut Vec<HtlcRow>) -> Result<(), StoreError> {
        let err = self.read_err("htlcs");
        let mut stmt = self
            .conn
            .prepare(
                "SELECT payment_hash, partid, groupid, scid, htlc_id FROM htlcs
                 ORDER BY scid, htlc_id",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        while let Some(row) = rows.next().map_err(&err)? {
            let hash: String = row.get(0).map_err(&err)?;
            let partid = uint(row.get(1).map_err(&err)?);
            let groupid = uint(row.get(2).map_err(&err)?);
            let scid: String = row.get(3).map_err(&err)?;
            let htlc_id = uint(row.get(4).map_err(&err)?);
            let key = || RowKey::Part { payment_hash: hash.clone(), partid, groupid };
            let Ok(payment_hash) = hash.parse::<PaymentHash>() else {
                return Err(StoreError::CorruptColumn {
                    key: key(),
                    column: "payment_hash",
                    value: hash.clone(),
                });
            };
            let Ok(scid_v) = scid.parse::<ShortChannelId>() else {
                return Err(StoreError::CorruptColumn { key: key(), column: "scid", value: scid });
            };
            htlcs.push(HtlcRow {
                part: PartKey { payment_hash, partid, groupid },
                scid: scid_v,
                htlc_id,
            });
        }
        // Text order of scids is not numeric order.
        htlcs.sort_by_key(|h| (h.scid, h.htlc_id));
        Ok(())
    }
}

fn read_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT version FROM meta", [], |r| r.get(0))
}

/// Creates `meta` if needed and runs every migration step the file lacks.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let open_err = |source| StoreError::Open { path: path.to_path_buf(), source: Box::new(source) };
    {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(open_err)?;
        tx.execute_batch("CREATE TABLE IF NOT EXISTS meta (version INTEGER NOT NULL)")
            .map_err(open_err)?;
        let have: Option<i64> = tx
            .query_row("SELECT version FROM meta", [], |r| r.get(0))
            .optional()
            .map_err(open_err)?;
        if have.is_none() {
            tx.execute("INSERT INTO meta (version) VALUES (0)", []).map_err(open_err)?;
        }
        tx.commit().map_err(open_err)?;
    }
    let found = read_version(conn).map_err(open_err)?;
    if found > i64::from(SCHEMA_VERSION) || found < 0 {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(usize::try_from(found).unwrap_or(0)) {
        let version = (i + 1) as u32;
        let mig_err = |source| StoreError::Migration {
            path: path.to_path_buf(),
            version,
            source: Box::new(source),
        };
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(mig_err)?;
        // Re-check under the write lock: another process may have migrated meanwhile.
        let now = read_version(&tx).map_err(mig_err)?;
        if now >= i64::from(version) {
            continue;
        }
        tx.execute_batch(step).map_err(mig_err)?;
        tx.execute("UPDATE meta SET version = ?1", [i64::from(version)]).map_err(mig_err)?;
        tx.commit().map_err(mig_err)?;
    }
    Ok(())
}

fn apply(tx: &Transaction<'_>, op: &StoreOp) -> rusqlite::Result<()> {
    match op {
        StoreOp::Record(Record::Part(p)) => write_part(tx, p),
        StoreOp::Record(Record::Pay(p)) => {
            let json = to_json(p)?;
            tx.prepare_cached(
                "INSERT INTO pays (id, payment_hash, done, record) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET payment_hash = excluded.payment_hash,
                 done = excluded.done, record = excluded.record",
            )?
            .execute(params![int(p.id), p.payment_hash.to_string(), p.done, json])?;
            Ok(())
        }
        StoreOp::Record(Record::Layer(l)) => {
            let json = to_json(l)?;
            tx.prepare_cached(
                "INSERT INTO layers (name, record) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET record = excluded.record",
            )?
            .execute(params![l.name, json])?;
            Ok(())
        }
        StoreOp::Record(Record::LayerRemoved(name)) => {
            tx.prepare_cached("DELETE FROM layers WHERE name = ?1")?.execute(params![name])?;
            Ok(())
        }
        StoreOp::Record(Record::Learned { channel, learned: Some(l) }) => {
            let json = to_json(l)?;
            tx.prepare_cached(
                "INSERT INTO learned (scid_dir, min_msat, max_msat, learned_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (scid_dir) DO UPDATE SET min_msat = excluded.min_msat,
                 max_msat = excluded.max_msat, learned_at = excluded.learned_at,
                 record = excluded.record",
            )?
            .execute(params![
                channel.to_string(),
                int(l.min.0),
                l.max.map(|m| int(m.0)),
                int(l.learned_at),
                json
            ])?;
            Ok(())
        }
        StoreOp::Record(Record::Learned { channel, learned: None }) => {
            tx.prepare_cached("DELETE FROM learned WHERE scid_dir = ?1")?
                .execute(params![channel.to_string()])?;
            Ok(())
        }
        StoreOp::DeletePart(k) => {
            let hash = k.payment_hash.to_string();
            let key = params![hash, int(k.partid), int(k.groupid)];
            tx.prepare_cached(
                "DELETE FROM parts WHERE payment_hash = ?1 AND partid = ?2 AND groupid = ?3",
            )?
            .execute(key)?;
            tx.prepare_cached(
                "DELETE FROM htlcs WHERE payment_hash = ?1 AND partid = ?2 AND groupid = ?3",
            )?
            .execute(key)?;
            Ok(())
        }
        StoreOp::Htlc { part, scid, htlc_id } => {
            let hash = part.payment_hash.to_string();
            let scid = scid.to_string();
            tx.prepare_cached(
                "INSERT INTO htlcs (payment_hash, partid, groupid, scid, htlc_id)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (payment_hash, partid, groupid) DO UPDATE SET
                 scid = excluded.scid, htlc_id = excluded.htlc_id",
            )?
            .execute(params![
                hash,
                int(part.partid),
                int(part.groupid),
                scid,
                int(*htlc_id)
            ])?;
            tx.prepare_cached(
                "UPDATE parts SET scid = ?4, htlc_id = ?5
                 WHERE payment_hash = ?1 AND partid = ?2 AND groupid = ?3",
            )?
            .execute(params![
                hash,
                int(part.partid),
                int(part.groupid),
                scid,
                int(*htlc_id)
            ])?;
            Ok(())
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> rusqlite::Result<String> {
    serde_json::to_string(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn write_part(tx: &Transaction<'_>, p: &PartRecord) -> rusqlite::Result<()> {
    let json = to_json(p)?;
    let route = to_json(&p.route)?;
    let failure = p.failure.as_ref().map(to_json).transpose()?;
    let mut secrets = String::with_capacity(p.shared_secrets.len() * 64);
    for s in &p.shared_secrets {
        secrets.push_str(&types::hex::encode(s));
    }
    // The HTLC columns come from `htlcs`, whichever of the two was written first.
    tx.prepare_cached(
        "INSERT INTO parts (payment_hash, partid, groupid, status, amount_msat, amount_sent_msat,
            total_msat, destination, route, shared_secrets, payment_preimage, failure, scid,
            htlc_id, created_index, updated_index, created_at, completed_at, pay_id, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
            (SELECT scid FROM htlcs WHERE payment_hash = ?1 AND partid = ?2 AND groupid = ?3),
            (SELECT htlc_id FROM htlcs WHERE payment_hash = ?1 AND partid = ?2 AND groupid = ?3),
            ?13, ?14, ?15, ?16, ?17, ?18)
         ON CONFLICT (payment_hash, partid, groupid) DO UPDATE SET
            status = excluded.status, amount_msat = excluded.amount_msat,
            amount_sent_msat = excluded.amount_sent_msat, total_msat = excluded.total_msat,
            destination = excluded.destination, route = excluded.route,
            shared_secrets = excluded.shared_secrets, payment_preimage = excluded.payment_preimage,
            failure = excluded.failure, scid = excluded.scid, htlc_id = excluded.htlc_id,
            created_index = excluded.created_index, updated_index = excluded.updated_index,
            created_at = excluded.created_at, completed_at = excluded.completed_at,
            pay_id = excluded.pay_id, record = excluded.record",
    )?
    .execute(params![
        p.key.payment_hash.to_string(),
        int(p.key.partid),
        int(p.key.groupid),
        p.status.as_str(),
        int(p.amount_msat.0),
        int(p.amount_sent_msat.0),
        int(p.total_msat.0),
        p.destination.map(|d| d.to_string()),
        route,
        secrets,
        p.payment_preimage.map(|x| x.to_string()),
        failure,
        int(p.created_index),
        int(p.updated_index),
        int(p.created_at),
        p.completed_at.map(int),
        p.pay_id.map(int),
        json,
    ])?;
    Ok(())
}
