//! Who is calling, as extractors: a handler's signature says who may call it.
//! 401 means "sign in (again)"; 403 means "signed in, but not allowed".

use super::tokens::AccessClaims;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::people;
use crate::store::sql::Db;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tandem_shared::{PersonId, Role};

/// Any signed-in person with a live session.
#[derive(Debug, Clone)]
pub struct Caller {
    pub person: PersonId,
    pub role: Role,
    pub session: String,
    /// The person's token version when the access token was issued (a new password bumps it).
    pub token_version: i64,
    /// Signed in without two-step sign-in where the service asks for it (`people::SessionState`).
    pub must_set_up_two_step: bool,
}

impl Caller {
    pub fn sync(&self) -> crate::store::sync::Caller {
        crate::store::sync::Caller { person: self.person, role: self.role }
    }

    /// Who the access token says is calling, before anything asks whether their session stands.
    fn from_token(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized("please sign in"))?;
        let claims: AccessClaims = state.keys.verify_access(token.trim())?;
        Ok(Caller {
            person: claims.sub,
            role: claims.role,
            session: claims.sid,
            token_version: claims.tv,
            must_set_up_two_step: false,
        })
    }

    /// Whether this caller's session still stands, and what it may do at `path` while a first
    /// password or two-step set-up is pending. Returns whether two-step set-up is pending.
    fn confirm_at(&self, db: &dyn Db, path: &str) -> Result<bool, ApiError> {
        let live = people::session_state(db, &self.session, self.person, self.token_version)?;
        let Some(live) = live else {
            return Err(ApiError::Unauthorized("you have been signed out; please sign in again"));
        };
        // A first password an admin set is for one thing: choosing one's own. A session of staff
        // the service asks for two-step sign-in, without it, for one thing too: setting it up.
        const WHILE_CHANGING: [&str; 3] = ["/api/me", "/api/me/password", "/api/auth/sign-out"];
        const WHILE_SETTING_UP: [&str; 4] =
            ["/api/me", "/api/me/two-step", "/api/me/two-step/confirm", "/api/auth/sign-out"];
        // The password first: while it is pending, its own routes are open, two-step's not yet.
        if live.must_change_password {
            if !WHILE_CHANGING.contains(&path) {
                return Err(ApiError::Forbidden("choose your own password first"));
            }
        } else if live.must_set_up_two_step && !WHILE_SETTING_UP.contains(&path) {
            return Err(ApiError::SetUpTwoStepFirst);
        }
        Ok(live.must_set_up_two_step)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut caller = Caller::from_token(parts, state)?;
        let path = parts.uri.path().to_owned();
        let asking = caller.clone();
        caller.must_set_up_two_step = state.store.read_quick(move |db| asking.confirm_at(db, &path)).await?;
        Ok(caller)
    }
}

/// Someone who may sync, by their token alone: whether their session still stands is asked
/// inside the database job that serves the push or pull (`confirm`), so each makes one trip to
/// the database instead of two, and a session ended before a push commits cannot write.
#[derive(Debug, Clone)]
pub struct SyncToken(pub Caller);

impl SyncToken {
    /// The session check `Caller` makes, for a sync route (which nothing pending opens).
    pub fn confirm(&self, db: &dyn Db) -> Result<(), ApiError> {
        self.0.confirm_at(db, "/api/sync").map(|_| ())
    }
}

impl FromRequestParts<AppState> for SyncToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_token(parts, state)?;
        match caller.role {
            Role::YoungPerson | Role::KeyWorker | Role::DropInStaff => Ok(SyncToken(caller)),
            Role::Admin => Err(ApiError::Forbidden(SYNCERS_ONLY)),
        }
    }
}

const SYNCERS_ONLY: &str = "admins manage people and never read young people's records";

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $allowed:pat, $message:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Caller);

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
                let caller = Caller::from_request_parts(parts, state).await?;
                match caller.role {
                    $allowed => Ok($name(caller)),
                    _ => Err(ApiError::Forbidden($message)),
                }
            }
        }
    };
}

role_extractor!(
    /// A young person.
    YoungPerson, Role::YoungPerson, "only a young person can do this"
);
role_extractor!(
    /// A key worker.
    KeyWorker, Role::KeyWorker, "only a key worker can do this"
);
role_extractor!(
    /// Anyone who may sync records: young people, key workers and drop-in staff (not admins).
    Syncer, Role::YoungPerson | Role::KeyWorker | Role::DropInStaff, SYNCERS_ONLY
);
role_extractor!(
    /// Staff: key workers, drop-in staff and admins.
    Staff, Role::KeyWorker | Role::DropInStaff | Role::Admin, "this is for staff accounts; young people sign in with their PIN"
);
role_extractor!(
    /// An admin.
    Admin, Role::Admin, "only an admin can do this"
);
