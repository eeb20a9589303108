//! The push payload as the server decodes it, then every operation through the merge rule the
//! way the server applies it. Arbitrary bytes must never panic, and what is decoded and merged
//! must keep the rule's promises:
//! - decoding is lossless (encode → decode gives the same request);
//! - a refused operation leaves the record exactly as it was;
//! - every write that was not refused is kept, as the value or as a conflict (nothing lost);
//! - delivering the same operation again changes nothing (idempotence);
//! - records only hold fields of their kind, and survive a JSON round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use tandem_shared::merge::apply_operation;
use tandem_shared::validate::validate;
use tandem_shared::wire::PushRequest;
use tandem_shared::{Author, Outcome, PersonId, Record, RecordId, Role, Stamp};

fuzz_target!(|data: &[u8]| {
    let Ok(push) = serde_json::from_slice::<PushRequest>(data) else { return };
    let again: PushRequest = serde_json::from_slice(&serde_json::to_vec(&push).unwrap()).unwrap();
    assert_eq!(again, push, "decoding lost something");

    // A worker writes every third operation, so both sides of the rule are exercised.
    let worker = PersonId(uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001));
    let mut records: HashMap<RecordId, Record> = HashMap::new();
    for op in &push.ops {
        let (person, role) = if op.seq % 3 == 0 { (worker, Role::KeyWorker) } else { (op.owner, Role::YoungPerson) };
        let author = Author { person, role, device: push.device };
        let stamp = Stamp { hlc: op.hlc, device: push.device };
        let before = records.get(&op.record).cloned();
        if before.as_ref().is_some_and(|r| r.owner != op.owner || r.kind != op.kind) {
            continue; // the server rejects this before the merge
        }
        let mut seen = std::collections::HashSet::new();
        if !op.changes.iter().all(|c| seen.insert(c.set.name())) {
            continue; // likewise: each field once per operation
        }
        let Ok((after, outcomes)) = apply_operation(before.as_ref(), op, author, stamp) else {
            assert_eq!(records.get(&op.record), before.as_ref(), "a refusal changed the record");
            continue;
        };
        for (change, (_, outcome)) in op.changes.iter().zip(&outcomes) {
            let value = validate(op.kind, change.set.clone()).expect("a merged value is valid");
            let kept = after.fields.values().chain(&after.conflicts).any(|s| s.stamp == stamp && s.value == value);
            let dropped_by_rule = matches!(outcome, Outcome::Duplicate | Outcome::Superseded);
            assert!(kept || dropped_by_rule, "a write was lost: {change:?} → {outcome:?}");
        }
        for name in after.fields.keys() {
            assert!(after.kind.has_field(*name), "{name:?} on a {:?}", after.kind);
        }
        let (replayed, outcomes) = apply_operation(Some(&after), op, author, stamp).expect("a replay is refused");
        assert_eq!(replayed, after, "a replay changed the record");
        assert!(outcomes.iter().all(|(_, o)| matches!(o, Outcome::Duplicate | Outcome::Superseded)));
        let json = serde_json::to_vec(&after).unwrap();
        assert_eq!(serde_json::from_slice::<Record>(&json).unwrap(), after, "a record didn't survive JSON");
        records.insert(op.record, after);
    }
});
