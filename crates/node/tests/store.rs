//! The node store: records round-trip exactly (latest wins), deletes remove a part and its
//! HTLC, the file is WAL and readable by a second (read-only) connection while open, data
//! survives a reopen, a newer schema is refused and a corrupt record is a typed error.

use lnpay_node::store::{HtlcRow, NodeStore, RowKey, StoreError, StoreOp, SCHEMA_VERSION};
use payment::{
    BlindedPayPath, BlindedPayRecord, FailureRecord, PartKey, PartRecord, PartStatus, PayRecord,
    Record,
};
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use types::blinded::{BlindedHop, BlindedPath, IntroductionNode};
use types::Hop;
use types::{
    Msat, NodeId, PaymentHash, PaymentPreimage, PaymentSecret, ShortChannelId, ShortChannelIdDir,
};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("lnpay-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self) -> PathBuf {
        self.0.join("lnpay.sqlite3")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn node(b: u8) -> NodeId {
    let mut id = [b; 33];
    id[0] = 2;
    NodeId::from_array(id).unwrap()
}

fn key(h: u8, partid: u64, groupid: u64) -> PartKey {
    PartKey { payment_hash: PaymentHash([h; 32]), partid, groupid }
}

fn part(k: PartKey, index: u64, status: PartStatus) -> PartRecord {
    PartRecord {
        created_index: index,
        updated_index: index,
        key: k,
        destination: Some(node(2)),
        amount_msat: Msat(10_000),
        total_msat: Msat(20_000),
        amount_sent_msat: Msat(10_011),
        created_at: 1_700_000_000,
        completed_at: None,
        status,
        payment_preimage: None,
        label: Some("label".into()),
        bolt11: Some("lnbcrt1...".into()),
        description: None,
        payment_secret: Some(PaymentSecret([7; 32])),
        route: vec![
            Hop {
                id: node(3),
                channel: ShortChannelId(1 << 40 | 2 << 16 | 1),
                direction: 1,
                amount: Msat(10_011),
                delay: 49,
            },
            Hop {
                id: node(2),
                channel: ShortChannelId(5 << 40 | 6 << 16),
                direction: 0,
                amount: Msat(10_000),
                delay: 9,
            },
        ],
        shared_secrets: vec![[8; 32], [9; 32]],
        cltv_expiry: 800_049,
        pay_id: Some(1),
        failure: None,
        blinded_tail: None,
    }
}

fn pay(id: u64, h: u8, attempts: u32, done: bool) -> PayRecord {
    PayRecord {
        id,
        payment_hash: PaymentHash([h; 32]),
        groupid: 1,
        destination: node(2),
        final_cltv: 9,
        keysend_preimage: None,
        bolt11: "lnbcrt1...".into(),
        amount_msat: Msat(20_000),
        total_msat: None,
        riskfactor_millionths: 10_000_000,
        max_fee: Msat(1000),
        max_delay: 2016,
        shadow_cltv: 0,
        created_at_ms: 1_700_000_000_000,
        deadline_ms: 1_700_000_060_000,
        exclude_channels: vec![],
        exclude_nodes: vec![],
        label: None,
        description: None,
        attempts,
        next_partid: 2,
        done,
        layers: vec!["mine".into()],
        max_parts: Some(6),
        max_parts_from_partid: 1,
        parts_refused: 12,
        blinded: None,
    }
}

fn scid(n: u64) -> ShortChannelId {
    ShortChannelId(n << 40)
}

#[test]
fn records_round_trip_latest_wins_and_delete_removes_part_and_htlc() {
    let dir = TempDir::new("roundtrip");
    let mut store = NodeStore::open(&dir.file()).unwrap();
    assert_eq!(store.schema_version().unwrap(), i64::from(SCHEMA_VERSION));
    assert_eq!(store.load().unwrap().records.len(), 0);

    let (a, b, c) = (key(1, 1, 1), key(1, 2, 1), key(2, u64::MAX, u64::MAX - 1));
    // The HTLC of `c` is written before its record: both orders fill the part's columns.
    store.commit(&[StoreOp::Htlc { part: c, scid: scid(3), htlc_id: u64::MAX }]).unwrap();
    store
        .commit(&[
            StoreOp::Record(Record::Pay(pay(1, 1, 1, false))),
            StoreOp::Record(Record::Part(part(a, 1, PartStatus::Pending))),
            StoreOp::Htlc { part: a, scid: scid(2), htlc_id: 0 },
            StoreOp::Record(Record::Part(part(b, 2, PartStatus::Pending))),
            StoreOp::Htlc { part: b, scid: scid(2), htlc_id: 1 },
            StoreOp::Record(Record::Part(part(c, 3, PartStatus::Pending))),
        ])
        .unwrap();

    // Later versions replace earlier ones.
    let mut a_done = part(a, 1, PartStatus::Complete);
    a_done.updated_index = 4;
    a_done.completed_at = Some(1_700_000_005);
    a_done.payment_preimage = Some(PaymentPreimage([5; 32]));
    let mut b_failed = part(b, 2, PartStatus::Failed);
    b_failed.updated_index = 5;
    b_failed.failure = Some(FailureRecord {
        code: 204,
        message: "failed: WIRE_TEMPORARY_CHANNEL_FAILURE".into(),
        erring_index: Some(1),
        erring_node: Some(node(3)),
        erring_channel: Some(scid(9)),
        erring_direction: Some(0),
        failcode: Some(0x1007),
        raw_message: Some(vec![0x10, 0x07, 0, 0]),
        onionreply: None,
    });
    let pay_done = pay(1, 1, 2, true);
    store
        .commit(&[
            StoreOp::Record(Record::Part(a_done.clone())),
            StoreOp::Record(Record::Part(b_failed.clone())),
            StoreOp::Record(Record::Pay(pay_done.clone())),
        ])
        .unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(
        loaded.records,
        vec![
            Record::Pay(pay_done.clone()),
            Record::Part(a_done.clone()),
            Record::Part(b_failed.clone()),
            Record::Part(part(c, 3, PartStatus::Pending)),
        ]
    );
    assert_eq!(
        loaded.htlcs,
        vec![
            HtlcRow { part: a, scid: scid(2), htlc_id: 0 },
            HtlcRow { part: b, scid: scid(2), htlc_id: 1 },
            HtlcRow { part: c, scid: scid(3), htlc_id: u64::MAX },
        ]
    );

    // The real columns say the same as the records.
    let conn = Connection::open_with_flags(dir.file(), OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let (status, preimage, scid_col, htlc_id): (String, Option<String>, String, i64) = conn
        .query_row(
            "SELECT status, payment_preimage, scid, htlc_id FROM parts WHERE partid = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(status, "complete");
    assert_eq!(preimage, Some(PaymentPreimage([5; 32]).to_string()));
    assert_eq!(scid_col, "2x0x0");
    assert_eq!(htlc_id, 0);
    let c_htlc: i64 = conn
        .query_row(
            "SELECT htlc_id FROM parts WHERE payment_hash = ?1",
            [c.payment_hash.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(c_htlc as u64, u64::MAX);
    let failure: String =
        conn.query_row("SELECT failure FROM parts WHERE partid = 2", [], |r| r.get(0)).unwrap();
    assert_eq!(serde_json::from_str::<FailureRecord>(&failure).unwrap(), b_failed.failure.unwrap());
    let (secrets, route): (String, String) = conn
        .query_row("SELECT shared_secrets, route FROM parts WHERE partid = 2", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(secrets, format!("{}{}", "08".repeat(32), "09".repeat(32)));
    assert_eq!(serde_json::from_str::<Vec<Hop>>(&route).unwrap().len(), 2);
    let done: bool =
        conn.query_row("SELECT done FROM pays WHERE id = 1", [], |r| r.get(0)).unwrap();
    assert!(done);

    // Delete removes the part and its HTLC row, nothing else.
    store.commit(&[StoreOp::DeletePart(b)]).unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(loaded.records.len(), 3);
    assert!(!loaded.records.iter().any(|r| matches!(r, Record::Part(p) if p.key == b)));
    assert_eq!(loaded.htlcs.len(), 2);
    assert!(!loaded.htlcs.iter().any(|h| h.part == b));
    let n: i64 = conn.query_row("SELECT count(*) FROM htlcs", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
}

#[test]
fn a_failed_commit_keeps_nothing() {
    let dir = TempDir::new("atomic");
    let mut store = NodeStore::open(&dir.file()).unwrap();
    let a = key(1, 1, 1);
    store.commit(&[StoreOp::Record(Record::Part(part(a, 1, PartStatus::Pending)))]).unwrap();
    // A trigger makes the second op of the next commit fail.
    let side = Connection::open(dir.file()).unwrap();
    side.execute_batch(
        "CREATE TRIGGER no_pay BEFORE INSERT ON pays BEGIN SELECT RAISE(ABORT, 'no'); END",
    )
    .unwrap();
    drop(side);
    let err = store
        .commit(&[
            StoreOp::Record(Record::Part(part(key(2, 1, 1), 2, PartStatus::Pending))),
            StoreOp::Record(Record::Pay(pay(7, 2, 1, false))),
        ])
        .unwrap_err();
    assert!(matches!(&err, StoreError::Write { key: RowKey::Pay { id: 7 }, .. }), "{err}");
    assert_eq!(
        err.to_string().split(':').next().unwrap(),
        format!("cannot write pay 7 to store {}", dir.file().display())
    );
    assert_eq!(store.load().unwrap().records.len(), 1);
}

#[test]
fn wal_mode_full_sync_and_a_second_reader_sees_rows_while_open() {
    let dir = TempDir::new("wal");
    let mut store = NodeStore::open(&dir.file()).unwrap();
    // WAL is a property of the file; `synchronous` of the store's own connection (2 = FULL).
    let c = Connection::open(dir.file()).unwrap();
    let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    drop(c);
    assert_eq!(store.synchronous().unwrap(), 2);
    store
        .commit(&[
            StoreOp::Record(Record::Part(part(key(1, 1, 1), 1, PartStatus::Pending))),
            StoreOp::Htlc { part: key(1, 1, 1), scid: scid(1), htlc_id: 4 },
        ])
        .unwrap();
    // As `sqlite3 lnpay.sqlite3 'select * from parts'` would, while the store stays open.
    let reader = Connection::open_with_flags(dir.file(), OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let rows: Vec<(String, i64, String)> = reader
        .prepare("SELECT payment_hash, htlc_id, status FROM parts")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows, vec![("01".repeat(32), 4, "pending".to_string())]);
    // The writer goes on while the reader holds its connection.
    store
        .commit(&[StoreOp::Record(Record::Part(part(key(1, 2, 1), 2, PartStatus::Pending)))])
        .unwrap();
    let n: i64 = reader.query_row("SELECT count(*) FROM parts", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
    // The sqlite3 program, when installed, reads it too.
    if let Ok(out) = std::process::Command::new("sqlite3")
        .arg(dir.file())
        .arg("select status from parts order by created_index")
        .output()
    {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "pending\npending\n");
    }
}

#[test]
fn a_bolt12_pay_keeps_its_blinded_paths_and_each_part_its_path_through_a_reopen() {
    let dir = TempDir::new("bolt12");
    let secp = onion::secp256k1::Secp256k1::new();
    let pk = |b: u8| {
        let sk = onion::secp256k1::SecretKey::from_slice(&[b; 32]).unwrap();
        onion::secp256k1::PublicKey::from_secret_key(&secp, &sk)
    };
    let hop = |b: u8, data: Vec<u8>| BlindedHop {
        blinded_node_id: pk(b),
        encrypted_recipient_data: data,
    };
    let pay_path = |path: BlindedPath, max: u64| BlindedPayPath {
        path,
        fee_base_msat: 1_000,
        fee_proportional_millionths: 250,
        cltv_expiry_delta: 144,
        htlc_minimum_msat: Msat(1),
        htlc_maximum_msat: Msat(max),
    };
    let paths = vec![
        pay_path(
            BlindedPath {
                introduction_node: IntroductionNode::NodeId(pk(1)),
                first_path_key: pk(2),
                hops: vec![hop(3, vec![1, 2, 3]), hop(4, vec![])],
            },
            5_000_000,
        ),
        // A channel names the introduction node; a path without hops is kept as given.
        pay_path(
            BlindedPath {
                introduction_node: IntroductionNode::Channel(
                    ShortChannelIdDir::new(scid(5), 1).unwrap(),
                ),
                first_path_key: pk(5),
                hops: vec![],
            },
            u64::MAX,
        ),
    ];
    let mut p = pay(7, 9, 1, false);
    p.bolt11 = "lni1...".into();
    p.blinded = Some(BlindedPayRecord { paths, mpp: true });
    let mut pt = part(key(9, 1, 1), 1, PartStatus::Pending);
    pt.blinded_tail = Some(1);
    let recs = vec![Record::Pay(p), Record::Part(pt)];
    {
        let mut store = NodeStore::open(&dir.file()).unwrap();
        let ops: Vec<StoreOp> = recs.iter().cloned().map(StoreOp::Record).collect();
        store.commit(&ops).unwrap();
    }
    let store = NodeStore::open(&dir.file()).unwrap();
    assert_eq!(store.load().unwrap().records, recs);
}

#[test]
fn reopening_keeps_data() {
    let dir = TempDir::new("reopen");
    let recs = vec![
        Record::Pay(pay(3, 4, 1, false)),
        Record::Part(part(key(4, 0, 1), 1, PartStatus::Pending)),
    ];
    {
        let mut store = NodeStore::open(&dir.file()).unwrap();
        let ops: Vec<StoreOp> = recs.iter().cloned().map(StoreOp::Record).collect();
        store.commit(&ops).unwrap();
        store.commit(&[StoreOp::Htlc { part: key(4, 0, 1), scid: scid(7), htlc_id: 9 }]).unwrap();
    }
    let store = NodeStore::open(&dir.file()).unwrap();
    let loaded = store.load().unwrap();
    assert_eq!(loaded.records, recs);
    assert_eq!(loaded.htlcs, vec![HtlcRow { part: key(4, 0, 1), scid: scid(7), htlc_id: 9 }]);
    assert_eq!(store.schema_version().unwrap(), i64::from(SCHEMA_VERSION));
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = TempDir::new("newer");
    drop(NodeStore::open(&dir.file()).unwrap());
    let c = Connection::open(dir.file()).unwrap();
    c.execute("UPDATE meta SET version = ?1", [i64::from(SCHEMA_VERSION) + 1]).unwrap();
    drop(c);
    let err = NodeStore::open(&dir.file()).unwrap_err();
    match &err {
        StoreError::NewerSchema { path, found, known } => {
            assert_eq!(path, &dir.file());
            assert_eq!(*found, i64::from(SCHEMA_VERSION) + 1);
            assert_eq!(*known, SCHEMA_VERSION);
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    assert!(err.to_string().contains("newer than"), "{err}");
}

#[test]
fn a_corrupt_record_is_a_typed_error_naming_the_key() {
    let dir = TempDir::new("corrupt");
    let mut store = NodeStore::open(&dir.file()).unwrap();
    let k = key(6, 2, 3);
    store
        .commit(&[
            StoreOp::Record(Record::Part(part(k, 1, PartStatus::Pending))),
            StoreOp::Record(Record::Pay(pay(11, 6, 1, false))),
        ])
        .unwrap();
    let side = Connection::open(dir.file()).unwrap();
    side.execute(
        "UPDATE parts SET record = '{\"created_index\": 1, \"key\": ' WHERE partid = 2",
        [],
    )
    .unwrap();
    let err = store.load().unwrap_err();
    match &err {
        StoreError::CorruptRecord {
            key: RowKey::Part { payment_hash, partid, groupid }, ..
        } => {
            assert_eq!(payment_hash, &k.payment_hash.to_string());
            assert_eq!((*partid, *groupid), (2, 3));
        }
        other => panic!("expected CorruptRecord, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with(&format!("corrupt record of part {} partid 2 groupid 3", k.payment_hash)),
        "{err}"
    );

    // A pay record, and an HTLC row's channel, likewise.
    side.execute("DELETE FROM parts", []).unwrap();
    side.execute("UPDATE pays SET record = '[]'", []).unwrap();
    let err = store.load().unwrap_err();
    assert!(matches!(err, StoreError::CorruptRecord { key: RowKey::Pay { id: 11 }, .. }), "{err}");
    side.execute("DELETE FROM pays", []).unwrap();
    side.execute(
        "INSERT INTO htlcs VALUES (?1, 0, 0, 'not-a-scid', 1)",
        [k.payment_hash.to_string()],
    )
    .unwrap();
    let err = store.load().unwrap_err();
    assert!(
        matches!(&err, StoreError::CorruptColumn { column: "scid", value, .. } if value == "not-a-scid"),
        "{err}"
    );
}

#[test]
fn opening_a_missing_directory_is_a_typed_error() {
    let dir = TempDir::new("missing");
    let path = dir.0.join("no-such-dir").join("lnpay.sqlite3");
    let err = NodeStore::open(&path).unwrap_err();
    assert!(matches!(&err, StoreError::Open { path: p, .. } if *p == path), "{err}");
}
