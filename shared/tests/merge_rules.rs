//! One test per case of DESIGN.md's merge rule; the names read as the rule.

mod support;

use support::*;
use tandem_shared::merge::apply;
use tandem_shared::{FieldName, FieldValue, Outcome, Refusal, Visibility};

fn title_of(r: &tandem_shared::Record) -> &FieldValue {
    r.field(FieldName::Title).unwrap()
}

#[test]
fn rule1_a_write_based_on_the_current_version_is_applied() {
    let mut goal = goal_by(owner_on(1));
    let base = base_of(&goal, FieldName::Title);
    assert_eq!(apply(&mut goal, write(owner_on(2), 5, title("Get a bike"), base)), Ok(Outcome::Applied));
    assert_eq!(title_of(&goal), &title("Get a bike"));
    assert!(goal.conflicts.is_empty(), "the young person writing over their own words keeps nothing");
}

#[test]
fn rule1_a_worker_edit_based_on_the_owners_current_words_is_applied_and_their_words_kept() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(owner_on(1), 5, title("mine"), b0)).unwrap();
    let b1 = base_of(&goal, FieldName::Title);
    assert_eq!(apply(&mut goal, write(worker_on(1), 6, title("typo fixed"), b1)), Ok(Outcome::Applied));
    assert_eq!(title_of(&goal), &title("typo fixed"));
    // Their words are not lost: kept for them to see, and to take back.
    assert_eq!(goal.conflicts.len(), 1);
    assert_eq!((goal.conflicts[0].value.clone(), goal.conflicts[0].author), (title("mine"), owner_on(1)));
}

#[test]
fn rule1_the_young_persons_kept_words_go_once_they_write_again_from_them() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(owner_on(1), 5, title("mine"), b0)).unwrap();
    let b1 = base_of(&goal, FieldName::Title);
    // A worker's edit and the young person's own, both from "mine", in either order.
    let theirs = write(worker_on(1), 6, title("typo fixed"), b1);
    let again = write(owner_on(2), 7, title("mine, better"), b1);
    let mut other = goal.clone();
    apply(&mut goal, theirs.clone()).unwrap();
    apply(&mut goal, again.clone()).unwrap();
    apply(&mut other, again).unwrap();
    apply(&mut other, theirs).unwrap();
    assert_eq!(goal, other);
    assert_eq!(title_of(&goal), &title("mine, better"));
    let kept: Vec<_> = goal.conflicts.iter().map(|c| c.value.clone()).collect();
    assert_eq!(kept, vec![title("typo fixed")], "the worker's version kept; the words they wrote from, not");
}

#[test]
fn rule1_a_worker_ticking_a_step_or_changing_the_status_keeps_no_copy() {
    let mut goal = goal_by(owner_on(1));
    let status = |s| FieldValue::Status(s);
    apply(&mut goal, write(owner_on(1), 5, status(tandem_shared::GoalStatus::Paused), None)).unwrap();
    let b1 = base_of(&goal, FieldName::Status);
    assert_eq!(
        apply(&mut goal, write(worker_on(1), 6, status(tandem_shared::GoalStatus::Active), b1)),
        Ok(Outcome::Applied)
    );
    assert!(goal.conflicts.is_empty(), "only their words are kept when a worker writes over them");
}

#[test]
fn rule2_owner_beats_a_concurrent_worker_write_that_came_later() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(owner_on(1), 5, title("my words"), b0)).unwrap();
    // The worker's clock is later, but they never saw the owner's words.
    let out = apply(&mut goal, write(worker_on(1), 999, title("worker words"), b0));
    assert_eq!(out, Ok(Outcome::KeptAsConflict));
    assert_eq!(title_of(&goal), &title("my words"));
}

#[test]
fn rule2_owner_beats_a_concurrent_worker_write_that_came_first() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(worker_on(1), 999, title("worker words"), b0)).unwrap();
    let out = apply(&mut goal, write(owner_on(1), 5, title("my words"), b0));
    assert_eq!(out, Ok(Outcome::Merged));
    assert_eq!(title_of(&goal), &title("my words"));
}

#[test]
fn rule2_same_side_the_later_clock_wins() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(owner_on(2), 50, title("from phone two, later"), b0)).unwrap();
    let out = apply(&mut goal, write(owner_on(1), 40, title("from phone one, earlier"), b0));
    assert_eq!(out, Ok(Outcome::KeptAsConflict));
    assert_eq!(title_of(&goal), &title("from phone two, later"));
}

#[test]
fn rule2_same_side_equal_clocks_are_ordered_by_device_id() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    // owner_on(2) has the larger device id.
    apply(&mut goal, write(owner_on(1), 50, title("device one"), b0)).unwrap();
    let out = apply(&mut goal, write(owner_on(2), 50, title("device two"), b0));
    assert_eq!(out, Ok(Outcome::Merged));
    assert_eq!(title_of(&goal), &title("device two"));
}

#[test]
fn rule2_fields_merge_one_by_one_so_different_fields_never_conflict() {
    let mut goal = goal_by(owner_on(1));
    let bt = base_of(&goal, FieldName::Title);
    let bs = base_of(&goal, FieldName::Steps);
    let steps = FieldValue::Steps(vec![tandem_shared::Step { text: "ring the college".into(), done: true }]);
    apply(&mut goal, write(owner_on(1), 5, title("college"), bt)).unwrap();
    assert_eq!(apply(&mut goal, write(worker_on(1), 6, steps.clone(), bs)), Ok(Outcome::Applied));
    assert_eq!(title_of(&goal), &title("college"));
    assert_eq!(goal.field(FieldName::Steps), Some(&steps));
    assert!(goal.conflicts.is_empty());
}

#[test]
fn rule3_the_losing_worker_value_is_kept_as_a_conflict_naming_its_writer() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(owner_on(1), 5, title("my words"), b0)).unwrap();
    apply(&mut goal, write(worker_on(1), 6, title("worker words"), b0)).unwrap();
    assert_eq!(goal.conflicts.len(), 1);
    assert_eq!(goal.conflicts[0].value, title("worker words"));
    assert_eq!(goal.conflicts[0].author, worker_on(1));
    // The winning writer is the field's current author.
    assert_eq!(goal.fields[&FieldName::Title].author, owner_on(1));
}

#[test]
fn rule3_a_displaced_value_is_kept_as_a_conflict_too() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(worker_on(1), 6, title("worker words"), b0)).unwrap();
    apply(&mut goal, write(owner_on(1), 5, title("my words"), b0)).unwrap();
    assert_eq!(goal.conflicts.len(), 1);
    assert_eq!(goal.conflicts[0].value, title("worker words"));
}

#[test]
fn rule3_a_devices_own_later_draft_replaces_its_earlier_one_without_a_conflict() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(owner_on(2), 30, title("other phone"), b0)).unwrap();
    apply(&mut goal, write(owner_on(1), 10, title("draft"), b0)).unwrap();
    assert_eq!(goal.conflicts.len(), 1, "the earlier draft lost to the other phone");
    assert_eq!(apply(&mut goal, write(owner_on(1), 40, title("final"), b0)), Ok(Outcome::Merged));
    assert_eq!(title_of(&goal), &title("final"));
    let kept: Vec<_> = goal.conflicts.iter().map(|c| c.value.clone()).collect();
    assert_eq!(kept, vec![title("other phone")], "the draft is replaced by the same phone's final words");
}

#[test]
fn rule3_a_devices_next_write_over_its_own_current_value_is_applied_whatever_base_it_names() {
    // A phone adds a third step, ticks one, then rewords the steps. It ticked before the third
    // step's write came back in a pull, and reworded after: the reword names the third step's
    // version, while the server's current value is the tick (made from the second's).
    let mut goal = goal_by(owner_on(1));
    let steps = |s: &[&str]| {
        FieldValue::Steps(s.iter().map(|t| tandem_shared::Step { text: (*t).into(), done: false }).collect())
    };
    apply(&mut goal, write(owner_on(1), 10, steps(&["a", "b"]), None)).unwrap();
    let second = base_of(&goal, FieldName::Steps);
    apply(&mut goal, write(owner_on(1), 20, steps(&["a", "b", "c"]), second)).unwrap();
    let third = base_of(&goal, FieldName::Steps);
    assert_eq!(apply(&mut goal, write(owner_on(1), 30, steps(&["a", "b", "c!"]), second)), Ok(Outcome::Applied));
    assert_eq!(apply(&mut goal, write(owner_on(1), 40, steps(&["a!"]), third)), Ok(Outcome::Applied));
    assert_eq!(goal.field(FieldName::Steps), Some(&steps(&["a!"])));
    assert!(goal.conflicts.is_empty(), "one phone's own versions are not a conflict: {:?}", goal.conflicts);
    // The tick delivered again after the reword changes nothing.
    let before = goal.clone();
    assert_eq!(apply(&mut goal, write(owner_on(1), 30, steps(&["a", "b", "c!"]), second)), Ok(Outcome::Superseded));
    assert_eq!(goal, before);
    // Another phone's write from an older version is concurrent, as before.
    assert_eq!(apply(&mut goal, write(owner_on(2), 50, steps(&["x"]), third)), Ok(Outcome::Merged));
    assert_eq!(goal.conflicts.len(), 1);
}

#[test]
fn rule3_a_redelivered_write_changes_nothing() {
    let mut goal = goal_by(owner_on(1));
    let b0 = base_of(&goal, FieldName::Title);
    let w = write(worker_on(1), 6, title("worker words"), b0);
    apply(&mut goal, write(owner_on(1), 5, title("mine"), b0)).unwrap();
    apply(&mut goal, w.clone()).unwrap();
    let before = goal.clone();
    assert_eq!(apply(&mut goal, w), Ok(Outcome::Duplicate));
    assert_eq!(goal, before);
}

#[test]
fn rule4_an_owners_delete_beats_a_workers_concurrent_delete_and_edit() {
    let mut goal = goal_by(worker_on(1));
    let bd = base_of(&goal, FieldName::Deleted);
    let bt = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(owner_on(1), 5, FieldValue::Deleted(true), bd)).unwrap();
    apply(&mut goal, write(worker_on(1), 9, title("edit"), bt)).unwrap();
    assert!(goal.is_deleted());
    assert_eq!(goal.fields[&FieldName::Deleted].author, owner_on(1));
}

#[test]
fn rule4_a_workers_delete_never_beats_an_owners_edit_that_came_first() {
    let mut goal = goal_by(worker_on(1));
    let bd = base_of(&goal, FieldName::Deleted);
    let bt = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(owner_on(1), 5, title("I changed it"), bt)).unwrap();
    apply(&mut goal, write(worker_on(1), 9, FieldValue::Deleted(true), bd)).unwrap();
    assert!(!goal.is_deleted(), "the young person's words are in it, so it stays");
    assert_eq!(title_of(&goal), &title("I changed it"));
}

#[test]
fn rule4_a_workers_delete_is_undone_by_an_owners_concurrent_edit_that_came_after() {
    let mut goal = goal_by(worker_on(1));
    let bd = base_of(&goal, FieldName::Deleted);
    let bt = base_of(&goal, FieldName::Title);
    apply(&mut goal, write(worker_on(1), 9, FieldValue::Deleted(true), bd)).unwrap();
    assert!(goal.is_deleted());
    apply(&mut goal, write(owner_on(1), 5, title("I changed it"), bt)).unwrap();
    assert!(!goal.is_deleted(), "the young person's edit brings it back");
    assert_eq!(title_of(&goal), &title("I changed it"));
    // The worker's delete is still there to see: it just no longer counts.
    assert_eq!(goal.field(FieldName::Deleted), Some(&FieldValue::Deleted(true)));
}

#[test]
fn rule4_a_worker_may_delete_their_own_untouched_suggestion() {
    let mut goal = goal_by(worker_on(1));
    let bd = base_of(&goal, FieldName::Deleted);
    assert_eq!(apply(&mut goal, write(worker_on(1), 9, FieldValue::Deleted(true), bd)), Ok(Outcome::Applied));
    assert!(goal.is_deleted());
}

#[test]
fn rule4_a_worker_may_not_delete_a_record_they_did_not_make() {
    let mut goal = goal_by(owner_on(1));
    let before = goal.clone();
    let bd = base_of(&goal, FieldName::Deleted);
    assert_eq!(apply(&mut goal, write(worker_on(1), 9, FieldValue::Deleted(true), bd)), Err(Refusal::NotCreator));
    let mut suggestion = goal_by(worker_on(1));
    let bd = base_of(&suggestion, FieldName::Deleted);
    assert_eq!(
        apply(&mut suggestion, write(other_worker(), 9, FieldValue::Deleted(true), bd)),
        Err(Refusal::NotCreator)
    );
    assert_eq!(goal, before);
}

#[test]
fn rule4_a_worker_may_not_undelete() {
    let mut goal = goal_by(worker_on(1));
    let bd = base_of(&goal, FieldName::Deleted);
    let out = apply(&mut goal, write(worker_on(1), 9, FieldValue::Deleted(false), bd));
    assert_eq!(out, Err(Refusal::OwnerOnly(FieldName::Deleted)));
}

#[test]
fn rule5_only_the_owner_changes_visibility() {
    let mut goal = goal_by(owner_on(1));
    let before = goal.clone();
    let bv = base_of(&goal, FieldName::Visibility);
    let out = apply(&mut goal, write(worker_on(1), 9, FieldValue::Visibility(Visibility::Team), bv));
    assert_eq!(out, Err(Refusal::OwnerOnly(FieldName::Visibility)));
    assert_eq!(goal, before, "a refused write leaves the record exactly as it was");
    let out = apply(&mut goal, write(owner_on(1), 9, FieldValue::Visibility(Visibility::Worker), bv));
    assert_eq!(out, Ok(Outcome::Applied));
    assert_eq!(goal.visibility(), Visibility::Worker);
}

#[test]
fn rule5_only_the_owner_accepts_a_suggestion() {
    let mut goal = goal_by(worker_on(1));
    assert!(goal.is_suggestion());
    let ba = base_of(&goal, FieldName::Accepted);
    assert!(apply(&mut goal, write(worker_on(1), 9, FieldValue::Accepted(true), ba)).is_err());
    apply(&mut goal, write(owner_on(1), 9, FieldValue::Accepted(true), ba)).unwrap();
    assert!(!goal.is_suggestion());
}

#[test]
fn new_records_are_private_and_a_workers_new_record_is_a_suggestion_they_can_see() {
    let mine = goal_by(owner_on(1));
    assert_eq!(mine.visibility(), Visibility::Private);
    assert!(!mine.is_suggestion());
    let suggested = goal_by(worker_on(1));
    assert_eq!(suggested.visibility(), Visibility::Worker);
    assert!(suggested.is_suggestion());
}

#[test]
fn an_invalid_write_is_refused_and_changes_nothing() {
    let mut goal = goal_by(owner_on(1));
    let before = goal.clone();
    let out = apply(&mut goal, write(owner_on(1), 9, FieldValue::Text("a goal has no text".into()), None));
    assert!(matches!(out, Err(Refusal::Invalid(_))));
    let out = apply(&mut goal, write(owner_on(1), 9, title(&"x".repeat(500)), None));
    assert!(matches!(out, Err(Refusal::Invalid(_))));
    assert_eq!(goal, before);
}
