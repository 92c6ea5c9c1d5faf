//! What every node needs and the simulation keeps trivial: a silent logger, a fixed fee rate,
//! a broadcaster the chain reads, in-memory monitors, no filter.

use super::*;

/// A logger that drops everything (LDK logs a lot at trace level).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLog;

impl Logger for NoLog {
    fn log(&self, _record: Record) {}
}

/// A fixed fee rate of 253 sat per 1000 weight (the floor) for every target.
#[derive(Debug, Default)]
pub struct Fees;

impl FeeEstimator for Fees {
    fn get_est_sat_per_1000_weight(&self, _target: ConfirmationTarget) -> u32 {
        253
    }
}

/// Collects what a node broadcasts (its funding transactions) for the chain to mine.
#[derive(Debug, Default)]
pub struct Broadcast {
    pub(super) txs: Mutex<Vec<Transaction>>,
}

impl Broadcast {
    pub(super) fn take(&self) -> Vec<Transaction> {
        std::mem::take(&mut *lock(&self.txs))
    }
}

impl BroadcasterInterface for Broadcast {
    fn broadcast_transactions(&self, txs: &[&Transaction]) {
        lock(&self.txs).extend(txs.iter().map(|t| (*t).clone()));
    }
}

/// Channel monitors kept in memory only: every update completes at once.
#[derive(Debug, Default)]
pub struct NoPersist;

impl Persist<InMemorySigner> for NoPersist {
    fn persist_new_channel(
        &self,
        _name: MonitorName,
        _monitor: &ChannelMonitor<InMemorySigner>,
    ) -> ChannelMonitorUpdateStatus {
        ChannelMonitorUpdateStatus::Completed
    }

    fn update_persisted_channel(
        &self,
        _name: MonitorName,
        _update: Option<&ChannelMonitorUpdate>,
        _monitor: &ChannelMonitor<InMemorySigner>,
    ) -> ChannelMonitorUpdateStatus {
        ChannelMonitorUpdateStatus::Completed
    }

    fn archive_persisted_channel(&self, _name: MonitorName) {}
}

/// A `Filter` that is never used (every node sees every block whole).
#[derive(Debug, Default)]
pub struct NoFilter;

impl Filter for NoFilter {
    fn register_tx(&self, _txid: &Txid, _script_pubkey: &bitcoin::Script) {}
    fn register_output(&self, _output: lightning::chain::WatchedOutput) {}
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

pub(super) fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
