// Whether a lock code is one of the first someone holding the phone would try. The lock code
// never leaves the phone, so this is the phone's own check, the same in spirit as the server's
// for PINs (`server/src/auth/guessable.rs`, with zxcvbn, too large to send to a phone for this):
// a repeat, a run, a year, or one of the codes most people choose.

/** Among the most chosen four-digit codes and not caught below: 1004 and 1122 (the DataGenetics
 *  study of 3.4 million PINs), 2580 and 0852 (straight down and up a phone's keypad); and the
 *  first words tried. */
const MOST_CHOSEN = new Set(['1004', '2580', '0852', '1122', 'password', 'qwerty', 'letmein', 'iloveyou']);

/** Plain words for why `code` would be guessed, or null. */
export function guessableReason(code: string): string | null {
  const c = code.toLowerCase();
  const chars = [...c];
  if (MOST_CHOSEN.has(c)) return 'lots of people use it';
  if (repeatsItself(chars)) return 'it repeats itself, like 1111 or 1212';
  if (goesInOrder(chars)) return 'it goes in order, like 1234 or 2468';
  if (/^(19|20)\d\d$/.test(c) && Number(c) < 2040) return "it's a year";
  return null;
}

/** The same block again and again: 1111, 1212, 123123. */
function repeatsItself(chars: string[]): boolean {
  for (let size = 1; size <= chars.length / 2; size++) {
    if (chars.length % size === 0 && chars.every((ch, i) => ch === chars[i % size])) return true;
  }
  return false;
}

/** Each character one or two on from the last, the same way throughout: 1234, 9876, 2468, abcd. */
function goesInOrder(chars: string[]): boolean {
  if (chars.length < 2) return false;
  const step = chars[1].codePointAt(0)! - chars[0].codePointAt(0)!;
  if (step === 0 || Math.abs(step) > 2) return false;
  return chars.every((ch, i) => i === 0 || ch.codePointAt(0)! - chars[i - 1].codePointAt(0)! === step);
}
