//! A small seeded PRNG (xoshiro256**, seeded through SplitMix64): every random choice of the
//! simulator comes from one of these, so a seed fixes a whole run.

/// SplitMix64 step: used to seed [`SimRng`] and to derive independent per-item seeds.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// xoshiro256**: fast, small state, good statistical quality; not cryptographic (the keys it
/// makes are for a simulation only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimRng {
    s: [u64; 4],
}

impl SimRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> SimRng {
        let mut sm = seed;
        SimRng {
            s: [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)],
        }
    }

    /// A generator for item `index` of stream `seed`, independent of the others: lets threads
    /// draw per-item values without sharing a generator.
    pub fn for_item(seed: u64, stream: u64, index: u64) -> SimRng {
        let mut sm = seed ^ stream.rotate_left(32);
        let a = splitmix64(&mut sm);
        SimRng::new(a ^ index.wrapping_mul(0xd134_2543_de82_ef95))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `[0, n)` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.next_f64() < p
    }

    /// 32 random bytes.
    pub fn bytes32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next_u64().to_le_bytes());
        }
        out
    }

    /// A draw from a table of `(cumulative probability, value)` rows sorted by probability:
    /// the value is interpolated log-linearly between rows, which follows the heavy tails of
    /// fee and capacity distributions.
    pub fn from_quantiles(&mut self, table: &[(f64, f64)]) -> f64 {
        let u = self.next_f64();
        let mut prev = match table.first() {
            Some(&r) => r,
            None => return 0.0,
        };
        for &(p, v) in table {
            if u <= p {
                let span = p - prev.0;
                let t = if span > 0.0 { (u - prev.0) / span } else { 1.0 };
                let (a, b) = (prev.1.max(1e-9).ln(), v.max(1e-9).ln());
                return (a + (b - a) * t).exp();
            }
            prev = (p, v);
        }
        prev.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_distinct() {
        let mut a = SimRng::new(1);
        let mut b = SimRng::new(1);
        let mut c = SimRng::new(2);
        let xa: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
        assert_ne!(SimRng::for_item(1, 2, 3), SimRng::for_item(1, 2, 4));
    }

    #[test]
    fn ranges() {
        let mut r = SimRng::new(7);
        for _ in 0..1000 {
            assert!(r.below(10) < 10);
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f));
            let q = r.from_quantiles(&[(0.0, 10.0), (0.5, 100.0), (1.0, 1000.0)]);
            assert!((9.99..=1000.01).contains(&q), "{q}");
        }
        assert_eq!(r.below(0), 0);
    }
}
