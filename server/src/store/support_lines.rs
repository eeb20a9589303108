//! Who a young person can talk to now: helplines the service names (Childline, Shout, its own
//! out-of-hours line), shown beside "I don't feel safe right now". An alert waits until a key
//! worker looks; a helpline answers at night. Service settings, not anyone's words.

use super::sql::Db;
use crate::error::{ApiError, Result};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// At most this many: a young person in crisis reads a short list, not a directory.
pub const MAX_LINES: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Phone it.
    Call,
    /// Send it a text message.
    Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportLine {
    /// What it is called: "Childline". Up to 60 characters.
    pub name: String,
    /// Call it or text it.
    pub reach: Reach,
    /// The number as people dial it: digits and spaces, with a leading + for abroad.
    pub number: String,
    /// What to know before calling, in a few plain words: "Free, day or night. Up to 19." Up to
    /// 140 characters; may be empty.
    #[serde(default)]
    pub note: String,
}

impl SupportLine {
    /// Trimmed, or a message saying what is wrong with it (the app shows it to the admin).
    fn checked(&self, place: usize) -> Result<SupportLine> {
        let bad = |what: &str| Err(ApiError::BadRequest(format!("support line {place}: {what}")));
        let (name, number, note) = (self.name.trim(), self.number.trim(), self.note.trim());
        if name.is_empty() || name.chars().count() > 60 {
            return bad("give it a name of 1 to 60 characters");
        }
        let digits = number.chars().filter(char::is_ascii_digit).count();
        let dialable = number.strip_prefix('+').unwrap_or(number).chars().all(|c| c.is_ascii_digit() || c == ' ');
        if !dialable || !(3..=15).contains(&digits) {
            return bad("the number must be 3 to 15 digits (spaces, and a + at the start, allowed)");
        }
        if note.chars().count() > 140 {
            return bad("the note must be 140 characters or fewer");
        }
        Ok(SupportLine { name: name.into(), reach: self.reach, number: number.into(), note: note.into() })
    }
}

/// The service's list, in the order the admin gave.
pub fn list(conn: &dyn Db) -> Result<Vec<SupportLine>> {
    let row = conn.query_opt("SELECT support_lines FROM service_settings WHERE id = 1", &[])?;
    match row {
        Some(r) => serde_json::from_str(r.text(0)?)
            .map_err(|e| ApiError::Internal(format!("the stored support lines can't be read: {e}"))),
        None => Ok(vec![]),
    }
}

/// Checks and stores a new list in place of the old; what was stored.
pub fn replace(conn: &dyn Db, lines: &[SupportLine]) -> Result<Vec<SupportLine>> {
    if lines.len() > MAX_LINES {
        return Err(ApiError::BadRequest(format!("at most {MAX_LINES} support lines")));
    }
    let lines = lines.iter().enumerate().map(|(i, l)| l.checked(i + 1)).collect::<Result<Vec<_>>>()?;
    let json = serde_json::to_string(&lines).map_err(|e| ApiError::Internal(e.to_string()))?;
    conn.execute("UPDATE service_settings SET support_lines = ?1 WHERE id = 1", &[json.into()])?;
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(name: &str, number: &str, note: &str) -> SupportLine {
        SupportLine { name: name.into(), reach: Reach::Call, number: number.into(), note: note.into() }
    }

    #[test]
    fn a_line_is_trimmed_and_kept() {
        let l = line("  Childline ", " 0800 1111 ", " Free, any time. ").checked(1).unwrap();
        assert_eq!(l, line("Childline", "0800 1111", "Free, any time."));
        assert!(line("Abroad", "+44 800 1111", "").checked(1).is_ok());
    }

    #[test]
    fn what_cannot_be_dialled_or_read_is_refused_with_its_place() {
        for (l, says) in [
            (line(" ", "0800 1111", ""), "support line 2: give it a name"),
            (line(&"x".repeat(61), "0800 1111", ""), "name of 1 to 60"),
            (line("A", "08", ""), "3 to 15 digits"),
            (line("A", "0800-1111", ""), "3 to 15 digits"),
            (line("A", "tel:0800", ""), "3 to 15 digits"),
            (line("A", "1234567890123456", ""), "3 to 15 digits"),
            (line("A", "0800 1111", &"n".repeat(141)), "140 characters"),
        ] {
            let e = l.checked(2).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }
}
