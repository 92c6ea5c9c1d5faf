//! A real-time driver: couples the simulator's discrete-event clock to the wall clock, so a
//! process can run the simulated network as if it were live. Simulated time advances at
//! `speed` simulated milliseconds per wall-clock millisecond from a start point; the driver
//! says which simulated time a wall-clock instant maps to ([`RealTime::sim_time_at`]), runs
//! every event due by then ([`RealTime::run_due`]) and when to wake for the next event
//! ([`RealTime::next_wake`]).
//!
//! It reads no clock of its own except in [`RealTime::new`] (which takes `Instant::now()` as
//! its origin); every other call takes the instant as an argument, so tests pass explicit
//! instants.

use crate::sim::Simulator;
use std::time::{Duration, Instant};

/// The slowest and fastest speeds accepted; others are clamped into this range.
const MIN_SPEED: f64 = 1e-6;
const MAX_SPEED: f64 = 1e9;

/// The mapping between wall-clock instants and simulated milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct RealTime {
    origin: Instant,
    start_sim_ms: u64,
    speed: f64,
}

impl RealTime {
    /// Simulated time `start_sim_ms` now, running at `speed` simulated milliseconds per
    /// wall-clock millisecond (a speed that is not finite and positive counts as 1.0; others
    /// are clamped to `[1e-6, 1e9]`).
    pub fn new(start_sim_ms: u64, speed: f64) -> RealTime {
        RealTime::with_origin(Instant::now(), start_sim_ms, speed)
    }

    /// Simulated time `start_sim_ms` at `origin`.
    pub fn with_origin(origin: Instant, start_sim_ms: u64, speed: f64) -> RealTime {
        let speed =
            if speed.is_finite() && speed > 0.0 { speed.clamp(MIN_SPEED, MAX_SPEED) } else { 1.0 };
        RealTime { origin, start_sim_ms, speed }
    }

    /// The speed in simulated milliseconds per wall-clock millisecond.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The simulated time at `instant` (the start time for instants before the origin).
    pub fn sim_time_at(&self, instant: Instant) -> u64 {
        let wall = instant.saturating_duration_since(self.origin);
        let sim = wall.as_secs_f64() * 1000.0 * self.speed;
        // `as` saturates a too-large float at u64::MAX.
        self.start_sim_ms.saturating_add(sim as u64)
    }

    /// The first instant at which the simulated time reaches `sim_ms` (the origin for times
    /// at or before the start).
    pub fn instant_at(&self, sim_ms: u64) -> Instant {
        let ahead = sim_ms.saturating_sub(self.start_sim_ms);
        if ahead == 0 {
            return self.origin;
        }
        let secs = ahead as f64 / 1000.0 / self.speed;
        // Round up to the next microsecond so the mapped time is reached at the instant.
        let micros = (secs * 1e6).ceil();
        let wait = if micros >= 1e15 {
            Duration::from_secs(1_000_000_000)
        } else {
            Duration::from_micros(micros as u64)
        };
        let at = self.origin.checked_add(wait);
        at.unwrap_or_else(|| self.origin + Duration::from_secs(86_400 * 365))
    }

    /// Runs every event due by `now` and moves the simulator's clock to the time `now` maps
    /// to (never backwards). Returns the simulator's time afterwards.
    pub fn run_due(&self, sim: &mut Simulator, now: Instant) -> u64 {
        let t = self.sim_time_at(now).max(sim.now_ms());
        sim.advance_to(t);
        sim.now_ms()
    }

    /// When the simulator's next event falls due, if it has one.
    pub fn next_wake(&self, sim: &Simulator) -> Option<Instant> {
        sim.next_event_time().map(|t| self.instant_at(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{generate, GeneratorParams, SimConfig};
    use onion::packet::OnionPacket;
    use types::{Msat, PaymentHash};

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn maps_instants_to_sim_time() {
        let t0 = Instant::now();
        let rt = RealTime::with_origin(t0, 1_000, 2.0);
        assert_eq!(rt.sim_time_at(t0), 1_000);
        assert_eq!(rt.sim_time_at(t0 + ms(500)), 2_000);
        assert_eq!(rt.sim_time_at(t0 + ms(1)), 1_002);
        // Before the origin: the start.
        if let Some(before) = t0.checked_sub(ms(10)) {
            assert_eq!(rt.sim_time_at(before), 1_000);
        }
        assert_eq!(rt.instant_at(3_000), t0 + ms(1_000));
        assert_eq!(rt.instant_at(500), t0);
        for sim_ms in [1_000u64, 1_001, 1_333, 50_000] {
            assert!(rt.sim_time_at(rt.instant_at(sim_ms)) >= sim_ms, "{sim_ms}");
        }
    }

    #[test]
    fn bad_speeds_fall_back() {
        let t0 = Instant::now();
        assert_eq!(RealTime::with_origin(t0, 0, f64::NAN).speed(), 1.0);
        assert_eq!(RealTime::with_origin(t0, 0, -3.0).speed(), 1.0);
        assert_eq!(RealTime::with_origin(t0, 0, 0.0).speed(), 1.0);
        assert_eq!(RealTime::with_origin(t0, 0, 1e20).speed(), MAX_SPEED);
        let slow = RealTime::with_origin(t0, 0, 1e-9);
        assert_eq!(slow.speed(), MIN_SPEED);
        // Far away but no overflow.
        assert!(slow.instant_at(u64::MAX) > t0);
        assert_eq!(RealTime::with_origin(t0, u64::MAX - 1, 1e9).sim_time_at(t0 + ms(10)), u64::MAX);
    }

    fn small_sim() -> Simulator {
        let topo = generate(&GeneratorParams { nodes: 30, seed: 3, ..Default::default() });
        Simulator::new(&topo, SimConfig { seed: 3, ..Default::default() }).unwrap()
    }

    #[test]
    fn runs_due_events_and_wakes_for_the_next() {
        let mut sim = small_sim();
        let payer = 0;
        sim.set_payer(payer);
        let scid = sim.node_channels(payer)[0];
        let onion = OnionPacket::from_bytes(&[0u8; onion::packet::PACKET_LEN]).unwrap();
        let t0 = Instant::now();
        let rt = RealTime::with_origin(t0, 0, 1.0);
        assert_eq!(rt.next_wake(&sim), None);
        sim.send_htlc_from(payer, scid, Msat(1000), 930_100, PaymentHash([1; 32]), onion).unwrap();
        // The HTLC arrives after the fixed 50 ms latency.
        let wake = rt.next_wake(&sim).unwrap();
        assert_eq!(wake, t0 + ms(50));
        assert_eq!(rt.run_due(&mut sim, t0 + ms(49)), 49);
        assert_eq!(sim.next_event_time(), Some(50));
        assert_eq!(rt.run_due(&mut sim, wake), 50);
        assert!(sim.next_event_time().is_some_and(|t| t > 50));
        // The clock never goes backwards.
        assert_eq!(rt.run_due(&mut sim, t0), 50);
        // Run to the end: the bad onion comes back as malformed.
        let end = rt.run_due(&mut sim, t0 + ms(10_000));
        assert_eq!(end, 10_000);
        assert_eq!(rt.next_wake(&sim), None);
        let r = sim.run_until_resolution().unwrap();
        assert!(matches!(r.resolution, crate::Resolution::Malformed { .. }));
        assert_eq!(r.time_ms, 100);
    }

    #[test]
    fn faster_speed_reaches_events_sooner() {
        let mut sim = small_sim();
        sim.set_payer(0);
        let scid = sim.node_channels(0)[0];
        let onion = OnionPacket::from_bytes(&[0u8; onion::packet::PACKET_LEN]).unwrap();
        sim.send_htlc_from(0, scid, Msat(1000), 930_100, PaymentHash([1; 32]), onion).unwrap();
        let t0 = Instant::now();
        let rt = RealTime::with_origin(t0, 0, 10.0);
        assert_eq!(rt.next_wake(&sim), Some(t0 + ms(5)));
        let rt = RealTime::with_origin(t0, 40, 10.0);
        assert_eq!(rt.next_wake(&sim), Some(t0 + ms(1)));
        let rt = RealTime::with_origin(t0, 60, 10.0);
        assert_eq!(rt.next_wake(&sim), Some(t0));
    }
}
