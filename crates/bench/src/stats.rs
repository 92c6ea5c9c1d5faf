//! Medians and percentiles of timings and outcomes.

use std::time::Duration;

/// The value at quantile `q` of sorted `v` (nearest rank), `None` when empty.
pub fn quantile<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).copied()
}

/// Median and 99th percentile of a set of timings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// How many were timed.
    pub n: usize,
    /// Median.
    pub median: Duration,
    /// 99th percentile.
    pub p99: Duration,
}

impl Timing {
    /// Summarises `samples` (sorted here).
    pub fn of(mut samples: Vec<Duration>) -> Timing {
        samples.sort_unstable();
        Timing {
            n: samples.len(),
            median: quantile(&samples, 0.5).unwrap_or_default(),
            p99: quantile(&samples, 0.99).unwrap_or_default(),
        }
    }
}

/// One speed comparison: ours and LDK's timings of the same work, in the same run.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeedRow {
    /// What was timed.
    pub name: String,
    /// Ours.
    pub ours: Timing,
    /// LDK's (`None` where LDK has no counterpart).
    pub ldk: Option<Timing>,
    /// Single paths: on how many pairs both routed our fee was at most LDK's, of how many.
    pub fee_share: Option<(usize, usize)>,
    /// A remark (pairs, fees, what each side does).
    pub note: String,
}

impl SpeedRow {
    /// Ours over LDK's medians.
    pub fn ratio(&self) -> Option<f64> {
        let ldk = self.ldk?.median.as_secs_f64();
        (ldk > 0.0).then(|| self.ours.median.as_secs_f64() / ldk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(quantile(&v, 0.5), Some(50));
        assert_eq!(quantile(&v, 0.99), Some(99));
        assert_eq!(quantile(&[7u64], 0.99), Some(7));
        assert_eq!(quantile::<u64>(&[], 0.5), None);
        let t = Timing::of((1..=100).rev().map(Duration::from_millis).collect());
        assert_eq!(
            (t.n, t.median, t.p99),
            (100, Duration::from_millis(50), Duration::from_millis(99))
        );
    }
}
