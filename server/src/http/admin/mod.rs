//! `/api/admin/...`: people, assignments, invites, session revocation. Admins only, and
//! nothing here reads a young person's records.
//! Each group of routes has its module; this one wires them.

mod alerts;
mod assignments;
mod audit;
mod invites;
mod people;
mod sessions;
mod settings;
mod sso;
mod tablets;
mod two_step;

pub use alerts::*;
pub use assignments::*;
pub use audit::*;
pub use invites::*;
pub use people::*;
pub use sessions::*;
pub use settings::*;
pub use sso::*;
pub use tablets::*;
pub use two_step::*;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/people", get(list_people).post(create_staff))
        .route("/api/admin/people/several", post(create_several_staff))
        .route("/api/admin/numbers", get(service_numbers))
        .route("/api/admin/invites", post(invite))
        .route("/api/admin/assignments", get(assignments).post(assign))
        .route("/api/admin/assignments/end", post(end_assignment))
        .route("/api/admin/assignments/hand-over", post(hand_over))
        .route("/api/admin/people/{id}/sessions", get(sessions))
        .route("/api/admin/people/{id}/sessions/{session}/end", post(end_session))
        .route("/api/admin/people/{id}/revoke", post(revoke))
        .route("/api/admin/people/{id}/close-case", post(close_case))
        .route("/api/admin/people/{id}/reopen-case", post(reopen_case))
        .route("/api/admin/audit", get(audit_log))
        .route("/api/admin/audit/export", post(export_audit_log))
        .route("/api/admin/people/{id}/deactivate", post(deactivate))
        .route("/api/admin/people/{id}/reactivate", post(reactivate))
        .route("/api/admin/people/{id}/new-invite", post(new_invite))
        .route("/api/admin/people/{id}/new-password", post(new_password))
        .route("/api/admin/settings", get(settings).put(update_settings))
        .route("/api/admin/alerts/summary", get(alert_summary))
        .route("/api/admin/support-lines", get(support_lines).put(update_support_lines))
        .route("/api/admin/working-hours", get(working_hours).put(update_working_hours))
        .route("/api/admin/tablets", get(tablets).post(register_tablet))
        .route("/api/admin/tablets/{id}/remove", post(remove_tablet))
        .route("/api/admin/staff-two-step", get(staff_two_step).put(update_staff_two_step))
        .route("/api/admin/staff-sso", get(staff_sso).put(update_staff_sso))
}
