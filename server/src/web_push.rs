//! Web Push to staff devices: "a young person you support has asked for help", on a worker's
//! phone or laptop with Tandem closed.
//!
//! Each push carries no payload (RFC 8030 allows none): the browser's push service (Google's,
//! Mozilla's, Apple's, Microsoft's) and the device's lock screen learn only that Tandem wants
//! the person, never who or what. The service worker shows a fixed sentence and the app says
//! the rest once opened, after sign-in. The server proves who it is with VAPID (RFC 8292): an
//! ES256 token signed by a P-256 key derived from the token signing key file, so every replica
//! signs with the same key and no new file needs keeping.
//!
//! The server only calls push services it is told it may (`--push-service`): an endpoint is a
//! URL a client hands us, and a server that POSTs wherever it is told is a way into the network
//! it runs in.

use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::{Signature, SigningKey, signature::Signer};
use std::time::Duration;

/// The push services of the browsers people use; `--push-service` replaces the list.
pub const KNOWN_PUSH_SERVICES: &[&str] = &[
    "https://fcm.googleapis.com",
    "https://updates.push.services.mozilla.com",
    "https://web.push.apple.com",
    "https://*.notify.windows.com",
];

/// Longest endpoint URL taken (the big services' are under 500 characters).
pub const MAX_ENDPOINT: usize = 2048;

/// How long a push service keeps a push for a device that is off: an alert older than half a
/// day is better found in the app than announced.
const TTL_SECONDS: u32 = 12 * 3600;

/// The VAPID key pair.
#[derive(Clone)]
pub struct PushKey {
    signing: SigningKey,
    /// The public key, uncompressed (65 bytes), base64url: the browser's `applicationServerKey`.
    public: String,
}

impl PushKey {
    /// Derived from the token signing key: a separate key for a separate use, by HMAC with a
    /// label of its own, so knowing one tells nothing of the other.
    pub fn derive(secret: &[u8]) -> PushKey {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
        // A 32-byte string is a valid P-256 key unless it is zero or past the group's order
        // (odds about 2^-32); the counter only matters then.
        let signing = (0u8..)
            .find_map(|round| {
                SigningKey::from_slice(ring::hmac::sign(&key, &[b"tandem web push", &[round][..]].concat()).as_ref())
                    .ok()
            })
            .expect("some round gives a valid key");
        let public = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_encoded_point(false).as_bytes());
        PushKey { signing, public }
    }

    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The `Authorization` header for one push service (`audience` is its origin).
    fn authorization(&self, audience: &str, subject: &str, now_s: u64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({ "aud": audience, "exp": now_s + 12 * 3600, "sub": subject });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let signature: Signature = self.signing.sign(signed.as_bytes());
        format!("vapid t={signed}.{}, k={}", URL_SAFE_NO_PAD.encode(signature.to_bytes()), self.public)
    }
}

/// The push services this server may call, as origins (`https://host[:port]`); a host may
/// start with `*.` for any name under it.
#[derive(Debug, Clone)]
pub struct PushServices(Vec<String>);

impl PushServices {
    pub fn new(origins: &[String]) -> PushServices {
        // An empty one (`--push-service ''`) names none: pushes off.
        let named = origins.iter().map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase());
        PushServices(named.filter(|o| !o.is_empty()).collect())
    }

    /// Whether any push service may be called at all.
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// The endpoint's origin, if it is a URL at one of the allowed push services.
    pub fn origin_of(&self, endpoint: &str) -> Option<String> {
        if endpoint.len() > MAX_ENDPOINT {
            return None;
        }
        let url = reqwest::Url::parse(endpoint).ok()?;
        if !url.username().is_empty() || url.password().is_some() {
            return None;
        }
        let origin = url.origin().ascii_serialization();
        let allowed = self.0.iter().any(|allowed| match allowed.split_once("://*.") {
            Some((scheme, domain)) => {
                url.scheme() == scheme
                    && url.port().is_none()
                    && url.host_str().is_some_and(|h| h.strip_suffix(domain).is_some_and(|sub| sub.ends_with('.')))
            }
            None => *allowed == origin,
        });
        allowed.then_some(origin)
    }
}

/// Sends pushes; cheap to clone into the tasks that send them.
pub struct WebPush {
    key: PushKey,
    services: PushServices,
    /// Who runs this server, for push services to reach (VAPID's `sub`): the public URL.
    subject: String,
    client: reqwest::Client,
}

impl WebPush {
    pub fn new(key: PushKey, services: PushServices, public_url: Option<&str>) -> WebPush {
        // rustls on ring with the public CAs, as for PostgreSQL (`store::pg_tls`).
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with rustls builds");
        let subject = match public_url {
            Some(url) if url.starts_with("https://") => url.trim_end_matches('/').to_owned(),
            _ => "mailto:admin@tandem.invalid".to_owned(),
        };
        WebPush { key, services, subject, client }
    }

    pub fn public_key(&self) -> &str {
        self.key.public_key()
    }

    pub fn services(&self) -> &PushServices {
        &self.services
    }
}

/// Tells the devices of `people` that turned notifications on that someone needs them. Not
/// awaited by the caller: an alert is stored and answered whatever the push services do. A
/// subscription the push service says is gone (404, 410) or no longer ours (403: the key
/// changed) is deleted, so the app offers to turn notifications on again.
pub fn tell(state: &AppState, people: Vec<tandem_shared::PersonId>) {
    if people.is_empty() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let devices = match state.store.read(move |db| crate::store::push::endpoints_of(db, &people)).await {
            Ok(devices) => devices,
            Err(e) => {
                tracing::warn!(error = %e, "could not look up devices to notify");
                return;
            }
        };
        let now_s = crate::store::now_ms().max(0) as u64 / 1000;
        for (session, endpoint) in devices {
            let push = state.push.clone();
            let state = state.clone();
            tokio::spawn(async move {
                // Checked again at sending: the allowed services may have changed since it was stored.
                let Some(origin) = push.services.origin_of(&endpoint) else {
                    tracing::warn!("a stored push endpoint is not at an allowed push service; not sent");
                    return;
                };
                let sent = push
                    .client
                    .post(&endpoint)
                    .header("TTL", TTL_SECONDS.to_string())
                    .header("Urgency", "high")
                    // One waiting push per device: a phone off all evening gets one, not ten.
                    .header("Topic", "tandem-alert")
                    .header("Authorization", push.key.authorization(&origin, &push.subject, now_s))
                    // Some push services refuse a POST without a length (411), and an empty body gets none by itself.
                    .header("Content-Length", "0")
                    .send()
                    .await;
                match sent.map(|r| r.status().as_u16()) {
                    Ok(200..=299) => {
                        state.metrics.pushes_sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Ok(403 | 404 | 410) => {
                        tracing::info!("a device's push subscription has ended; forgetting it");
                        let gone = state.store.write(move |tx| crate::store::push::forget(tx, &session)).await;
                        if let Err(e) = gone {
                            tracing::warn!(error = %e, "could not forget an ended push subscription");
                        }
                    }
                    Ok(status) => tracing::warn!(status, "a push service refused a push"),
                    Err(e) => tracing::warn!(error = %e, "could not reach a push service"),
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_push_services_are_called() {
        let services = PushServices::new(&KNOWN_PUSH_SERVICES.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let ok = |e: &str| services.origin_of(e);
        assert_eq!(ok("https://fcm.googleapis.com/fcm/send/abc").as_deref(), Some("https://fcm.googleapis.com"));
        assert_eq!(
            ok("https://db5p.notify.windows.com/w/?token=x").as_deref(),
            Some("https://db5p.notify.windows.com")
        );
        assert_eq!(ok("http://fcm.googleapis.com/fcm/send/abc"), None, "not over TLS");
        assert_eq!(ok("https://fcm.googleapis.com.evil.example/x"), None);
        assert_eq!(ok("https://notify.windows.com/x"), None, "the wildcard is for names under it");
        assert_eq!(ok("https://evilnotify.windows.com/x"), None);
        assert_eq!(ok("https://fcm.googleapis.com:8443/x"), None, "another port is another service");
        assert_eq!(ok("https://user:pw@fcm.googleapis.com/x"), None);
        assert_eq!(ok("http://127.0.0.1:9/x"), None);
        assert_eq!(ok("not a url"), None);
        assert_eq!(ok(&format!("https://fcm.googleapis.com/{}", "a".repeat(MAX_ENDPOINT))), None);
        assert!(services.any());
        assert!(!PushServices::new(&[String::new()]).any(), "`--push-service ''` names none");
    }

    #[test]
    fn the_key_is_the_same_from_the_same_secret_and_signs_tokens_it_can_verify() {
        use p256::ecdsa::{VerifyingKey, signature::Verifier};
        let key = PushKey::derive(&[7; 64]);
        assert_eq!(key.public_key(), PushKey::derive(&[7; 64]).public_key());
        assert_ne!(key.public_key(), PushKey::derive(&[8; 64]).public_key());
        let header = key.authorization("https://push.example", "mailto:x@example.org", 1_000);
        let (token, k) = header.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
        assert_eq!(k, key.public_key());
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let public = VerifyingKey::from_sec1_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
        public.verify(signed.as_bytes(), &signature).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(signed.split('.').nth(1).unwrap()).unwrap()).unwrap();
        assert_eq!(claims["aud"], "https://push.example");
        assert_eq!(claims["exp"], 1_000 + 12 * 3600);
    }
}
