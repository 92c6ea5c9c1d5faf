//! The network's SQLite store (`network.sqlite3`): what the simulated network must keep to
//! survive its own restarts. WAL mode, versioned migrations (a `meta` row `version`, each
//! migration one numbered SQL step applied in its own transaction).
//!
//! - `meta(key, value)`: `version`, and the network's identity: `seed`, `graph`, `nodes`,
//!   `payer` (node index), `payer_id`.
//! - `inputs(seq, sim_time_ms, kind, bytes)`: every input in the order applied, with the
//!   simulated time it was applied at. Kinds: [`INPUT_ADD`] (an `update_add_htlc`),
//!   [`INPUT_INVOICE`] (an `InvoiceRequest`), [`INPUT_ADVANCE`] (the clock reached this time
//!   before something was made visible outside; no bytes). Bytes are BOLT 1 messages (type
//!   first).
//! - `resolutions(seq, channel_id, htlc_id, kind, bytes, acked, sim_time_ms)`: the
//!   resolution of each of the node's HTLCs (message type and BOLT 1 bytes), in order.
//! - `received(seq, payee, payment_hash, amount_msat, parts, sim_time_ms)`: what receivers
//!   settled (a hash settled twice shows twice).
//! - `channels(scid, node0, node1, balance0_msat, balance1_msat)`: every channel's balances
//!   (BOLT 7 node order), rewritten as they change.
//!
//! Integers are stored as SQLite's signed 64-bit integers, u64 values bit for bit.

use harness::network::journal::{Journal, JournalError};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::path::{Path, PathBuf};

pub use harness::network::journal::{
    Batch, ChannelRow, LoggedInput, ReceivedRow, StoredResolution, INPUT_ADD, INPUT_ADVANCE,
    INPUT_INVOICE,
};

/// The migrations, in order: migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE inputs (
        seq INTEGER PRIMARY KEY,
        sim_time_ms INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        bytes BLOB NOT NULL
    );
    CREATE TABLE resolutions (
        seq INTEGER PRIMARY KEY,
        channel_id TEXT NOT NULL,
        htlc_id INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        acked INTEGER NOT NULL DEFAULT 0,
        sim_time_ms INTEGER NOT NULL,
        UNIQUE (channel_id, htlc_id)
    );
    CREATE INDEX resolutions_unacked ON resolutions (acked, seq);
    CREATE TABLE received (
        seq INTEGER PRIMARY KEY,
        payee TEXT NOT NULL,
        payment_hash TEXT NOT NULL,
        amount_msat INTEGER NOT NULL,
        parts INTEGER NOT NULL,
        sim_time_ms INTEGER NOT NULL
    );
    CREATE TABLE channels (
        scid TEXT PRIMARY KEY,
        node0 TEXT NOT NULL,
        node1 TEXT NOT NULL,
        balance0_msat INTEGER NOT NULL,
        balance1_msat INTEGER NOT NULL
    );
"];

/// Why the store failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed on this file.
    Sqlite {
        /// The store file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file's schema is newer than this program knows.
    TooNew {
        /// The store file.
        path: PathBuf,
        /// Its schema version.
        version: i64,
    },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Sqlite { path, source } => write!(f, "store {}: {source}", path.display()),
            StoreError::TooNew { path, version } => write!(
                f,
                "store {}: schema version {version} is newer than {}",
                path.display(),
                MIGRATIONS.len()
            ),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Sqlite { source, .. } => Some(source),
            StoreError::TooNew { .. } => None,
        }
    }
}

/// The open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

fn u(v: u64) -> i64 {
    v as i64
}

fn back(v: i64) -> u64 {
    v as u64
}

impl Store {
    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |source| StoreError::Sqlite { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(err)?;
        // WAL: a commit is one append; NORMAL: a commit survives a crash of this process (the
        // WAL is in the OS's hands when COMMIT returns), not a power cut.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(err)?;
        let mut store = Store { conn, path: path.to_path_buf() };
        store.migrate()?;
        Ok(store)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite { path: self.path.clone(), source }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite { path: path.clone(), source };
        self.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            )
            .map_err(err)?;
        let version: i64 = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'version'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(err)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew { path: self.path.clone(), version });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
            let tx = self.conn.transaction().map_err(err)?;
            tx.execute_batch(sql).map_err(err)?;
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('version', ?1)",
                params![(i + 1).to_string()],
            )
            .map_err(err)?;
            tx.commit().map_err(err)?;
        }
        Ok(())
    }

    /// A `meta` value.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| r.get(0))
            .optional()
            .map_err(self.err())
    }

    /// Sets `meta` values in one transaction.
    pub fn set_meta(&mut self, values: &[(&str, String)]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(err)?;
        for (k, v) in values {
            tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", params![k, v])
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Every logged input, in order.
    pub fn inputs(&self) -> Result<Vec<LoggedInput>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT sim_time_ms, kind, bytes FROM inputs ORDER BY seq")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| {
                Ok(LoggedInput { sim_time_ms: back(r.get(0)?), kind: r.get(1)?, bytes: r.get(2)? })
            })
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// Every stored resolution, in order.
    pub fn resolutions(&self) -> Result<Vec<StoredResolution>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT channel_id, htlc_id, bytes, acked FROM resolutions ORDER BY seq")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| {
                Ok(StoredResolution {
                    channel_id: r.get(0)?,
                    htlc_id: back(r.get(1)?),
                    bytes: r.get(2)?,
                    acked: r.get::<_, i64>(3)? != 0,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// Every row of `received`, in order.
    pub fn received(&self) -> Result<Vec<ReceivedRow>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT seq, payee, payment_hash, amount_msat, parts, sim_time_ms FROM received \
                 ORDER BY seq",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| {
                Ok(ReceivedRow {
                    seq: back(r.get(0)?),
                    payee: r.get(1)?,
                    payment_hash: r.get(2)?,
                    amount_msat: back(r.get(3)?),
                    parts: r.get(4)?,
                    sim_time_ms: back(r.get(5)?),
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// Every row of `channels`.
    pub fn channels(&self) -> Result<Vec<ChannelRow>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT scid, node0, node1, balance0_msat, balance1_msat FROM channels \
                 ORDER BY scid",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| {
                Ok(ChannelRow {
                    scid: r.get(0)?,
                    node0: r.get(1)?,
                    node1: r.get(2)?,
                    balance0_msat: back(r.get(3)?),
                    balance1_msat: back(r.get(4)?),
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.err())
    }

    /// Writes a batch in one transaction (resolutions and settlements already stored are
    /// left as they are).
    pub fn commit(&mut self, batch: &Batch) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(err)?;
        write_batch(&tx, batch).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Marks a resolution acknowledged.
    pub fn ack(&mut self, channel_id: &str, htlc_id: u64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE resolutions SET acked = 1 WHERE channel_id = ?1 AND htlc_id = ?2",
                params![channel_id, u(htlc_id)],
            )
            .map(drop)
            .map_err(self.err())
    }
}

impl Journal for Store {
    fn commit(&mut self, batch: &Batch) -> Result<(), JournalError> {
        Store::commit(self, batch).map_err(JournalError::from)
    }

    fn ack(&mut self, channel_id: &str, htlc_id: u64) -> Result<(), JournalError> {
        Store::ack(self, channel_id, htlc_id).map_err(JournalError::from)
    }
}

fn write_batch(tx: &Transaction<'_>, b: &Batch) -> Result<(), rusqlite::Error> {
    if !b.inputs.is_empty() {
        let mut st =
            tx.prepare_cached("INSERT INTO inputs (sim_time_ms, kind, bytes) VALUES (?1, ?2, ?3)")?;
        for i in &b.inputs {
            st.execute(params![u(i.sim_time_ms), i.kind, i.bytes])?;
        }
    }
    if !b.resolutions.is_empty() {
        let mut st = tx.prepare_cached(
            "INSERT OR IGNORE INTO resolutions (channel_id, htlc_id, kind, bytes, sim_time_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (cid, id, kind, bytes, t) in &b.resolutions {
            st.execute(params![cid, u(*id), kind, bytes, u(*t)])?;
        }
    }
    if !b.received.is_empty() {
        let mut st = tx.prepare_cached(
            "INSERT OR IGNORE INTO received \
             (seq, payee, payment_hash, amount_msat, parts, sim_time_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for r in &b.received {
            st.execute(params![
                u(r.seq),
                r.payee,
                r.payment_hash,
                u(r.amount_msat),
                r.parts,
                u(r.sim_time_ms)
            ])?;
        }
    }
    if !b.channels.is_empty() {
        let mut st = tx.prepare_cached(
            "INSERT OR REPLACE INTO channels (scid, node0, node1, balance0_msat, balance1_msat) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for c in &b.channels {
            st.execute(params![c.scid, c.node0, c.node1, u(c.balance0_msat), u(c.balance1_msat)])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("lnpay-netstore-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("network.sqlite3")
    }

    #[test]
    fn round_trips_and_ignores_duplicates() {
        let path = tmp("rt");
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.meta("version").unwrap().as_deref(), Some("1"));
        s.set_meta(&[("seed", "7".into())]).unwrap();
        let batch = Batch {
            inputs: vec![LoggedInput { sim_time_ms: u64::MAX, kind: INPUT_ADD, bytes: vec![1, 2] }],
            resolutions: vec![("ab".into(), u64::MAX, 130, vec![0, 130], 5)],
            received: vec![ReceivedRow {
                seq: 0,
                payee: "02".into(),
                payment_hash: "00".into(),
                amount_msat: 10,
                parts: 2,
                sim_time_ms: 5,
            }],
            channels: vec![ChannelRow {
                scid: "1x2x3".into(),
                node0: "a".into(),
                node1: "b".into(),
                balance0_msat: 1,
                balance1_msat: 2,
            }],
        };
        s.commit(&batch).unwrap();
        // A second time: inputs append, the rest is ignored or replaced.
        s.commit(&batch).unwrap();
        drop(s);
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.meta("seed").unwrap().as_deref(), Some("7"));
        assert_eq!(s.inputs().unwrap().len(), 2);
        assert_eq!(s.inputs().unwrap()[0], batch.inputs[0]);
        let r = s.resolutions().unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].htlc_id, r[0].acked), (u64::MAX, false));
        s.ack("ab", u64::MAX).unwrap();
        assert!(s.resolutions().unwrap()[0].acked);
        assert_eq!(s.received().unwrap(), batch.received);
        assert_eq!(s.channels().unwrap(), batch.channels);
    }

    #[test]
    fn refuses_a_newer_schema() {
        let path = tmp("new");
        let mut s = Store::open(&path).unwrap();
        s.set_meta(&[("version", "99".into())]).unwrap();
        drop(s);
        assert!(matches!(Store::open(&path), Err(StoreError::TooNew { version: 99, .. })));
    }
}
