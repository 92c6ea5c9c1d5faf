//! Success probabilities: how likely a directed channel forwards an amount given what
//! [`crate::knowledge`] knows of its liquidity, and how likely a path or a set of paths does.
//!
//! The liquidity `L` of a directed channel is a random variable on `[0, capacity]` with a prior
//! density ([`Prior`]); learning narrows it to `lo <= L <= hi`. Sending `a` while `x` of ours is
//! already in flight over the channel succeeds when `L >= a + x`, so
//! `P(a) = P(L >= a + x | lo <= L <= hi)`: 1 at or below `lo`, 0 above `hi`, and in between the
//! prior's mass above `a + x` over its mass in `[lo, hi]` (for the uniform prior, Core Lightning's
//! `(hi + 1 - a - x) / (hi + 1 - lo)`).

/// The prior distribution of a directed channel's liquidity over `[0, capacity]`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Prior {
    /// Every liquidity equally likely (Core Lightning's and renepay's model).
    #[default]
    Uniform,
    /// Liquidity mostly sits near one end of the channel (as measured on mainnet): a density
    /// `exp(-x/s) + exp(-(c-x)/s)` with `s = capacity * scale_ppm / 1_000_000`.
    Bimodal {
        /// The width of each mode, in millionths of the capacity (e.g. 100_000 = 10%).
        scale_ppm: u32,
    },
}

impl Prior {
    /// The prior's (unnormalised) mass in `[0, x]` on a channel of `capacity`.
    fn cdf(self, x: f64, capacity: f64) -> f64 {
        match self {
            Prior::Uniform => x,
            Prior::Bimodal { scale_ppm } => {
                let s = (capacity * scale_ppm as f64 / 1e6).max(1.0);
                // ∫0^x e^{-t/s} + e^{-(c-t)/s} dt
                s * (1.0 - (-x / s).exp())
                    + s * ((-(capacity - x) / s).exp() - (-capacity / s).exp())
            }
        }
    }
}

/// What is known of one directed channel's liquidity, in msat, ready for probability queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liquidity {
    /// The liquidity is at least this (learned, decayed).
    pub lo: u64,
    /// The liquidity is at most this (learned, decayed; the capacity when nothing is known).
    pub hi: u64,
    /// Our own HTLCs already in flight over the channel in this direction.
    pub in_flight: u64,
    /// The channel capacity the prior spans.
    pub capacity: u64,
}

impl Liquidity {
    /// Nothing learned: `[0, capacity]`, nothing in flight.
    pub fn unknown(capacity: u64) -> Liquidity {
        Liquidity { lo: 0, hi: capacity, in_flight: 0, capacity }
    }

    /// The amount that certainly fits (`lo` minus what is in flight).
    pub fn certain(&self) -> u64 {
        self.lo.saturating_sub(self.in_flight)
    }

    /// The most that may fit (`hi` minus what is in flight).
    pub fn possible(&self) -> u64 {
        self.hi.saturating_sub(self.in_flight)
    }

    /// The probability that the channel forwards `amount` more msat.
    pub fn probability(&self, amount: u64, prior: Prior) -> f64 {
        let need = amount.saturating_add(self.in_flight);
        if need <= self.lo {
            return 1.0;
        }
        if need > self.hi {
            return 0.0;
        }
        match prior {
            Prior::Uniform => {
                // Integer liquidity uniform on [lo, hi]: P(L >= need).
                (self.hi + 1 - need) as f64 / (self.hi + 1 - self.lo) as f64
            }
            _ => {
                let c = self.capacity.max(self.hi) as f64;
                let f_hi = prior.cdf(self.hi as f64, c);
                let f_lo = prior.cdf(self.lo as f64, c);
                let f_need = prior.cdf(need as f64, c);
                let den = f_hi - f_lo;
                if den <= 0.0 {
                    return 1.0 - (need - self.lo) as f64 / (self.hi + 1 - self.lo) as f64;
                }
                ((f_hi - f_need) / den).clamp(0.0, 1.0)
            }
        }
    }
}

/// The probability that every channel of a path forwards its amount: the product over hops,
/// each given as `(liquidity, amount forwarded over it)`.
pub fn path_probability<'a>(
    hops: impl IntoIterator<Item = (&'a Liquidity, u64)>,
    prior: Prior,
) -> f64 {
    hops.into_iter().map(|(l, a)| l.probability(a, prior)).product()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_matches_core_lightning() {
        let l = Liquidity { lo: 100, hi: 999, in_flight: 0, capacity: 1000 };
        let p = Prior::Uniform;
        assert_eq!(l.probability(0, p), 1.0);
        assert_eq!(l.probability(100, p), 1.0);
        assert_eq!(l.probability(1000, p), 0.0);
        assert!((l.probability(550, p) - 450.0 / 900.0).abs() < 1e-12);
        // In flight shifts the need.
        let f = Liquidity { in_flight: 50, ..l };
        assert_eq!(f.probability(50, p), 1.0);
        assert!((f.probability(500, p) - l.probability(550, p)).abs() < 1e-12);
        assert_eq!((f.certain(), f.possible()), (50, 949));
    }

    #[test]
    fn bimodal_is_a_distribution() {
        let p = Prior::Bimodal { scale_ppm: 100_000 };
        let l = Liquidity::unknown(1_000_000);
        assert_eq!(l.probability(0, p), 1.0);
        // Symmetric prior: half the mass above the middle.
        assert!((l.probability(500_000, p) - 0.5).abs() < 1e-6);
        // Most of the mass sits near the ends, so a small amount is less likely than under
        // the uniform prior and a near-capacity one more likely.
        assert!(l.probability(100_000, p) < l.probability(100_000, Prior::Uniform));
        assert!(l.probability(950_000, p) > l.probability(950_000, Prior::Uniform));
        let mut last = 1.0;
        for a in (0..=1_000_000).step_by(50_000) {
            let q = l.probability(a, p);
            assert!(q <= last + 1e-12);
            last = q;
        }
    }

    #[test]
    fn path_is_the_product() {
        let a = Liquidity::unknown(1000);
        let b = Liquidity { lo: 0, hi: 499, in_flight: 0, capacity: 1000 };
        let p = path_probability([(&a, 250), (&b, 250)], Prior::Uniform);
        assert!((p - (751.0 / 1001.0) * (250.0 / 500.0)).abs() < 1e-12);
    }
}
