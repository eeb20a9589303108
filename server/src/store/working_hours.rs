//! When the service's workers are at work, so a young person who presses "I don't feel safe
//! right now" out of hours is told their worker may not see it until they are back, and who
//! answers now. A setting of the service, not anyone's words.

use super::sql::Db;
use crate::error::{ApiError, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkingHours {
    /// The days workers are in, 1 (Monday) to 7 (Sunday).
    pub days: Vec<u8>,
    /// When the working day starts, in minutes after midnight (540 is 9:00).
    pub start_minute: u16,
    /// When it ends, in minutes after midnight, after the start (1020 is 17:00; 1440, midnight).
    pub end_minute: u16,
    /// The service's time zone as the IANA database names it ("Europe/London"): the phone works
    /// out the service's time of day in it, wherever the phone is set.
    pub time_zone: String,
}

impl WorkingHours {
    /// Days sorted and once each, or a message saying what is wrong (the admin is shown it).
    fn checked(&self) -> Result<WorkingHours> {
        let bad = |what: &str| Err(ApiError::BadRequest(format!("working hours: {what}")));
        let mut days = self.days.clone();
        days.sort_unstable();
        days.dedup();
        if days.is_empty() || days.iter().any(|d| !(1..=7).contains(d)) {
            return bad("name at least one day, as 1 (Monday) to 7 (Sunday)");
        }
        if self.start_minute >= self.end_minute || self.end_minute > 1440 {
            return bad("the day must start before it ends, within the day (minutes 0 to 1440)");
        }
        let zone = self.time_zone.trim();
        let named =
            |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || "_+-".contains(c));
        if zone.len() > 64 || !(zone == "UTC" || zone.contains('/') && zone.split('/').all(named)) {
            return bad("give the time zone as the IANA database names it, such as Europe/London");
        }
        Ok(WorkingHours { days, start_minute: self.start_minute, end_minute: self.end_minute, time_zone: zone.into() })
    }
}

/// The service's working hours, if it has said.
pub fn get(conn: &dyn Db) -> Result<Option<WorkingHours>> {
    let Some(row) = conn.query_opt("SELECT working_hours FROM service_settings WHERE id = 1", &[])? else {
        return Ok(None);
    };
    row.opt_text(0)?
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| ApiError::Internal(format!("the stored working hours can't be read: {e}")))
}

/// Checks and stores new working hours (None: the service sets none); what was stored.
pub fn set(conn: &dyn Db, hours: Option<&WorkingHours>) -> Result<Option<WorkingHours>> {
    let hours = hours.map(WorkingHours::checked).transpose()?;
    let json = hours.as_ref().map(serde_json::to_string).transpose().map_err(|e| ApiError::Internal(e.to_string()))?;
    conn.execute("UPDATE service_settings SET working_hours = ?1 WHERE id = 1", &[json.into()])?;
    Ok(hours)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(days: &[u8], start: u16, end: u16, zone: &str) -> WorkingHours {
        WorkingHours { days: days.to_vec(), start_minute: start, end_minute: end, time_zone: zone.into() }
    }

    #[test]
    fn days_are_kept_in_order_once_each() {
        let h = hours(&[5, 1, 3, 1], 540, 1020, " Europe/London ").checked().unwrap();
        assert_eq!(h, hours(&[1, 3, 5], 540, 1020, "Europe/London"));
        assert!(hours(&[6, 7], 0, 1440, "UTC").checked().is_ok());
        assert!(hours(&[1], 600, 900, "America/Argentina/Buenos_Aires").checked().is_ok());
    }

    #[test]
    fn what_makes_no_working_day_is_refused_saying_why() {
        for (h, says) in [
            (hours(&[], 540, 1020, "UTC"), "at least one day"),
            (hours(&[0, 1], 540, 1020, "UTC"), "at least one day"),
            (hours(&[8], 540, 1020, "UTC"), "at least one day"),
            (hours(&[1], 1020, 540, "UTC"), "start before it ends"),
            (hours(&[1], 540, 540, "UTC"), "start before it ends"),
            (hours(&[1], 540, 1441, "UTC"), "start before it ends"),
            (hours(&[1], 540, 1020, ""), "time zone"),
            (hours(&[1], 540, 1020, "London"), "time zone"),
            (hours(&[1], 540, 1020, "Europe/<script>"), "time zone"),
            (hours(&[1], 540, 1020, "Europe//London"), "time zone"),
        ] {
            let e = h.checked().unwrap_err().to_string();
            assert!(e.contains(says), "{h:?}: {e}");
        }
    }
}
