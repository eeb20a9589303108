//! OpenID Connect as a relying party: the organisation's own sign-in (Microsoft Entra ID, Google
//! Workspace, Okta, Keycloak) for its staff. The authorization code flow with PKCE and a nonce,
//! the client authenticated with its secret, and the ID token's signature checked against the
//! keys the provider publishes. Only the token's subject is used: no email, name or profile.

use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// The provider, as the service registered Tandem with it (`--sso-*`).
#[derive(Clone)]
pub struct SsoSettings {
    /// The provider's issuer URL, exactly as its ID tokens name it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// What staff know it as (e.g. "Northshire Council"), in their account and the console.
    pub name: String,
    /// It asks everyone for a second step, whatever its tokens say (`--sso-trust-second-step`).
    pub trust_second_step: bool,
}

/// Shown in logs and `Settings`' Debug without the secret.
impl std::fmt::Debug for SsoSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("name", &self.name)
            .field("trust_second_step", &self.trust_second_step)
            .finish_non_exhaustive()
    }
}

impl SsoSettings {
    /// The issuer must be https, or http on this machine (a provider run beside Tandem to try it).
    pub fn check(&self) -> std::result::Result<(), String> {
        let lower = self.issuer.to_ascii_lowercase();
        let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| lower.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/'])));
        if !(lower.starts_with("https://") || local) {
            return Err(format!("--sso-issuer must be an https address (it is {:?})", self.issuer));
        }
        if self.client_id.trim().is_empty() || self.client_secret.trim().is_empty() {
            return Err("--sso-issuer needs --sso-client-id and --sso-client-secret too".into());
        }
        Ok(())
    }

    /// The issuer's origin (`https://login.microsoftonline.com`): the sign-out page there may
    /// frame Tandem's front-channel logout address, and no other page may.
    pub fn origin(&self) -> Option<String> {
        let url = reqwest::Url::parse(&self.issuer).ok()?;
        url.has_host().then(|| url.origin().ascii_serialization())
    }
}

/// The answer to `{issuer}/.well-known/openid-configuration` (the parts used).
#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

struct Provider {
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    /// The client authenticates with HTTP Basic (the default), else in the form.
    basic_auth: bool,
    keys: JwkSet,
    keys_fetched: Instant,
    found: Instant,
}

/// A provider's configuration is read again after this long (keys are also read again when a
/// token names one not seen yet: providers roll their keys).
const REDISCOVER: Duration = Duration::from_secs(3600);
/// Keys are read again at most this often for an unknown key id, so a stream of forged tokens
/// can't make Tandem hammer the provider.
const REFETCH_KEYS_AFTER: Duration = Duration::from_secs(60);
/// A clock a little off between Tandem and the provider.
pub const LEEWAY_SECS: u64 = 300;

/// What a provider answer said was wrong, kept for the log; the person is told only that it
/// didn't work and what to do.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the provider couldn't be reached or answered oddly: {0}")]
    Unreachable(String),
    #[error("the provider's answer didn't check out: {0}")]
    Refused(String),
}

impl From<SsoError> for ApiError {
    fn from(e: SsoError) -> Self {
        tracing::warn!(error = %e, "organisation sign-in failed");
        match e {
            SsoError::Unreachable(_) => ApiError::Unavailable(
                "your organisation's sign-in can't be reached just now; try again, or sign in with your name and password",
            ),
            SsoError::Refused(_) => ApiError::Unauthorized(
                "your organisation's sign-in didn't work; try again, or sign in with your name and password",
            ),
        }
    }
}

/// The ID token's claims Tandem reads.
#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    nonce: Option<String>,
    azp: Option<String>,
    auth_time: Option<u64>,
    /// The provider's own session, which a back-channel logout may name.
    sid: Option<String>,
    /// How the person proved who they were (RFC 8176), where the provider says.
    amr: Option<serde_json::Value>,
}

/// Who the provider vouched for at a sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vouched {
    pub subject: String,
    /// The provider's session it signed them in with, if it says (its `sid`).
    pub provider_session: Option<String>,
    /// The provider asked for a second step (its `amr` says so, or the service trusts it to).
    pub second_step: bool,
}

/// Whether an ID token's `amr` (RFC 8176) shows more than a password: "mfa", Microsoft's
/// "ngcmfa" (Windows Hello), a hardware key or passkey ("hwk"), or two different methods.
pub fn shows_second_step(amr: Option<&serde_json::Value>) -> bool {
    let Some(methods) = amr.and_then(|a| a.as_array()) else { return false };
    let mut methods: Vec<&str> = methods.iter().filter_map(|m| m.as_str()).collect();
    if methods.iter().any(|m| ["mfa", "ngcmfa", "hwk", "mca"].contains(m)) {
        return true;
    }
    methods.sort_unstable();
    methods.dedup();
    methods.len() >= 2
}

/// A back-channel logout token's claims (OpenID Connect Back-Channel Logout 1.0, 2.4).
#[derive(Deserialize)]
struct LogoutClaims {
    sub: Option<String>,
    sid: Option<String>,
    iat: u64,
    azp: Option<String>,
    nonce: Option<serde_json::Value>,
    events: Option<serde_json::Map<String, serde_json::Value>>,
}

/// What a checked logout token asks: end the sessions the provider signed in as `subject`, or
/// with its session `provider_session` (either or both), begun before `issued_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logout {
    pub subject: Option<String>,
    pub provider_session: Option<String>,
    pub issued_ms: i64,
}

/// The event a logout token must carry (what makes it one, not an ID token sent here).
const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// A logout token older than this is refused: one seen in transit can't be replayed later to
/// end sign-ins made since (those begun after it was issued are never ended by it anyway).
const LOGOUT_FRESH_SECS: u64 = 10 * 60;

/// Talks to the provider.
pub struct Oidc {
    pub settings: SsoSettings,
    http: reqwest::Client,
    provider: tokio::sync::Mutex<Option<Provider>>,
}

/// PKCE's challenge for a verifier (S256).
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

impl Oidc {
    pub fn new(settings: SsoSettings) -> Oidc {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .unwrap_or_default();
        Oidc { settings, http, provider: tokio::sync::Mutex::new(None) }
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> std::result::Result<T, SsoError> {
        let answer = self.http.get(url).send().await.map_err(|e| SsoError::Unreachable(format!("{url}: {e}")))?;
        if !answer.status().is_success() {
            return Err(SsoError::Unreachable(format!("{url} answered {}", answer.status())));
        }
        let body = answer.bytes().await.map_err(|e| SsoError::Unreachable(e.to_string()))?;
        serde_json::from_slice(&body).map_err(|e| SsoError::Unreachable(format!("{url}: {e}")))
    }

    /// The provider's endpoints and keys, read when first needed and again every hour.
    async fn provider(&self) -> std::result::Result<tokio::sync::MutexGuard<'_, Option<Provider>>, SsoError> {
        let mut held = self.provider.lock().await;
        if held.as_ref().is_none_or(|p| p.found.elapsed() > REDISCOVER) {
            match self.discover().await {
                Ok(found) => *held = Some(found),
                // Read before and unreachable now: what it said an hour ago still holds (a
                // provider rolls its endpoints rarely), and it is asked again in a minute.
                Err(e) if held.is_some() => {
                    tracing::warn!(error = %e, "the organisation's sign-in configuration couldn't be read again");
                    if let Some(p) = held.as_mut() {
                        p.found = Instant::now() - REDISCOVER + Duration::from_secs(60);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(held)
    }

    /// Whether the provider's configuration and keys can be read now (they are kept once read):
    /// what stops staff signing in through it, if anything, said at start and in the console
    /// rather than first met by someone trying.
    pub async fn ready(&self) -> std::result::Result<(), SsoError> {
        self.provider().await.map(|_| ())
    }

    /// Reads the provider's configuration and keys.
    async fn discover(&self) -> std::result::Result<Provider, SsoError> {
        let issuer = self.settings.issuer.trim_end_matches('/');
        let found: Discovery = self.get_json(&format!("{issuer}/.well-known/openid-configuration")).await?;
        // The configuration must be the issuer's own (OpenID Connect Discovery, section 4.3).
        if found.issuer != self.settings.issuer {
            return Err(SsoError::Unreachable(format!(
                "the provider calls itself {:?}, not {:?}",
                found.issuer, self.settings.issuer
            )));
        }
        let keys: JwkSet = self.get_json(&found.jwks_uri).await?;
        let basic_auth = found
            .token_endpoint_auth_methods_supported
            .as_ref()
            .is_none_or(|m| m.iter().any(|m| m == "client_secret_basic"));
        Ok(Provider {
            authorization_endpoint: found.authorization_endpoint,
            token_endpoint: found.token_endpoint,
            jwks_uri: found.jwks_uri,
            basic_auth,
            keys,
            keys_fetched: Instant::now(),
            found: Instant::now(),
        })
    }

    /// Where to send the browser to sign in. `prompt=login`: the provider asks again even if
    /// its own sign-in is remembered in this browser (a shared tablet must not let the next
    /// person in as the staff member who used it before).
    pub async fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        verifier: &str,
    ) -> std::result::Result<String, SsoError> {
        let held = self.provider().await?;
        let provider = held.as_ref().ok_or_else(|| SsoError::Unreachable("no configuration".into()))?;
        let mut url = reqwest::Url::parse(&provider.authorization_endpoint)
            .map_err(|e| SsoError::Unreachable(format!("authorization_endpoint: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid")
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &challenge(verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("prompt", "login");
        Ok(url.into())
    }

    /// Exchanges the provider's code for an ID token and returns the subject it vouches for.
    /// `started_ms`: when the sign-in began; the provider must have asked the person since.
    pub async fn subject(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
        nonce: &str,
        started_ms: i64,
    ) -> std::result::Result<Vouched, SsoError> {
        let (token_endpoint, basic_auth) = {
            let held = self.provider().await?;
            let p = held.as_ref().ok_or_else(|| SsoError::Unreachable("no configuration".into()))?;
            (p.token_endpoint.clone(), p.basic_auth)
        };
        let s = &self.settings;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        let mut request = self.http.post(&token_endpoint);
        if basic_auth {
            // RFC 6749, 2.3.1: each part form-encoded before Basic.
            request = request.basic_auth(form_value(&s.client_id), Some(form_value(&s.client_secret)));
        } else {
            form.push(("client_id", &s.client_id));
            form.push(("client_secret", &s.client_secret));
        }
        let body = form_urlencoded(&form);
        let answer = request
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| SsoError::Unreachable(format!("token endpoint: {e}")))?;
        let status = answer.status();
        let body = answer.bytes().await.map_err(|e| SsoError::Unreachable(e.to_string()))?;
        if !status.is_success() {
            // A code used twice, or one that ran out: the person starts again.
            return Err(SsoError::Refused(format!(
                "token endpoint answered {status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
        #[derive(Deserialize)]
        struct TokenAnswer {
            id_token: String,
        }
        let TokenAnswer { id_token } =
            serde_json::from_slice(&body).map_err(|e| SsoError::Refused(format!("token answer: {e}")))?;
        self.verify(&id_token, nonce, started_ms).await
    }

    /// A token signed by one of the provider's keys with an asymmetric algorithm, by this issuer,
    /// for this client, not expired (if it says when it expires), with these claims present.
    async fn decode<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        token: &str,
        required: &[&str],
    ) -> std::result::Result<T, SsoError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| SsoError::Refused(format!("{what}: {e}")))?;
        const ALLOWED: [Algorithm; 7] = [
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::ES256,
            Algorithm::ES384,
        ];
        if !ALLOWED.contains(&header.alg) {
            return Err(SsoError::Refused(format!("{what} signed with {:?}", header.alg)));
        }
        let key = self.key_for(header.kid.as_deref()).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.client_id]);
        validation.set_required_spec_claims(required);
        validation.leeway = LEEWAY_SECS;
        Ok(jsonwebtoken::decode::<T>(token, &key, &validation)
            .map_err(|e| SsoError::Refused(format!("{what}: {e}")))?
            .claims)
    }

    /// Checks an ID token: as `decode` says, and with this sign-in's nonce, asked again since
    /// the sign-in began.
    async fn verify(&self, id_token: &str, nonce: &str, started_ms: i64) -> std::result::Result<Vouched, SsoError> {
        let claims: IdClaims = self.decode("id_token", id_token, &["exp", "iss", "aud", "sub"]).await?;
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(SsoError::Refused("id_token: not this sign-in's nonce".into()));
        }
        if claims.azp.as_deref().is_some_and(|azp| azp != self.settings.client_id) {
            return Err(SsoError::Refused("id_token: for another client (azp)".into()));
        }
        let started = (started_ms.max(0) as u64) / 1000;
        if claims.auth_time.is_some_and(|at| at + LEEWAY_SECS < started) {
            return Err(SsoError::Refused("id_token: the provider didn't ask the person again".into()));
        }
        if claims.sub.is_empty() || claims.sub.len() > 255 {
            return Err(SsoError::Refused("id_token: no usable subject".into()));
        }
        let provider_session = claims.sid.filter(|sid| !sid.is_empty() && sid.len() <= 255);
        let second_step = self.settings.trust_second_step || shows_second_step(claims.amr.as_ref());
        Ok(Vouched { subject: claims.sub, provider_session, second_step })
    }

    /// Checks a back-channel logout token (section 2.6): signed and addressed as an ID token,
    /// carrying the logout event, no nonce (so an ID token can't be passed off as one), a
    /// subject or a provider session, and issued in the last few minutes.
    pub async fn logout(&self, token: &str, now_ms: i64) -> std::result::Result<Logout, SsoError> {
        let claims: LogoutClaims = self.decode("logout_token", token, &["iss", "aud", "iat"]).await?;
        if !claims.events.as_ref().is_some_and(|e| e.get(LOGOUT_EVENT).is_some_and(|v| v.is_object())) {
            return Err(SsoError::Refused("logout_token: no back-channel logout event".into()));
        }
        if claims.nonce.is_some() {
            return Err(SsoError::Refused("logout_token: has a nonce (an ID token?)".into()));
        }
        if claims.azp.as_deref().is_some_and(|azp| azp != self.settings.client_id) {
            return Err(SsoError::Refused("logout_token: for another client (azp)".into()));
        }
        let usable = |v: Option<String>| v.filter(|v| !v.is_empty() && v.len() <= 255);
        let (subject, provider_session) = (usable(claims.sub), usable(claims.sid));
        if subject.is_none() && provider_session.is_none() {
            return Err(SsoError::Refused("logout_token: names neither a subject nor a session".into()));
        }
        let now = (now_ms.max(0) as u64) / 1000;
        if claims.iat > now + LEEWAY_SECS || claims.iat + LOGOUT_FRESH_SECS + LEEWAY_SECS < now {
            return Err(SsoError::Refused(format!("logout_token: issued at {}, not lately", claims.iat)));
        }
        Ok(Logout { subject, provider_session, issued_ms: (claims.iat.min(i64::MAX as u64 / 1000) as i64) * 1000 })
    }

    /// The provider's key with this id (its only key, if the token names none), reading its
    /// keys again once if it isn't known yet.
    async fn key_for(&self, kid: Option<&str>) -> std::result::Result<DecodingKey, SsoError> {
        let mut held = self.provider().await?;
        for attempt in 0..2 {
            let provider = held.as_mut().ok_or_else(|| SsoError::Unreachable("no configuration".into()))?;
            let found = match kid {
                Some(kid) => provider.keys.find(kid),
                None if provider.keys.keys.len() == 1 => provider.keys.keys.first(),
                None => None,
            };
            if let Some(jwk) = found {
                return DecodingKey::from_jwk(jwk).map_err(|e| SsoError::Refused(format!("provider key: {e}")));
            }
            if attempt == 0 && provider.keys_fetched.elapsed() > REFETCH_KEYS_AFTER {
                let uri = provider.jwks_uri.clone();
                let keys: JwkSet = self.get_json(&uri).await?;
                let provider = held.as_mut().ok_or_else(|| SsoError::Unreachable("no configuration".into()))?;
                provider.keys = keys;
                provider.keys_fetched = Instant::now();
            } else {
                break;
            }
        }
        Err(SsoError::Refused(format!("id_token: no provider key {kid:?}")))
    }
}

/// `application/x-www-form-urlencoded`, as reqwest's `form` would (its feature isn't built here).
fn form_urlencoded(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("x:").expect("a constant URL");
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or_default().to_owned()
}

/// One value, `application/x-www-form-urlencoded`.
fn form_value(value: &str) -> String {
    form_urlencoded(&[("", value)]).trim_start_matches('=').to_owned()
}

/// A random secret for a sign-in's `state`, nonce or PKCE verifier (256 bits, base64url).
pub fn random() -> String {
    super::tokens::new_secret().0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(issuer: &str) -> SsoSettings {
        SsoSettings {
            issuer: issuer.into(),
            client_id: "tandem".into(),
            client_secret: "s".into(),
            name: "x".into(),
            trust_second_step: false,
        }
    }

    #[test]
    fn the_issuer_is_https_or_on_this_machine() {
        assert!(settings("https://login.example.org/tenant/v2.0").check().is_ok());
        assert!(settings("http://127.0.0.1:9000").check().is_ok());
        assert!(settings("http://localhost/realms/x").check().is_ok());
        assert!(settings("http://login.example.org").check().is_err());
        assert!(settings("http://localhost.example.org").check().is_err(), "a look-alike host");
        assert!(settings("file:///etc").check().is_err());
        let no_secret = SsoSettings { client_secret: " ".into(), ..settings("https://a.example") };
        assert!(no_secret.check().is_err());
    }

    #[test]
    fn the_secret_never_shows_in_debug() {
        let shown =
            format!("{:?}", SsoSettings { client_secret: "hunter2-secret".into(), ..settings("https://a.example") });
        assert!(!shown.contains("hunter2") && shown.contains("a.example"), "{shown}");
    }

    #[test]
    fn pkce_challenge_is_rfc_7636s_example() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn forms_are_encoded_as_browsers_do() {
        assert_eq!(form_urlencoded(&[("a", "b c"), ("d", "e&f=g")]), "a=b+c&d=e%26f%3Dg");
        assert_eq!(form_value("a:b c=d"), "a%3Ab+c%3Dd");
    }

    #[test]
    fn a_second_step_is_what_the_token_says_of_more_than_a_password() {
        let says = |v: serde_json::Value| shows_second_step(Some(&v));
        assert!(says(serde_json::json!(["pwd", "mfa"])), "Microsoft's and Okta's");
        assert!(says(serde_json::json!(["pwd", "otp"])), "two methods");
        assert!(says(serde_json::json!(["hwk"])), "a security key or passkey");
        assert!(says(serde_json::json!(["ngcmfa"])), "Windows Hello");
        assert!(!says(serde_json::json!(["pwd"])));
        assert!(!says(serde_json::json!(["pwd", "pwd"])), "the same method twice is one");
        assert!(!says(serde_json::json!("mfa")), "not a list");
        assert!(!says(serde_json::json!([])));
        assert!(!shows_second_step(None), "a provider that doesn't say");
    }
}
