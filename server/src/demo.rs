//! `tandem serve --demo`: a small organisation with sample people and words, so a newcomer
//! sees the product working at once. Demo passwords are printed; never use demo mode for real.

use crate::accounts;
use crate::error::Result;
use crate::store::sql::Db;
use crate::store::support_lines::{self, Reach, SupportLine};
use crate::store::{people, sync};
use tandem_shared::wire::Change;
use tandem_shared::{
    Author, DeviceId, FieldValue, GoalStatus, Hlc, NoticedBy, PersonId, RecordId, RecordKind, Role, Stamp, Step,
    Visibility,
};
use uuid::Uuid;

pub struct DemoLogin {
    pub role: &'static str,
    pub name: &'static str,
    pub secret: &'static str,
}

pub const LOGINS: &[DemoLogin] = &[
    DemoLogin { role: "admin", name: "admin", secret: "demo-admin-pass" },
    DemoLogin { role: "key worker", name: "sam", secret: "demo-worker-pass" },
    DemoLogin { role: "key worker", name: "priya", secret: "demo-worker-pass" },
    DemoLogin { role: "drop-in staff", name: "dropin", secret: "demo-dropin-pass" },
    DemoLogin { role: "young person", name: "ash", secret: "6159" },
    DemoLogin { role: "young person", name: "kai", secret: "7093" },
    DemoLogin { role: "young person", name: "mo", secret: "5286" },
];

/// Seeds the demo organisation if there is nobody yet. Returns the unused invite code.
pub fn seed(conn: &dyn Db, now: i64) -> Result<Option<String>> {
    if !people::list(conn)?.is_empty() {
        return Ok(None);
    }
    let staff = |role, name, display_name, password| {
        accounts::create_staff(
            conn,
            role,
            name,
            display_name,
            &accounts::StaffPassword::new(password, &[name, display_name])?,
            now,
        )
    };
    let admin = staff(Role::Admin, "admin", "Alex (admin)", "demo-admin-pass")?;
    let sam = staff(Role::KeyWorker, "sam", "Sam", "demo-worker-pass")?;
    let priya = staff(Role::KeyWorker, "priya", "Priya", "demo-worker-pass")?;
    staff(Role::DropInStaff, "dropin", "Drop-in desk", "demo-dropin-pass")?;
    let young = |name: &str, pin: &str| -> Result<PersonId> {
        let hash = crate::auth::passwords::hash(pin)?;
        people::create(conn, Role::YoungPerson, Some(name), name, Some(&hash), now)
    };
    let ash = young("ash", "6159")?;
    let kai = young("kai", "7093")?;
    let mo = young("mo", "5286")?;
    people::assign(conn, sam, ash, now)?;
    people::assign(conn, sam, kai, now)?;
    people::assign(conn, priya, mo, now)?;
    // UK helplines, as a service here might list them; each service sets its own in the console.
    let line = |name: &str, reach, number: &str, note: &str| SupportLine {
        name: name.into(),
        reach,
        number: number.into(),
        note: note.into(),
    };
    support_lines::replace(
        conn,
        &[
            line("Childline", Reach::Call, "0800 1111", "Free, day or night, if you are 18 or under."),
            line("Shout", Reach::Text, "85258", "Text SHOUT. Free, day or night."),
            line("Samaritans", Reach::Call, "116 123", "Free, day or night, at any age."),
        ],
    )?;

    let mut clock = Hlc { ms: now as u64, count: 0 };
    let mut add = |owner: PersonId, kind: RecordKind, values: Vec<FieldValue>| -> Result<()> {
        clock = clock.tick(now as u64);
        let device = DeviceId(Uuid::from_u128(owner.0.as_u128() ^ 0xdead));
        let author = Author { person: owner, role: Role::YoungPerson, device };
        let changes = values.into_iter().map(|set| Change { set, base: None }).collect::<Vec<_>>();
        let record = tandem_shared::create(
            RecordId(Uuid::now_v7()),
            kind,
            owner,
            author,
            Stamp { hlc: clock, device },
            changes.into_iter().map(|c| c.set).collect(),
        )
        .map_err(|e| crate::error::ApiError::Internal(e.to_string()))?;
        sync::insert_new(conn, &record)
    };
    use FieldValue as F;
    add(
        ash,
        RecordKind::Strength,
        vec![F::Text("I'm a good listener. My mates come to me.".into()), F::Visibility(Visibility::Worker)],
    )?;
    add(
        ash,
        RecordKind::Strength,
        vec![
            F::Text("I kept going to college even when things were hard.".into()),
            F::NoticedBy(NoticedBy::MyWorker),
            F::Visibility(Visibility::Worker),
        ],
    )?;
    add(
        ash,
        RecordKind::Goal,
        vec![
            F::Title("Get my own place".into()),
            F::Why("So I can feel safe and have my own key.".into()),
            F::Steps(vec![
                Step { text: "Ring the housing office".into(), done: true },
                Step { text: "Fill in the form with Sam".into(), done: false },
            ]),
            F::Status(GoalStatus::Active),
            F::Visibility(Visibility::Worker),
        ],
    )?;
    add(
        ash,
        RecordKind::Statement,
        vec![
            F::Text("Please don't talk about me like I'm not in the room.".into()),
            F::Meeting(Some("Review meeting".into())),
            F::Visibility(Visibility::Worker),
        ],
    )?;
    add(ash, RecordKind::Statement, vec![F::Text("Just for me for now.".into())])?;
    add(kai, RecordKind::Goal, vec![F::Title("Learn to drive".into()), F::Visibility(Visibility::Team)])?;
    add(kai, RecordKind::Strength, vec![F::Text("I'm good at fixing bikes.".into()), F::Visibility(Visibility::Team)])?;
    add(
        mo,
        RecordKind::Statement,
        vec![F::Text("I want to choose who comes to my meetings.".into()), F::Visibility(Visibility::Worker)],
    )?;

    let (_, code) = accounts::invite_young_person(conn, "New starter", admin, &[sam], now)?;
    Ok(Some(code))
}
