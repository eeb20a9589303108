//! The HTTP surface: each feature's `router()`, composed once with the layers every request gets.

pub mod admin;
pub mod alerts;
pub mod invites;
pub mod json;
pub mod me;
pub mod notifications;
pub mod pull_answer;
pub mod sync;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::net::SocketAddr;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Tandem", description = "Young people's goals, strengths and statements, synced on their terms."),
    paths(
        crate::auth::join, crate::auth::sign_in, crate::auth::refresh, crate::auth::sign_out, crate::auth::sign_out_everywhere,
        me::me, me::my_access_log, me::erase_me, me::caseload, me::my_sessions, me::end_my_session, me::looked, me::put_away,
        sync::push, sync::pull, sync::events,
        admin::list_people, admin::create_staff, admin::create_several_staff, admin::service_numbers, admin::invite, admin::assign, admin::end_assignment, admin::revoke,
        admin::close_case, admin::reopen_case, admin::audit_log, admin::export_audit_log,
        admin::assignments, admin::hand_over, admin::sessions, admin::end_session,
        admin::deactivate, admin::reactivate, admin::new_invite, admin::new_password, admin::settings, admin::update_settings, admin::alert_summary,
        admin::support_lines, admin::update_support_lines, admin::working_hours, admin::update_working_hours,
        admin::tablets, admin::register_tablet, admin::remove_tablet, admin::staff_two_step, admin::update_staff_two_step, admin::staff_sso, admin::update_staff_sso,
        crate::auth::change_password, crate::auth::change_names, crate::auth::two_step::start, crate::auth::two_step::confirm, crate::auth::two_step::turn_off,
        crate::auth::two_step::new_recovery_codes,
        crate::auth::sso::offered, crate::auth::sso::start_sign_in, crate::auth::sso::callback, crate::auth::sso::finish_sign_in, crate::auth::sso::back_channel_logout, crate::auth::sso::front_channel_logout,
        crate::auth::sso::status, crate::auth::sso::start_link, crate::auth::sso::finish_link, crate::auth::sso::unlink,
        invites::create, invites::list, invites::new_code, invites::cancel,
        alerts::raise, alerts::list, alerts::seen,
        notifications::status, notifications::turn_on, notifications::turn_off,
        health,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth, &ErrorResponses),
)]
pub struct ApiDoc;

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// Every operation can answer with the one error shape; documented once here rather than on
/// each handler. 401/403 only where a token is required.
struct ErrorResponses;
impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, ResponseBuilder, content::ContentBuilder};
        let error = |what: &str| -> RefOr<utoipa::openapi::Response> {
            RefOr::T(
                ResponseBuilder::new()
                    .description(what)
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody"))).build(),
                    )
                    .build(),
            )
        };
        // serde refuses unknown fields in a field value; utoipa's derive for the adjacently
        // tagged enum doesn't say so, so the schema is tightened here to match.
        if let Some(components) = openapi.components.as_mut()
            && let Some(RefOr::T(utoipa::openapi::schema::Schema::OneOf(one_of))) =
                components.schemas.get_mut("FieldValue")
        {
            for variant in one_of.items.iter_mut() {
                if let RefOr::T(utoipa::openapi::schema::Schema::Object(object)) = variant {
                    object.additional_properties =
                        Some(Box::new(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)));
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            let ops = [&mut item.get, &mut item.post, &mut item.put, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let mut codes = vec![
                    ("400", "The request was not valid"),
                    ("404", "Not found"),
                    ("405", "Wrong method"),
                    ("413", "The body is too large"),
                    ("503", "Storage is not writable just now; try again later"),
                ];
                if secured {
                    codes.extend([("401", "Sign in (again)"), ("403", "Signed in, but not allowed")]);
                }
                if op.request_body.is_some() {
                    codes.extend([("409", "Clashes with something that exists"), ("429", "Too many attempts")]);
                }
                for (code, what) in codes {
                    op.responses.responses.entry(code.to_owned()).or_insert_with(|| error(what));
                }
            }
        }
    }
}

/// A person's id from a path: a clear 400 when it isn't one.
pub(crate) fn person_id(text: &str) -> crate::error::Result<tandem_shared::PersonId> {
    tandem_shared::PersonId::parse(text).map_err(|_| crate::error::ApiError::BadRequest("that isn't a valid id".into()))
}

pub fn app(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    // Only when people reach Tandem over https: over plain http the header would be ignored,
    // and on a loopback demo it would pin a developer's browser to https for a year.
    let hsts = state.settings.hsts.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    Router::new()
        .merge(crate::auth::router())
        .merge(me::router())
        .merge(sync::router())
        .merge(admin::router())
        .merge(invites::router())
        .merge(alerts::router())
        .merge(notifications::router())
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .route("/metrics", get(metrics))
        // The app's own files go gzipped to a browser that asks (a third of the size on a phone's
        // first visit, perhaps over one bar of signal). API answers don't: a pull holds a
        // worker's suggestions beside the young person's words, and compressing the two together
        // would let an answer's length hint at what the words say.
        .fallback_service(Router::new().fallback(fallback).layer(CompressionLayer::new()))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(crate::config::BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        // Nothing the API answers may be kept by a browser's or a proxy's cache: on a shared
        // tablet the next visitor could find it. The app's own files set their own caching.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        // Framing is refused everywhere but the one page the organisation's sign-out frames.
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, |res: &Response| {
            res.extensions()
                .get::<crate::auth::sso::FramedByProvider>()
                .is_none()
                .then_some(HeaderValue::from_static("DENY"))
        }))
        // Tandem never asks where someone is, or for their camera or microphone: the browser is
        // told so, and refuses any script that would.
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, move |_: &Response| hsts.clone()))
        .with_state(state)
}

/// No inline script or style anywhere, and no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

#[utoipa::path(get, path = "/api/health", tag = "ops", responses(
    (status = 200, description = "The server is up and reaches its database; `generation` names this copy of the data (a restored backup has another)"),
    (status = 503, description = "The server is up but can't reach its database; it reconnects by itself")))]
pub async fn health(State(state): State<AppState>) -> Response {
    let answered = tokio::time::timeout(std::time::Duration::from_secs(3), state.store.generation()).await;
    if let Ok(Some(generation)) = answered {
        Json(json!({ "status": "ok", "database": "ok", "generation": generation })).into_response()
    } else {
        let body = json!({ "status": "unavailable", "database": "unreachable" });
        (axum::http::StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}

async fn metrics(State(state): State<AppState>, ConnectInfo(peer): ConnectInfo<SocketAddr>) -> Response {
    if !state.settings.may_read_metrics(peer.ip()) {
        return ApiError::NotFound("there is nothing at that address").into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render()).into_response()
}

/// Unknown `/api/*` paths get a JSON 404, never the app's HTML.
async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") || uri.path() == "/api" {
        return ApiError::NotFound("there is nothing at that address").into_response();
    }
    crate::pwa::serve(uri.path())
}
