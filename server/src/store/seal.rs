//! Words at rest: every record's fields and kept conflicts, and every person's names, are sealed
//! with AES-256-GCM under a data key kept in a file outside the database (like the token signing
//! key), so a copy of the database, a backup or a `pg_dump` holds no words and names nobody
//! without that file.
//!
//! The key file holds one key per line, `ID BASE64`; the last is the one new writes use, the
//! others still open what they sealed until `tandem rotate-key` has re-sealed it all. A sealed
//! value is `s3.ID.` then the nonce and ciphertext, with the record's id as associated data, so
//! a sealed value moved to another record doesn't open. SQLite keeps it as bytes; PostgreSQL's
//! text columns keep the nonce and ciphertext in base64 (as SQLite did before: both forms read).
//!
//! AES-256-GCM with a random 96-bit nonce per value, under a key derived from the data key (one
//! key never serves two algorithms). Random nonces are safe for 2^32 values per key; a service
//! writes far fewer between rotations. With the processor's AES instructions it is the cheapest
//! of the ciphers tried here (sealing and opening were a fifth of the server's CPU per operation
//! with XChaCha20-Poly1305). Values sealed by earlier versions (`s1.` XChaCha20-Poly1305, `s2.`
//! AES-256-GCM-SIV) and written before encryption (plain JSON) still read, and `rotate-key`
//! re-seals them.
//!
//! Servers look at the key file every second, so a rotation reaches every replica that shares
//! it without a restart.

use super::StoreError;
use crate::error::{ApiError, Result};
use aes_gcm::Aes256Gcm;
use aes_gcm_siv::Aes256GcmSiv;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::SystemTime;

/// What new writes are sealed as (AES-256-GCM).
const PREFIX: &str = "s3.";
/// Sealed by earlier versions: opened, never written.
const PREFIX_SIV: &str = "s2.";
const PREFIX_V1: &str = "s1.";

/// Finds a row if anything in the database is sealed (so a missing key file is an error).
/// (Rows of the per-field tables from before schema 14 count until they are folded.)
pub const ANY_SEALED: &str = "SELECT 1 FROM records WHERE CAST(body AS TEXT) LIKE 's_.%'
     UNION ALL SELECT 1 FROM fields WHERE state LIKE 's_.%' UNION ALL SELECT 1 FROM conflicts WHERE state LIKE 's_.%'
     UNION ALL SELECT 1 FROM people WHERE names_sealed LIMIT 1";

/// One data key, as each format uses it.
struct Key {
    id: u32,
    /// Its own key for each algorithm, derived from the data key, so no key serves two.
    gcm: Aes256Gcm,
    siv: Aes256GcmSiv,
    v1: XChaCha20Poly1305,
    /// Keys the hash of a name someone typed at sign-in, so failed attempts are counted per name
    /// without a table anyone could reverse by hashing a list of first names.
    names: [u8; 32],
}

struct Keys {
    /// Oldest first; the last seals.
    list: Vec<Key>,
    modified: Option<SystemTime>,
}

pub struct Keyring {
    path: PathBuf,
    keys: RwLock<Keys>,
}

fn read_file(path: &Path) -> Result<Keys, StoreError> {
    let bad = |why: &str| StoreError::Invalid(format!("the data key file {} {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(&format!("can't be read ({e})")))?;
    let mut list = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (id, key) = line.trim().split_once(' ').ok_or_else(|| bad("is damaged (a line isn't `ID KEY`)"))?;
        let id: u32 = id.parse().map_err(|_| bad("is damaged (a key id isn't a number)"))?;
        let key = B64.decode(key.trim()).map_err(|_| bad("is damaged (a key isn't base64)"))?;
        let v1 = XChaCha20Poly1305::new_from_slice(&key).map_err(|_| bad("is damaged (a key isn't 32 bytes)"))?;
        let derive = |label: &[u8]| Sha256::new().chain_update(label).chain_update(&key).finalize();
        let gcm = <Aes256Gcm as aes_gcm::KeyInit>::new_from_slice(&derive(b"tandem data key for AES-256-GCM\0"))
            .map_err(|_| bad("is damaged"))?;
        let siv = Aes256GcmSiv::new_from_slice(&derive(b"tandem data key for AES-256-GCM-SIV\0"))
            .map_err(|_| bad("is damaged"))?;
        let names = derive(b"tandem data key for sign-in names\0").into();
        list.push(Key { id, gcm, siv, v1, names });
    }
    if list.is_empty() {
        return Err(bad("holds no key"));
    }
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    Ok(Keys { list, modified })
}

/// Writes key lines to `path` whole (a temporary file renamed over it), readable only by us.
fn write_file(path: &Path, lines: &[String]) -> Result<(), StoreError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let io = |e: std::io::Error| StoreError::Invalid(format!("can't write the data key file {}: {e}", path.display()));
    let temp = path.with_extension("tmp");
    let mut file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&temp).map_err(io)?;
    file.write_all((lines.join("\n") + "\n").as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&temp, path).map_err(io)
}

fn new_key_line(id: u32) -> String {
    format!("{id} {}", B64.encode(rand::random::<[u8; 32]>()))
}

impl Keyring {
    /// Opens the key file, or makes one if it is missing and nothing in the database is sealed
    /// yet. A database with sealed words and no key file is refused: a new key could never
    /// open them, and writing under it would split the data between two keys.
    pub fn open(path: &Path, database_has_sealed_words: bool) -> Result<Keyring, StoreError> {
        if !path.exists() {
            if database_has_sealed_words {
                return Err(StoreError::Invalid(format!(
                    "the words in this database are encrypted, and their key file {} is missing. \
                     Tandem changed nothing. Restore the key file from where you keep its backup \
                     (it is not in the database or its backups), or name it with --data-key-file.",
                    path.display()
                )));
            }
            write_file(path, &[new_key_line(1)])?;
        }
        Ok(Keyring { path: path.to_owned(), keys: RwLock::new(read_file(path)?) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the key file again if it changed (a rotation). A damaged file is logged and the
    /// keys already loaded are kept.
    pub fn refresh(&self) {
        let modified = std::fs::metadata(&self.path).and_then(|m| m.modified()).ok();
        if modified == self.keys.read().unwrap_or_else(|p| p.into_inner()).modified {
            return;
        }
        match read_file(&self.path) {
            Ok(keys) => *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys,
            Err(e) => tracing::error!(error = %e, "kept the data keys already loaded"),
        }
    }

    /// The id of the key new writes are sealed with.
    pub fn current(&self) -> u32 {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).list.last().map_or(0, |k| k.id)
    }

    /// What a sign-in name (`people::sign_in_key`) is found and counted under: a hash keyed by
    /// the current data key, so neither the people table nor the count of failed attempts
    /// holds a name, and neither can be reversed by hashing a list of first names. After a key
    /// rotation a count of failures starts again, as it does when a lockout ends.
    pub fn name_key(&self, name: &str) -> String {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let secret = keys.list.last().map_or([0; 32], |k| k.names);
        B64.encode(Sha256::new().chain_update(secret).chain_update(name.as_bytes()).finalize())
    }

    /// What `name_key` gives under every key loaded, the current first: a person is found by
    /// the key their row was given, which `rotate-key` moves to the new data key a batch at a
    /// time, so during a rotation either may be the one stored.
    pub fn name_keys(&self, name: &str) -> Vec<String> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let hash = |k: &Key| B64.encode(Sha256::new().chain_update(k.names).chain_update(name.as_bytes()).finalize());
        keys.list.iter().rev().map(hash).collect()
    }

    /// Seals `plain` for the record `context`.
    pub fn seal(&self, plain: &str, context: &str) -> Result<Sealed> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let key = keys.list.last().ok_or_else(|| ApiError::Internal("no data key".into()))?;
        let nonce: [u8; 12] = rand::random();
        let ciphertext = key
            .gcm
            .encrypt(&nonce.into(), Payload { msg: plain.as_bytes(), aad: context.as_bytes() })
            .map_err(|_| ApiError::Internal("sealing failed".into()))?;
        Ok(Sealed { key: key.id, nonce, ciphertext })
    }

    /// Opens a value stored for the record `context` (plain values from before encryption pass
    /// through).
    pub fn unseal(&self, stored: Stored<'_>, context: &str) -> Result<String> {
        let damaged =
            || ApiError::Internal("a sealed value doesn't open (damaged, or moved from another record)".into());
        let decoded;
        let (format, id, bytes): (&str, &[u8], &[u8]) = match stored {
            Stored::Text(text) => {
                let (format, rest) =
                    match [PREFIX, PREFIX_SIV, PREFIX_V1].iter().find_map(|p| Some((*p, text.strip_prefix(p)?))) {
                        Some(found) => found,
                        None => return Ok(text.to_owned()),
                    };
                let (id, body) = rest.split_once('.').ok_or_else(damaged)?;
                decoded = B64.decode(body).map_err(|_| damaged())?;
                (format, id.as_bytes(), &decoded)
            }
            // Only today's format is ever kept as bytes.
            Stored::Bytes(raw) => {
                let rest = raw.strip_prefix(PREFIX.as_bytes()).ok_or_else(damaged)?;
                let dot = rest.iter().position(|&b| b == b'.').ok_or_else(damaged)?;
                (PREFIX, &rest[..dot], &rest[dot + 1..])
            }
        };
        let id: u32 = std::str::from_utf8(id).ok().and_then(|id| id.parse().ok()).ok_or_else(damaged)?;
        let nonce_len = if format == PREFIX_V1 { 24 } else { 12 };
        if bytes.len() < nonce_len {
            return Err(damaged());
        }
        let (nonce, sealed) = bytes.split_at(nonce_len);
        let attempt = |keys: &Keys| {
            keys.list.iter().find(|k| k.id == id).map(|k| {
                let payload = Payload { msg: sealed, aad: context.as_bytes() };
                let wrong_size = |_| chacha20poly1305::aead::Error;
                if format == PREFIX_V1 {
                    let nonce: [u8; 24] = nonce.try_into().map_err(wrong_size)?;
                    return k.v1.decrypt(&XNonce::from(nonce), payload);
                }
                let nonce: [u8; 12] = nonce.try_into().map_err(wrong_size)?;
                if format == PREFIX_SIV {
                    k.siv.decrypt(&nonce.into(), payload)
                } else {
                    aes_gcm::aead::Aead::decrypt(
                        &k.gcm,
                        &nonce.into(),
                        aes_gcm::aead::Payload { msg: sealed, aad: context.as_bytes() },
                    )
                    .map_err(|_| chacha20poly1305::aead::Error)
                }
            })
        };
        let mut opened = attempt(&self.keys.read().unwrap_or_else(|p| p.into_inner()));
        if opened.is_none() {
            // Sealed under a key this process hasn't loaded yet: another replica rotated.
            self.refresh();
            opened = attempt(&self.keys.read().unwrap_or_else(|p| p.into_inner()));
        }
        let plain = opened
            .ok_or_else(|| {
                ApiError::Internal(format!("a value is sealed under data key {id}, which the key file lacks"))
            })?
            .map_err(|_| damaged())?;
        String::from_utf8(plain).map_err(|_| damaged())
    }

    /// Whether `stored` is sealed under the current key (else `rotate-key` re-seals it).
    pub fn is_current(&self, stored: Stored<'_>) -> bool {
        let raw = match stored {
            Stored::Text(text) => text.as_bytes(),
            Stored::Bytes(raw) => raw,
        };
        raw.strip_prefix(PREFIX.as_bytes())
            .and_then(|rest| rest.strip_prefix(self.current().to_string().as_bytes()))
            .is_some_and(|rest| rest.first() == Some(&b'.'))
    }

    /// Adds a new key and makes it the one new writes use; older keys stay until `retire_old`.
    pub fn add_key(&self) -> Result<u32, StoreError> {
        let text = std::fs::read_to_string(&self.path).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut lines: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect();
        let id = self.keys.read().unwrap_or_else(|p| p.into_inner()).list.iter().map(|k| k.id).max().unwrap_or(0) + 1;
        lines.push(new_key_line(id));
        write_file(&self.path, &lines)?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = read_file(&self.path)?;
        Ok(id)
    }

    /// Removes every key but the current one from the file (once nothing is sealed under them).
    pub fn retire_old(&self) -> Result<(), StoreError> {
        let text = std::fs::read_to_string(&self.path).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let last = text.lines().rfind(|l| !l.trim().is_empty()).map(str::to_owned);
        write_file(&self.path, &last.into_iter().collect::<Vec<_>>())?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = read_file(&self.path)?;
        Ok(())
    }
}

/// A value as the database holds it: text (PostgreSQL; SQLite before 2026-12-02) or bytes.
#[derive(Debug, Clone, Copy)]
pub enum Stored<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// A freshly sealed value, to be stored in the form its database keeps.
pub struct Sealed {
    key: u32,
    nonce: [u8; 12],
    ciphertext: Vec<u8>,
}

impl Sealed {
    /// `s3.ID.BASE64(nonce ‖ ciphertext)`.
    pub fn into_text(self) -> String {
        let mut text = format!("{PREFIX}{}.", self.key);
        B64.encode_string([self.nonce.as_slice(), &self.ciphertext].concat(), &mut text);
        text
    }

    /// `s3.ID.` then the nonce and ciphertext themselves: a quarter smaller, with no base64 to
    /// write or read (a few percent of the server's CPU per operation).
    pub fn into_bytes(self) -> Vec<u8> {
        let prefix = format!("{PREFIX}{}.", self.key);
        let mut bytes = Vec::with_capacity(prefix.len() + self.nonce.len() + self.ciphertext.len());
        bytes.extend_from_slice(prefix.as_bytes());
        bytes.extend_from_slice(&self.nonce);
        bytes.extend_from_slice(&self.ciphertext);
        bytes
    }
}

/// Looks at the key file every second for as long as `keyring` is in use.
pub fn watch(keyring: &std::sync::Arc<Keyring>) {
    let weak = std::sync::Arc::downgrade(keyring);
    let _ = std::thread::Builder::new().name("tandem-keys".into()).spawn(move || {
        while let Some(keyring) = weak.upgrade() {
            keyring.refresh();
            drop(keyring);
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_words_open_only_for_their_record_and_under_a_known_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        let ring = Keyring::open(&path, false).unwrap();
        let sealed = ring.seal("I want to choose who comes", "record-1").unwrap().into_text();
        assert!(sealed.starts_with("s3.1.") && !sealed.contains("choose"), "{sealed}");
        assert_eq!(ring.unseal(Stored::Text(&sealed), "record-1").unwrap(), "I want to choose who comes");
        assert!(ring.unseal(Stored::Text(&sealed), "record-2").is_err(), "moved to another record");
        assert_eq!(
            ring.unseal(Stored::Text("[\"plain\"]"), "record-1").unwrap(),
            "[\"plain\"]",
            "plain values from before"
        );

        let new = ring.add_key().unwrap();
        assert_eq!((new, ring.current()), (2, 2));
        assert!(!ring.is_current(Stored::Text(&sealed)));
        assert_eq!(
            ring.unseal(Stored::Text(&sealed), "record-1").unwrap(),
            "I want to choose who comes",
            "old keys still open"
        );
        let resealed = ring.seal("I want to choose who comes", "record-1").unwrap().into_text();
        assert!(ring.is_current(Stored::Text(&resealed)));
        ring.retire_old().unwrap();
        assert!(ring.unseal(Stored::Text(&sealed), "record-1").is_err(), "a retired key opens nothing");
        assert_eq!(ring.unseal(Stored::Text(&resealed), "record-1").unwrap(), "I want to choose who comes");
    }

    #[test]
    fn sealed_bytes_open_only_for_their_record_and_hold_no_words() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::open(&dir.path().join("data.key"), false).unwrap();
        let sealed = ring.seal("I want to choose who comes", "record-1").unwrap().into_bytes();
        assert!(sealed.starts_with(b"s3.1.") && !sealed.windows(6).any(|w| w == b"choose"));
        assert_eq!(ring.unseal(Stored::Bytes(&sealed), "record-1").unwrap(), "I want to choose who comes");
        assert!(ring.unseal(Stored::Bytes(&sealed), "record-2").is_err(), "moved to another record");
        assert!(ring.unseal(Stored::Bytes(&sealed[..20]), "record-1").is_err(), "cut short");
        assert!(ring.unseal(Stored::Bytes(b"s2.1.abc"), "record-1").is_err(), "only today's format is bytes");
        assert!(ring.is_current(Stored::Bytes(&sealed)));
        ring.add_key().unwrap();
        assert!(!ring.is_current(Stored::Bytes(&sealed)), "rotate-key re-seals it");
        assert_eq!(ring.unseal(Stored::Bytes(&sealed), "record-1").unwrap(), "I want to choose who comes");
    }

    #[test]
    fn values_sealed_by_earlier_versions_still_open_and_are_resealed_by_a_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        let ring = Keyring::open(&path, false).unwrap();
        // What the first version wrote: XChaCha20-Poly1305 under the data key itself.
        let key = B64.decode(std::fs::read_to_string(&path).unwrap().trim().split_once(' ').unwrap().1).unwrap();
        let nonce: [u8; 24] = rand::random();
        let cipher = XChaCha20Poly1305::new_from_slice(&key).unwrap();
        let sealed = cipher.encrypt(&XNonce::from(nonce), Payload { msg: b"my own words", aad: b"record-1" }).unwrap();
        let old = format!("s1.1.{}", B64.encode([nonce.as_slice(), &sealed].concat()));
        assert_eq!(ring.unseal(Stored::Text(&old), "record-1").unwrap(), "my own words");
        assert!(ring.unseal(Stored::Text(&old), "record-2").is_err(), "still bound to its record");
        assert!(!ring.is_current(Stored::Text(&old)), "rotate-key re-seals it in today's format");
        // What the version before this one wrote: AES-256-GCM-SIV under a key derived for it.
        let derived =
            Sha256::new().chain_update(b"tandem data key for AES-256-GCM-SIV\0").chain_update(&key).finalize();
        let nonce: [u8; 12] = rand::random();
        let sealed = Aes256GcmSiv::new_from_slice(&derived)
            .unwrap()
            .encrypt(&nonce.into(), Payload { msg: b"my newer words", aad: b"record-1" })
            .unwrap();
        let siv = format!("s2.1.{}", B64.encode([nonce.as_slice(), &sealed].concat()));
        assert_eq!(ring.unseal(Stored::Text(&siv), "record-1").unwrap(), "my newer words");
        assert!(ring.unseal(Stored::Text(&siv), "record-2").is_err(), "still bound to its record");
        assert!(!ring.is_current(Stored::Text(&siv)), "rotate-key re-seals it in today's format");
        let today = ring.seal("my own words", "record-1").unwrap().into_text();
        assert!(today.starts_with("s3.1.") && ring.is_current(Stored::Text(&today)));
    }

    #[test]
    fn a_database_with_sealed_words_and_no_key_file_is_refused_in_plain_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        let err = Keyring::open(&path, true).err().expect("refused").to_string();
        assert!(err.contains("encrypted") && err.contains("key file") && err.contains("missing"), "{err}");
        assert!(!path.exists(), "no new key was made");
    }
}
