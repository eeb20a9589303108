//! Access tokens (short-lived JWTs) and refresh tokens (random, stored only as hashes).
//!
//! The algorithm and audience are pinned, so a token minted for another purpose, or a token
//! with `alg: none`, is refused. The signing key is generated on first start and kept in a
//! file beside the database, not in it: a copy of the database alone can't mint tokens.

use crate::error::ApiError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use tandem_shared::{PersonId, Role};

const ACCESS_AUDIENCE: &str = "tandem-access";

#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: PersonId,
    pub role: Role,
    /// The session (signed-in device) this token belongs to.
    pub sid: String,
    /// The person's token version when issued; bumping it ends every session.
    pub tv: i64,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
}

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Web Push's key, derived from the same file (see `web_push`).
    push: crate::web_push::PushKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

/// Shortest signing key accepted from a key file (HS256 wants at least 256 bits).
const MIN_KEY_BYTES: usize = 32;

impl Keys {
    pub fn from_secret(secret: &[u8]) -> Keys {
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            push: crate::web_push::PushKey::derive(secret),
        }
    }

    pub fn push_key(&self) -> crate::web_push::PushKey {
        self.push.clone()
    }

    /// Reads the signing key at `path`, making a new random one (readable only by its owner) if absent.
    /// A key file that exists but is too short is refused, never silently replaced: it may be a
    /// damaged copy of the real one, and replacing it would sign everybody out.
    pub fn load_or_create(path: &Path) -> std::io::Result<Keys> {
        match std::fs::read(path) {
            Ok(existing) if existing.len() >= MIN_KEY_BYTES => return Ok(Keys::from_secret(&existing)),
            Ok(existing) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "the signing key file {} holds {} bytes; it needs at least {MIN_KEY_BYTES}. \
                         Restore it, or delete it and Tandem will make a new one.",
                        path.display(),
                        existing.len()
                    ),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut secret = [0u8; 64];
        rand::rng().fill_bytes(&mut secret);
        write_private(path, &secret)?;
        Ok(Keys::from_secret(&secret))
    }

    pub fn issue_access(
        &self,
        person: PersonId,
        role: Role,
        sid: &str,
        tv: i64,
        now_s: u64,
        ttl_s: u64,
    ) -> Result<String, ApiError> {
        let claims = AccessClaims {
            sub: person,
            role,
            sid: sid.to_owned(),
            tv,
            aud: ACCESS_AUDIENCE.into(),
            iat: now_s,
            exp: now_s + ttl_s,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| ApiError::Internal(e.to_string()))
    }

    pub fn verify_access(&self, token: &str) -> Result<AccessClaims, ApiError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[ACCESS_AUDIENCE]);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        decode::<AccessClaims>(token, &self.decoding, &validation).map(|d| d.claims).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => {
                    ApiError::Unauthorized("your sign-in has expired; refresh it or sign in again")
                }
                _ => ApiError::Unauthorized("that sign-in token isn't valid; please sign in again"),
            }
        })
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// A new random secret (a refresh token, a shared tablet's key) and the hash that is stored.
pub fn new_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&token);
    (token, hash)
}

/// SHA-256 of a high-entropy secret (refresh token, invite code). Not for PINs: those use argon2.
pub fn hash_secret(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// An invite code a worker can read out: 12 letters and digits, no look-alikes, in groups of 4.
pub fn new_invite_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..12).map(|_| ALPHABET[(rng.next_u32() as usize) % ALPHABET.len()] as char).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// Invite codes are compared without spaces, dashes or case, so reading one out loud is forgiving.
pub fn normalise_invite_code(code: &str) -> String {
    let clean: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    clean.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_file_is_made_and_a_damaged_one_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tandem.key");
        Keys::load_or_create(&path).unwrap();
        let made = std::fs::read(&path).unwrap();
        assert_eq!(made.len(), 64);

        std::fs::write(&path, b"short").unwrap();
        let Err(refused) = Keys::load_or_create(&path) else { panic!("a 5-byte key is refused") };
        assert!(refused.to_string().contains("holds 5 bytes"), "{refused}");
        assert_eq!(std::fs::read(&path).unwrap(), b"short", "the damaged file is left for a person to look at");
    }
}
