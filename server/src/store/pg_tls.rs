//! TLS to PostgreSQL, asked for in the database URL as libpq users write it:
//! `postgres://host/db?sslmode=require&sslrootcert=/etc/tandem/db-ca.pem`.
//!
//! tokio-postgres reads `sslmode` (disable, prefer, require) but not `sslrootcert`, and its TLS
//! comes from a connector we choose. Ours is rustls, which always checks the server's certificate
//! and name: so `require`, `verify-ca` and `verify-full` all mean libpq's `verify-full` here,
//! against the CA in `sslrootcert` or, without it, the public CAs managed databases use. Any
//! other `sslmode` (or none) connects without TLS, as before.

use super::StoreError;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How to connect: in the clear, or over TLS with the server's certificate checked.
#[derive(Clone)]
pub enum Tls {
    Off,
    Verified(MakeRustlsConnect),
}

/// Splits the TLS settings tokio-postgres doesn't read out of `url`: what is left for it to
/// parse, and the connector the settings ask for.
pub fn from_url(url: &str) -> Result<(String, Tls), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), Tls::Off));
    };
    let (mut kept, mut root, mut verify) = (Vec::new(), None, false);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslrootcert", path)) => root = Some(percent_decoded(path)?),
            Some(("sslmode", "require" | "verify-ca" | "verify-full")) => {
                verify = true;
                kept.push("sslmode=require");
            }
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() { base.to_owned() } else { format!("{base}?{}", kept.join("&")) };
    if !verify {
        if root.is_some() {
            return Err(StoreError::Postgres(
                "the database URL names an sslrootcert but not sslmode=require (or verify-full): add it to use TLS"
                    .into(),
            ));
        }
        return Ok((rest, Tls::Off));
    }
    Ok((rest, Tls::Verified(connector(root.as_deref())?)))
}

/// A URL's `%XX` escapes undone (a CA path with a space is written `%20` in the URL).
fn percent_decoded(text: &str) -> Result<String, StoreError> {
    let bad = || StoreError::Postgres(format!("the database URL's sslrootcert ({text}) has a broken %-escape"));
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        if b != b'%' {
            bytes.push(b);
            continue;
        }
        let hex = rest.get(..2).and_then(|h| std::str::from_utf8(h).ok()).ok_or_else(bad)?;
        bytes.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
        rest = &rest[2..];
    }
    String::from_utf8(bytes).map_err(|_| bad())
}

fn connector(root: Option<&str>) -> Result<MakeRustlsConnect, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    match root {
        Some(path) => {
            let bad = |why: String| StoreError::Postgres(format!("the database CA file {path} (sslrootcert) {why}"));
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad(format!("can't be read: {e}")))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(format!("isn't PEM certificates: {e}")))?;
            if certs.is_empty() {
                return Err(bad("holds no certificate".into()));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| bad(format!("holds a certificate that doesn't read: {e}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Postgres(format!("TLS set-up failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_are_taken_out_of_the_url_and_others_left() {
        let (rest, tls) = from_url("postgres://h/db?application_name=x").unwrap();
        assert_eq!(rest, "postgres://h/db?application_name=x");
        assert!(matches!(tls, Tls::Off));
        let (rest, tls) = from_url("postgres://h/db?sslmode=verify-full&connect_timeout=3").unwrap();
        assert_eq!(rest, "postgres://h/db?sslmode=require&connect_timeout=3", "public CAs, checked");
        assert!(matches!(tls, Tls::Verified(_)));
        let missing = from_url("postgres://h/db?sslmode=require&sslrootcert=/nowhere.pem").err().unwrap().to_string();
        assert!(missing.contains("/nowhere.pem") && missing.contains("can't be read"), "{missing}");
        let half = from_url("postgres://h/db?sslrootcert=/ca.pem").err().unwrap().to_string();
        assert!(half.contains("sslmode=require"), "{half}");
        let spaced = from_url("postgres://h/db?sslmode=require&sslrootcert=/my%20certs/ca%2B1.pem").err().unwrap();
        assert!(spaced.to_string().contains("file /my certs/ca+1.pem (sslrootcert) can't be read"), "{spaced}");
        let broken = from_url("postgres://h/db?sslmode=require&sslrootcert=/ca%2").err().unwrap().to_string();
        assert!(broken.contains("broken %-escape"), "{broken}");
    }
}
