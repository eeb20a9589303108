//! Whether a PIN or password someone chooses is one of the first a guesser would try.
//!
//! Sign-in allows a few wrong tries before it slows down, and a few tries are all that "1234",
//! a birth year or a staff member's "Welcome2026!" need. In this work the guesser is often
//! someone who knows the young person, so the check is made when a secret is chosen, with
//! zxcvbn (Dropbox's estimator: common passwords, repeats, runs, years, keyboard patterns).
//!
//! - A young person's PIN or password is refused only for what a guesser tries first: a common
//!   one, a repeat (1111, 1212), a run (1234, 2468), a year, their name (or Tandem's) in it,
//!   or a name or word among the first thousand tried. Most four-digit PINs read as a date to
//!   zxcvbn, so dates alone are allowed: refusing them would refuse a third of all PINs.
//! - A staff password opens many young people's words: it must reach zxcvbn's score 3 (about
//!   10⁸ guesses, "safely unguessable" in its terms).

use crate::error::ApiError;
use tandem_shared::Role;
use zxcvbn::Score;
use zxcvbn::feedback::Warning;

/// How much of a secret is weighed (see `refuse_guessable`).
const WEIGHED_MAX: usize = 64;

/// Who is choosing: the bar differs (see the module's comment).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Chooser {
    YoungPerson,
    Staff,
}

impl Chooser {
    /// The bar for someone of this role choosing their own.
    pub fn of(role: Role) -> Chooser {
        if role == Role::YoungPerson { Chooser::YoungPerson } else { Chooser::Staff }
    }
}

/// Refuses a secret a guesser would try early, saying why and what to do instead. `about` is
/// what else a guesser may know (the sign-in name, the display name), never stored.
pub fn refuse_guessable(secret: &str, chooser: Chooser, about: &[&str]) -> Result<(), ApiError> {
    let mut known: Vec<&str> = vec!["tandem"];
    known.extend(about.iter().map(|s| s.trim()).filter(|s| !s.is_empty()));
    // zxcvbn's matching grows faster than the length: on 128 characters of mixed scripts it took
    // up to 200 ms, on 64 at most 25. What is longer than 64 is weighed by its first 64.
    let weighed: String = secret.chars().take(WEIGHED_MAX).collect();
    let estimate = zxcvbn::zxcvbn(&weighed, &known);
    let lower = secret.to_lowercase();
    let names_it = known.iter().any(|k| k.chars().count() >= 3 && lower.contains(&k.to_lowercase()));
    let reason = estimate.feedback().and_then(|f| f.warning()).and_then(reason).or_else(|| {
        if names_it {
            // An admin may be choosing for someone else: staff are told it less personally.
            Some(match chooser {
                Chooser::YoungPerson => "it has your name, or Tandem's, in it",
                Chooser::Staff => "it has a name Tandem knows in it",
            })
        } else if estimate.guesses_log10() < 3.0 {
            // A name or word on its own is allowed unless it is among the first thousand tried.
            Some("lots of people use that name or word")
        } else {
            None
        }
    });
    match (chooser, reason) {
        (Chooser::YoungPerson, None) => Ok(()),
        (Chooser::YoungPerson, Some(reason)) => Err(ApiError::EasyToGuess(format!(
            "someone could guess that one: {reason}. Choose a different PIN or password"
        ))),
        (Chooser::Staff, _) if estimate.score() >= Score::Three => Ok(()),
        (Chooser::Staff, reason) => Err(ApiError::EasyToGuess(format!(
            "that password would be too easy to guess{}. A staff password opens many young people's words: use three or four words that don't usually go together",
            reason.map(|r| format!(" ({r})")).unwrap_or_default()
        ))),
    }
}

/// Plain words for what makes a secret one of the first tried; `None` for what isn't reason
/// enough alone (a date; a single word or name, unless it is a very common one).
fn reason(warning: Warning) -> Option<&'static str> {
    Some(match warning {
        Warning::ThisIsATop10Password
        | Warning::ThisIsATop100Password
        | Warning::ThisIsACommonPassword
        | Warning::ThisIsSimilarToACommonlyUsedPassword => "lots of people use it",
        Warning::RepeatsLikeAaaAreEasyToGuess | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "it repeats itself, like 1111 or 1212"
        }
        Warning::SequencesLikeAbcAreEasyToGuess => "it goes in order, like 1234 or 2468",
        Warning::RecentYearsAreEasyToGuess => "it's a year",
        Warning::StraightRowsOfKeysAreEasyToGuess | Warning::ShortKeyboardPatternsAreEasyToGuess => {
            "it's keys next to each other, like qwerty"
        }
        Warning::DatesAreOftenEasyToGuess
        | Warning::AWordByItselfIsEasyToGuess
        | Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
        | Warning::CommonNamesAndSurnamesAreEasyToGuess => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(secret: &str, chooser: Chooser) -> bool {
        refuse_guessable(secret, chooser, &["morgan"]).is_err()
    }

    #[test]
    fn a_young_persons_first_guesses_are_refused() {
        for pin in [
            "1234", "0000", "1111", "1212", "6969", "4321", "2468", "1357", "9876", "2001", "1999", "2580", "123456",
            "password", "qwerty", "football", "jessica", "Morgan", "morgan7", "tandem1",
        ] {
            assert!(refused(pin, Chooser::YoungPerson), "{pin} was allowed");
        }
    }

    #[test]
    fn a_young_persons_ordinary_pins_and_words_are_allowed() {
        // 0312 and 4826 read as dates; a word or name that isn't among the most used is allowed.
        for pin in ["4826", "0312", "7261", "8024", "5791", "kettle", "rexie", "ash1", "my dog rex"] {
            assert!(!refused(pin, Chooser::YoungPerson), "{pin} was refused");
        }
    }

    #[test]
    fn staff_need_a_password_that_is_hard_to_guess() {
        for p in ["Password123!", "Welcome2024!", "tandem12345", "morgan2026!", "qwertyuiop1"] {
            assert!(refused(p, Chooser::Staff), "{p} was allowed");
        }
        for p in ["demo-worker-pass", "given at the desk today", "hunter2-secret", "kettle orbit parsley"] {
            assert!(!refused(p, Chooser::Staff), "{p} was refused");
        }
    }

    #[test]
    fn a_long_secret_is_weighed_by_its_beginning() {
        // Whatever follows 64 repeated letters is not weighed; a strong beginning is enough.
        assert!(refused(&format!("{}{}", "a".repeat(64), "Xq7# kettle orbit parsley zebra lamp"), Chooser::Staff));
        assert!(!refused(&format!("{}{}", "kettle orbit parsley ".repeat(3), "1".repeat(60)), Chooser::Staff));
    }

    #[test]
    fn the_refusal_says_why_and_what_to_do() {
        let e = refuse_guessable("robin22", Chooser::YoungPerson, &["Robin"]).unwrap_err();
        assert!(e.to_string().contains("it has your name, or Tandem's, in it"), "{e}");
        let e = refuse_guessable("1111", Chooser::YoungPerson, &[]).unwrap_err();
        assert_eq!(e.code(), "easy_to_guess");
        assert_eq!(
            e.to_string(),
            "someone could guess that one: it repeats itself, like 1111 or 1212. Choose a different PIN or password"
        );
        let e = refuse_guessable("Password123!", Chooser::Staff, &[]).unwrap_err();
        assert!(e.to_string().contains("(lots of people use it)"), "{e}");
    }
}
