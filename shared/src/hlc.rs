//! Hybrid logical clock: wall time in milliseconds plus a counter.
//!
//! Device clocks can be days wrong. An HLC never goes backwards on one device, and the server
//! caps a write's clock at its own when it first accepts it, so a phone set a week ahead cannot
//! win every same-side tie for a week.

use crate::ids::DeviceId;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch, as this clock believes it.
    #[ts(type = "number")]
    #[cfg_attr(feature = "openapi", schema(maximum = 9_223_372_036_854_775_807_i64))]
    pub ms: u64,
    /// Orders events within the same millisecond.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, minimum = 0, maximum = 4_294_967_295_i64))]
    pub count: u32,
}

impl Hlc {
    pub const ZERO: Hlc = Hlc { ms: 0, count: 0 };

    /// The clock's next reading for a local event, given the wall clock now.
    pub fn tick(self, now_ms: u64) -> Hlc {
        if now_ms > self.ms {
            Hlc { ms: now_ms, count: 0 }
        } else {
            Hlc { ms: self.ms, count: self.count.saturating_add(1) }
        }
    }

    /// The clock's next reading after seeing `remote` (from a pull or another device).
    pub fn observe(self, remote: Hlc, now_ms: u64) -> Hlc {
        let latest = self.max(remote);
        latest.tick(now_ms)
    }

    /// A write's clock as the server accepts it: never later than the server's own clock.
    /// `server` must be a fresh reading of the server's HLC, so capped clocks stay distinct.
    pub fn capped_at(self, server: Hlc) -> Hlc {
        self.min(server)
    }
}

/// Identity and order of one field write: its (capped) clock, then its device for ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Stamp {
    pub hlc: Hlc,
    pub device: DeviceId,
}
