//! The audit log: what admins did and what the server erased. Never anyone's words, and never a
//! young person's name (an erased young person is named only by their random id).

use super::people::parse_id;
use super::sql::Db;
use crate::error::Result;
use serde::Serialize;
use tandem_shared::PersonId;

pub fn append(
    conn: &dyn Db,
    now: i64,
    actor: Option<PersonId>,
    action: &str,
    subject: Option<PersonId>,
    detail: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, actor_id, action, subject_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[
            now.into(),
            actor.map(|a| a.to_string()).into(),
            action.into(),
            subject.map(|s| s.to_string()).into(),
            detail.into(),
        ],
    )?;
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub at: i64,
    /// Who did it; absent when the server did it (the retention job).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub actor: Option<PersonId>,
    pub actor_name: Option<String>,
    pub action: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub subject: Option<PersonId>,
    /// The subject's display name while they still exist; erased people have none.
    pub subject_name: Option<String>,
    pub detail: String,
}

/// The latest entries first.
pub fn latest(conn: &dyn Db, limit: i64) -> Result<Vec<AuditEntry>> {
    let rows = conn.query(
        "SELECT a.at, a.actor_id, actor.display_name, a.action, a.subject_id, subject.display_name, a.detail
         FROM audit_log a
         LEFT JOIN people actor ON actor.id = a.actor_id
         LEFT JOIN people subject ON subject.id = a.subject_id
         ORDER BY a.id DESC LIMIT ?1",
        &[limit.into()],
    )?;
    rows.iter()
        .map(|r| {
            Ok(AuditEntry {
                at: r.int(0)?,
                actor: r.opt_text(1)?.map(parse_id),
                actor_name: r.opt_text(2)?.map(str::to_owned),
                action: r.string(3)?,
                subject: r.opt_text(4)?.map(parse_id),
                subject_name: r.opt_text(5)?.map(str::to_owned),
                detail: r.string(6)?,
            })
        })
        .collect()
}
