//! One test per validation limit.

use tandem_shared::validate::*;
use tandem_shared::{FieldValue, Rating, RecordKind, Step};

fn goal(v: FieldValue) -> Result<FieldValue, ValidationError> {
    validate(RecordKind::Goal, v)
}

#[test]
fn text_is_trimmed() {
    assert_eq!(goal(FieldValue::Title("  get a job \n".into())), Ok(FieldValue::Title("get a job".into())));
}

#[test]
fn title_may_be_at_most_120_characters_counted_as_characters_not_bytes() {
    assert!(goal(FieldValue::Title("é".repeat(TITLE_MAX))).is_ok());
    assert_eq!(
        goal(FieldValue::Title("é".repeat(TITLE_MAX + 1))),
        Err(ValidationError::TooLong { field: "title", len: TITLE_MAX + 1, max: TITLE_MAX })
    );
}

#[test]
fn longer_text_may_be_at_most_2000_characters() {
    assert!(validate(RecordKind::Statement, FieldValue::Text("a".repeat(TEXT_MAX))).is_ok());
    assert!(matches!(
        validate(RecordKind::Statement, FieldValue::Text("a".repeat(TEXT_MAX + 1))),
        Err(ValidationError::TooLong { .. })
    ));
    assert!(matches!(goal(FieldValue::Why("a".repeat(TEXT_MAX + 1))), Err(ValidationError::TooLong { .. })));
}

#[test]
fn control_characters_are_refused_but_newlines_are_fine_in_long_text() {
    assert_eq!(goal(FieldValue::Title("a\u{0}b".into())), Err(ValidationError::ControlCharacter { field: "title" }));
    assert_eq!(
        goal(FieldValue::Title("line\nbreak".into())),
        Err(ValidationError::ControlCharacter { field: "title" })
    );
    assert_eq!(goal(FieldValue::Why("line\nbreak".into())), Ok(FieldValue::Why("line\nbreak".into())));
    assert!(goal(FieldValue::Why("bell\u{7}".into())).is_err());
}

#[test]
fn a_goal_has_at_most_30_steps_of_at_most_200_characters() {
    let step = |t: &str| Step { text: t.into(), done: false };
    assert!(goal(FieldValue::Steps(vec![step("x"); STEPS_MAX])).is_ok());
    assert_eq!(
        goal(FieldValue::Steps(vec![step("x"); STEPS_MAX + 1])),
        Err(ValidationError::TooManySteps { len: STEPS_MAX + 1, max: STEPS_MAX })
    );
    assert!(matches!(
        goal(FieldValue::Steps(vec![step(&"s".repeat(STEP_TEXT_MAX + 1))])),
        Err(ValidationError::TooLong { field: "step", .. })
    ));
}

#[test]
fn ratings_are_0_to_10_on_real_dates() {
    let r = |date: &str, score| Rating { date: date.into(), score };
    assert!(goal(FieldValue::Ratings(vec![r("2026-11-23", 0), r("2024-02-29", 10)])).is_ok());
    assert_eq!(
        goal(FieldValue::Ratings(vec![r("2026-11-23", 11)])),
        Err(ValidationError::ScoreOutOfRange { score: 11, max: 10 })
    );
    for bad in ["2026-02-29", "2026-13-01", "2026-1-1", "yesterday", "2026-11-23T00", "", "+026-11-23"] {
        assert!(matches!(goal(FieldValue::Ratings(vec![r(bad, 5)])), Err(ValidationError::BadDate { .. })), "{bad}");
    }
}

#[test]
fn a_goal_has_at_most_500_ratings() {
    let many = vec![Rating { date: "2026-01-01".into(), score: 3 }; RATINGS_MAX + 1];
    assert!(matches!(goal(FieldValue::Ratings(many)), Err(ValidationError::TooManyRatings { .. })));
}

#[test]
fn meeting_names_are_at_most_80_characters_and_blank_means_none() {
    let st = |m: &str| validate(RecordKind::Statement, FieldValue::Meeting(Some(m.into())));
    assert_eq!(st("   "), Ok(FieldValue::Meeting(None)));
    assert!(st(&"m".repeat(MEETING_MAX)).is_ok());
    assert!(matches!(st(&"m".repeat(MEETING_MAX + 1)), Err(ValidationError::TooLong { field: "meeting", .. })));
}

#[test]
fn a_field_must_belong_to_the_records_kind() {
    assert_eq!(
        goal(FieldValue::Text("x".into())),
        Err(ValidationError::FieldNotInKind { kind: "goal", field: "text" })
    );
    assert!(validate(RecordKind::Strength, FieldValue::Title("x".into())).is_err());
    assert!(validate(RecordKind::Statement, FieldValue::Meeting(None)).is_ok());
}

#[test]
fn invalid_utf8_and_unknown_fields_never_decode() {
    let bad_utf8: &[u8] = b"{\"field\":\"title\",\"value\":\"\xff\xfe\"}";
    assert!(serde_json::from_slice::<FieldValue>(bad_utf8).is_err());
    assert!(serde_json::from_str::<FieldValue>(r#"{"field":"risk_score","value":9}"#).is_err());
    assert!(serde_json::from_str::<FieldValue>(r#"{"field":"status","value":"on_fire"}"#).is_err());
    assert!(serde_json::from_str::<FieldValue>(r#"{"field":"meeting"}"#).is_err(), "a missing value is not a clear");
    assert_eq!(
        serde_json::from_str::<FieldValue>(r#"{"field":"meeting","value":null}"#).unwrap(),
        FieldValue::Meeting(None)
    );
}
