//! Time-based one-time codes (RFC 6238), as every authenticator app makes them: HMAC-SHA1 of the
//! count of 30-second steps since 1970, cut to 6 digits. SHA-1 is what the apps all support; as
//! an HMAC with a random 160-bit key it has no known weakness that matters here.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use ring::hmac;

pub const STEP_SECS: u64 = 30;
const DIGITS: u32 = 6;

/// A new random secret (20 bytes, RFC 4226's recommended length), as it is stored: base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

/// The code for one step, as a number (shown with leading zeros).
pub fn code_at(secret: &[u8], step: u64) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = hmac::sign(&key, &step.to_be_bytes());
    let mac = mac.as_ref();
    // RFC 4226's dynamic truncation: four bytes from where the last byte's low bits point.
    let at = usize::from(mac[mac.len() - 1] & 0x0f);
    let bits = u32::from_be_bytes([mac[at] & 0x7f, mac[at + 1], mac[at + 2], mac[at + 3]]);
    bits % 10u32.pow(DIGITS)
}

/// The step `code` was made for, within one step either side of `now_secs` (a phone's clock a
/// little out, or a code typed as it changed); `None` if it matches none. `stored` is the secret
/// as `new_secret` gave it.
pub fn matching_step(stored: &str, code: &str, now_secs: u64) -> Option<u64> {
    if !looks_like_code(code) {
        return None;
    }
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let wanted: u32 = code.parse().ok()?;
    let secret = STANDARD.decode(stored).ok()?;
    let now = now_secs / STEP_SECS;
    [now.saturating_sub(1), now, now + 1].into_iter().find(|&step| code_at(&secret, step) == wanted)
}

/// Whether `code` has the shape of an app's code (six digits, spaces aside), not a recovery code.
pub fn looks_like_code(code: &str) -> bool {
    let digits = code.chars().filter(|c| !c.is_whitespace());
    digits.clone().count() == DIGITS as usize && digits.into_iter().all(|c| c.is_ascii_digit())
}

/// The secret as authenticator apps take it typed in: base32 (RFC 4648), in groups of four.
pub fn for_typing(stored: &str) -> String {
    let plain = base32(&STANDARD.decode(stored).unwrap_or_default());
    plain.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ")
}

/// The `otpauth://` address a QR code carries to an authenticator app. `account` is what the
/// app lists it as: the service's name for this server and the staff member's sign-in name.
pub fn app_address(stored: &str, issuer: &str, account: &str) -> String {
    let secret = base32(&STANDARD.decode(stored).unwrap_or_default());
    let (issuer, account) = (escape(issuer), escape(account));
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}"
    )
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        // Only as many characters as the chunk's bits fill (no padding: the apps don't need it).
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            out.push(ALPHABET[((bits >> (35 - 5 * i)) & 31) as usize] as char);
        }
    }
    out
}

/// Percent-encodes all but letters, digits and `-._~` (a name may hold spaces or accents).
fn escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 test vectors (appendix B), cut from 8 digits to the 6 apps show.
    #[test]
    fn codes_match_the_rfc() {
        let secret = b"12345678901234567890";
        for (time, eight) in [
            (59u64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(code_at(secret, time / STEP_SECS), eight % 1_000_000, "at {time}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_the_steps_beside_it_only() {
        let stored = STANDARD.encode(b"12345678901234567890");
        // 287082 is the code for step 1 (t = 30..59).
        assert_eq!(matching_step(&stored, "287082", 59), Some(1));
        assert_eq!(matching_step(&stored, "287 082", 89), Some(1), "spaces are let through");
        assert_eq!(matching_step(&stored, "287082", 0), Some(1), "one step early");
        assert_eq!(matching_step(&stored, "287082", 119), None, "two steps late");
        assert_eq!(matching_step(&stored, "28708", 59), None);
        assert_eq!(matching_step(&stored, "2870822", 59), None);
        assert_eq!(matching_step(&stored, "abcdef", 59), None);
    }

    #[test]
    fn the_secret_is_written_in_base32_as_the_rfc_spells_it() {
        // RFC 4648's test vectors, unpadded.
        for (plain, coded) in [
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32(plain.as_bytes()), coded);
        }
        let stored = STANDARD.encode(b"12345678901234567890");
        assert_eq!(for_typing(&stored), "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
        assert_eq!(
            app_address(&stored, "Tandem", "Sam Jones"),
            "otpauth://totp/Tandem:Sam%20Jones?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Tandem&algorithm=SHA1&digits=6&period=30"
        );
    }
}
