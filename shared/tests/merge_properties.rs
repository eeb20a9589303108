//! Property tests of the merge rule, 1,000 cases each.
//!
//! A scenario: a goal, four devices (the young person's two phones, their key worker's laptop,
//! another worker's laptop) with clocks up to days apart, and rounds of offline editing. In each
//! round every device writes based on what it last pulled, then the writes reach the server in
//! some order. Between rounds every device pulls.

mod support;

use proptest::prelude::*;
use support::*;
use tandem_shared::compact::RecordBody;
use tandem_shared::merge::{FieldWrite, apply};
use tandem_shared::packed::{PackedPullResponse, Packer};
use tandem_shared::{Author, FieldName, FieldValue, GoalStatus, Hlc, Record, Side, Stamp, Visibility};

const DAY_MS: u64 = 86_400_000;

#[derive(Clone, Debug)]
struct Planned {
    device: usize,
    field: u8,
    n: u8,
    jump_ms: u64,
}

#[derive(Clone, Debug)]
struct Scenario {
    made_by_worker: bool,
    skew_ms: [u64; 4],
    rounds: Vec<Vec<Planned>>,
}

fn authors() -> [Author; 4] {
    [owner_on(1), owner_on(2), worker_on(1), other_worker()]
}

fn planned() -> impl Strategy<Value = Planned> {
    (0usize..4, 0u8..6, any::<u8>(), 0u64..5_000).prop_map(|(device, field, n, jump_ms)| Planned {
        device,
        field,
        n,
        jump_ms,
    })
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<bool>(),
        prop::array::uniform4(0u64..(4 * DAY_MS)),
        prop::collection::vec(prop::collection::vec(planned(), 1..10), 1..4),
    )
        .prop_map(|(made_by_worker, skew_ms, rounds)| Scenario { made_by_worker, skew_ms, rounds })
}

fn value_for(p: &Planned, round: usize, i: usize) -> FieldValue {
    match p.field {
        0 => FieldValue::Title(format!("title d{} r{round} #{i}", p.device)),
        1 => FieldValue::Why(format!("why d{} r{round} #{i}", p.device)),
        2 => FieldValue::Status(
            [GoalStatus::Active, GoalStatus::Achieved, GoalStatus::Paused, GoalStatus::LetGo][p.n as usize % 4],
        ),
        3 => FieldValue::Deleted(true),
        4 => FieldValue::Visibility([Visibility::Private, Visibility::Worker, Visibility::Team][p.n as usize % 3]),
        _ => FieldValue::Deleted(false),
    }
}

/// The concrete writes of every round. Bases are filled in at delivery, from the state at the
/// round's start (every device pulled between rounds).
fn concrete(s: &Scenario) -> Vec<Vec<(FieldWrite, FieldName)>> {
    let authors = authors();
    let mut clocks = [Hlc::ZERO; 4];
    s.rounds
        .iter()
        .enumerate()
        .map(|(r, round)| {
            round
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let author = authors[p.device];
                    let wall = 10 * DAY_MS + (r as u64) * 60_000 + p.jump_ms;
                    let device_now = wall + s.skew_ms[p.device] - 2 * DAY_MS;
                    clocks[p.device] = clocks[p.device].tick(device_now);
                    let value = value_for(p, r, i);
                    let name = value.name();
                    let stamp = Stamp { hlc: clocks[p.device], device: author.device };
                    (FieldWrite { value, base: None, author, stamp }, name)
                })
                .collect()
        })
        .collect()
}

fn fresh(s: &Scenario) -> Record {
    goal_by(if s.made_by_worker { worker_on(1) } else { owner_on(1) })
}

/// Delivers one round in the order given by `order` (indices into the round), with bases set
/// from the round-start state. Returns the writes that were not refused.
fn deliver(record: &mut Record, round: &[(FieldWrite, FieldName)], order: &[usize]) -> Vec<FieldWrite> {
    let start = record.clone();
    let based: Vec<FieldWrite> = round
        .iter()
        .map(|(w, name)| FieldWrite { base: start.fields.get(name).map(|f| f.stamp), ..w.clone() })
        .collect();
    let mut accepted = Vec::new();
    for &i in order {
        let before = record.clone();
        match apply(record, based[i].clone()) {
            Ok(_) => accepted.push(based[i].clone()),
            Err(_) => assert_eq!(*record, before, "a refused write must change nothing"),
        }
    }
    accepted
}

fn order_from(keys: &[u64], len: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..len).collect();
    idx.sort_by_key(|&i| (keys.get(i).copied().unwrap_or(0), i));
    idx
}

fn run(s: &Scenario, keys: &[u64], mut after_round: impl FnMut(&Record, &[FieldWrite])) -> Record {
    let mut record = fresh(s);
    for round in concrete(s) {
        let order = order_from(keys, round.len());
        let accepted = deliver(&mut record, &round, &order);
        after_round(&record, &accepted);
    }
    record
}

fn keys() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(any::<u64>(), 10)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Every delivery order of the same writes from four devices gives the same record.
    #[test]
    fn every_delivery_order_converges_to_the_same_state(s in scenario(), a in keys(), b in keys(), c in keys()) {
        let first = run(&s, &a, |_, _| {});
        prop_assert_eq!(&first, &run(&s, &b, |_, _| {}));
        prop_assert_eq!(&first, &run(&s, &c, |_, _| {}));
    }

    /// One device's own writes to a field never stand as conflicts with each other, whatever
    /// version each names: its base lags while its earlier writes are on their way back (a step
    /// ticked, then the steps reworded before the tick came back in a pull). The device's writes
    /// arrive in the order it made them, as the protocol ensures; the last is what stands.
    #[test]
    fn a_devices_own_writes_never_conflict_with_each_other(
        who in prop::sample::select(vec![owner_on(1), worker_on(1)]),
        lags in prop::collection::vec(any::<prop::sample::Index>(), 2..8),
    ) {
        // Made on that device (a worker's suggestion, when it is theirs), so nobody else's words
        // are there to keep.
        let mut record = goal_by(who);
        // What the device has seen come back: the first version, then some of its own writes.
        let mut seen = vec![base_of(&record, FieldName::Why)];
        for (i, lag) in lags.iter().enumerate() {
            let base = *lag.get(&seen);
            let write = write(who, 10 + i as u64, FieldValue::Why(format!("why #{i}")), base);
            prop_assert!(apply(&mut record, write.clone()).is_ok());
            seen.push(Some(write.stamp));
        }
        let last = lags.len() - 1;
        prop_assert_eq!(record.field(FieldName::Why), Some(&FieldValue::Why(format!("why #{last}"))));
        prop_assert!(record.conflicts.is_empty(), "{:?}", record.conflicts);
    }

    /// No owner write is lost to a concurrent worker write: after each round, any field the
    /// owner wrote holds an owner's value.
    #[test]
    fn an_owner_write_is_never_lost_to_a_concurrent_worker_write(s in scenario(), k in keys()) {
        run(&s, &k, |record, accepted| {
            for w in accepted.iter().filter(|w| w.author.person == OWNER) {
                let field = &record.fields[&w.value.name()];
                assert_eq!(record.side_of(field.author.person), Side::Owner, "owner's {:?} lost", w.value);
                // Nor can a worker's delete remove what the young person wrote.
                let deleted = &record.fields[&FieldName::Deleted];
                if record.is_deleted() {
                    assert_eq!(record.side_of(deleted.author.person), Side::Owner, "a worker's delete beat the owner");
                }
            }
        });
    }

    /// Every losing value is findable: each accepted write is the current value, or a conflict,
    /// or was replaced by a later draft from the same device in the same round.
    #[test]
    fn every_losing_value_appears_in_a_conflict(s in scenario(), k in keys()) {
        run(&s, &k, |record, accepted| {
            for w in accepted {
                let name = w.value.name();
                let current = record.fields[&name].stamp == w.stamp;
                let kept = record.conflicts.iter().any(|c| c.stamp == w.stamp && c.value == w.value && c.author == w.author);
                let redrafted = accepted.iter().any(|o| o.value.name() == name && o.author.device == w.author.device && o.stamp > w.stamp);
                assert!(current || kept || redrafted, "lost {:?}", w);
            }
        });
    }

    /// The young person's words are never dropped by a worker's write: words of theirs that a
    /// round starts with are still current, or kept as a conflict, unless they wrote again.
    #[test]
    fn a_workers_write_never_drops_the_young_persons_words(s in scenario(), k in keys()) {
        let mut record = fresh(&s);
        for round in concrete(&s) {
            let start = record.clone();
            let accepted = deliver(&mut record, &round, &order_from(&k, round.len()));
            for name in [FieldName::Title, FieldName::Why] {
                let Some(theirs) = start.fields.get(&name).filter(|f| start.side_of(f.author.person) == Side::Owner) else { continue };
                let current = record.fields[&name].stamp == theirs.stamp;
                let kept = record.conflicts.iter().any(|c| c.stamp == theirs.stamp && c.value == theirs.value);
                let wrote_again = accepted.iter().any(|w| w.value.name() == name && w.author.person == OWNER);
                prop_assert!(current || kept || wrote_again, "{:?} of theirs dropped", theirs.value);
            }
        }
    }

    /// A write delivered twice within a sync counts once: the result equals delivering it once.
    #[test]
    fn a_write_delivered_twice_counts_once(s in scenario(), k in keys(), dup in prop::collection::vec(any::<bool>(), 10), extra in keys()) {
        let once = run(&s, &k, |_, _| {});
        let mut record = fresh(&s);
        for round in concrete(&s) {
            let mut order = order_from(&k, round.len());
            for (j, i) in (0..round.len()).enumerate() {
                if dup[j % dup.len()] {
                    let at = (extra[j % extra.len()] as usize) % (order.len() + 1);
                    order.insert(at, i);
                }
            }
            deliver(&mut record, &round, &order);
        }
        prop_assert_eq!(once, record);
    }

    /// Whatever merging made of a goal (conflicts, bases, authors on other devices), a pull's
    /// packed form brings it back the same, beside the goal as it was made.
    #[test]
    fn a_merged_record_reads_back_the_same_from_the_packed_form(s in scenario(), k in keys()) {
        let merged = run(&s, &k, |_, _| {});
        let made = fresh(&s);
        let mut packer = Packer::default();
        for r in [&merged, &made] {
            packer.add(r, RecordBody::of(r.fields.values(), &r.conflicts));
        }
        let wire = serde_json::to_string(&packer.finish(vec![], 1, false, 0)).unwrap();
        let back = serde_json::from_str::<PackedPullResponse>(&wire).unwrap().into_full().unwrap();
        let sorted = |mut r: Record| {
            r.conflicts.sort_by_key(|c| (c.value.name(), c.stamp));
            r
        };
        prop_assert_eq!(back.records, vec![sorted(merged), sorted(made)]);
    }
}
