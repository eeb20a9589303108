//! Limits on what a field may hold. Invalid input is an error value, never a panic.
//!
//! Text is trimmed and then checked, so a stray space from a phone keyboard is not an error.
//! Limits are counted in characters (Unicode scalar values), not bytes, so a young person
//! writing in any script gets the same room.

use crate::record::{FieldValue, Rating, RecordKind, Step};
use serde::Serialize;
use thiserror::Error;

/// Longest goal title.
pub const TITLE_MAX: usize = 120;
/// Longest "why it matters", strength or statement text.
pub const TEXT_MAX: usize = 2000;
/// Longest step text.
pub const STEP_TEXT_MAX: usize = 200;
/// Most small steps on one goal.
pub const STEPS_MAX: usize = 30;
/// Most progress ratings on one goal (more than one a day for a year).
pub const RATINGS_MAX: usize = 500;
/// Highest progress rating; the lowest is 0.
pub const SCORE_MAX: u8 = 10;
/// Longest meeting name.
pub const MEETING_MAX: usize = 80;

#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ValidationError {
    #[error("{field} is too long: {len} characters, the most is {max}")]
    TooLong { field: &'static str, len: usize, max: usize },
    #[error("{field} has a control character, which is not allowed")]
    ControlCharacter { field: &'static str },
    #[error("a goal can have at most {max} steps, this one has {len}")]
    TooManySteps { len: usize, max: usize },
    #[error("a goal can have at most {max} ratings, this one has {len}")]
    TooManyRatings { len: usize, max: usize },
    #[error("a rating must be from 0 to {max}, not {score}")]
    ScoreOutOfRange { score: u8, max: u8 },
    #[error("a rating's date must be a real date written YYYY-MM-DD, not {date:?}")]
    BadDate { date: String },
    #[error("a {kind} has no field called {field}")]
    FieldNotInKind { kind: &'static str, field: &'static str },
}

/// Checks `value` belongs on a record of `kind` and is within limits; returns it with text trimmed.
pub fn validate(kind: RecordKind, value: FieldValue) -> Result<FieldValue, ValidationError> {
    let name = value.name();
    if !kind.has_field(name) {
        return Err(ValidationError::FieldNotInKind { kind: kind_name(kind), field: field_label(&value) });
    }
    Ok(match value {
        FieldValue::Title(t) => FieldValue::Title(text("title", &t, TITLE_MAX, false)?),
        FieldValue::Why(t) => FieldValue::Why(text("why", &t, TEXT_MAX, true)?),
        FieldValue::Text(t) => FieldValue::Text(text("text", &t, TEXT_MAX, true)?),
        FieldValue::Meeting(m) => FieldValue::Meeting(match m {
            Some(m) => Some(text("meeting", &m, MEETING_MAX, false)?).filter(|m| !m.is_empty()),
            None => None,
        }),
        FieldValue::Steps(steps) => FieldValue::Steps(validate_steps(steps)?),
        FieldValue::Ratings(ratings) => FieldValue::Ratings(validate_ratings(ratings)?),
        other => other,
    })
}

fn validate_steps(steps: Vec<Step>) -> Result<Vec<Step>, ValidationError> {
    if steps.len() > STEPS_MAX {
        return Err(ValidationError::TooManySteps { len: steps.len(), max: STEPS_MAX });
    }
    steps.into_iter().map(|s| Ok(Step { text: text("step", &s.text, STEP_TEXT_MAX, false)?, done: s.done })).collect()
}

fn validate_ratings(ratings: Vec<Rating>) -> Result<Vec<Rating>, ValidationError> {
    if ratings.len() > RATINGS_MAX {
        return Err(ValidationError::TooManyRatings { len: ratings.len(), max: RATINGS_MAX });
    }
    for r in &ratings {
        if r.score > SCORE_MAX {
            return Err(ValidationError::ScoreOutOfRange { score: r.score, max: SCORE_MAX });
        }
        if !is_date(&r.date) {
            return Err(ValidationError::BadDate { date: r.date.chars().take(40).collect() });
        }
    }
    Ok(ratings)
}

/// Trims, then refuses control characters (newlines allowed only where `multiline`) and
/// anything longer than `max` characters.
pub fn text(field: &'static str, raw: &str, max: usize, multiline: bool) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    let bad = |c: char| c.is_control() && !(multiline && c == '\n');
    if trimmed.chars().any(bad) {
        return Err(ValidationError::ControlCharacter { field });
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(ValidationError::TooLong { field, len, max });
    }
    Ok(trimmed.to_owned())
}

/// A real calendar date written `YYYY-MM-DD` (years 1900–2999).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num =
        |r: std::ops::Range<usize>| s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..3000).contains(&y) && (1..=days).contains(&d)
}

pub fn kind_name(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Goal => "goal",
        RecordKind::Strength => "strength",
        RecordKind::Statement => "statement",
    }
}

fn field_label(value: &FieldValue) -> &'static str {
    use crate::record::FieldName::*;
    match value.name() {
        Title => "title",
        Why => "why",
        Steps => "steps",
        Ratings => "ratings",
        Status => "status",
        Text => "text",
        NoticedBy => "noticed_by",
        Meeting => "meeting",
        Visibility => "visibility",
        Deleted => "deleted",
        Accepted => "accepted",
    }
}
