// How long words may be, checked while they are written: a statement refused by the server
// after the phone said "saved" would vanish from the list into a note somewhere else. The same
// rule as `shared/src/validate.rs` (limits.test.ts reads the numbers from there).
import type { FieldValue } from '../generated/tandem';

/** Most characters per field, as the server counts them; and most steps and ratings a goal holds. */
export const LIMITS = { title: 120, text: 2000, why: 2000, step: 200, meeting: 80, steps: 30, ratings: 500 } as const;

/** Characters as the server counts them: Unicode characters (an emoji is one), after trimming. */
export function characters(words: string): number {
  return [...words.trim()].length;
}

/**
 * Pasted words can carry tabs and other invisible control characters the server refuses: tabs
 * become spaces and the rest go; line breaks stay where a field may have them (else a space).
 */
export function tidy(words: string, multiline: boolean): string {
  return words
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, ' ')
    .replace(multiline ? /[\0-\x09\x0b-\x1f\x7f-\x9f]/g : /[\0-\x1f\x7f-\x9f]/g, (c) => (c === '\n' ? ' ' : ''));
}

/** Whether the words fit in `max` characters. */
export function fits(words: string, max: number): boolean {
  return characters(words) <= max;
}

/** The words for a count near or over the limit, or null when there is plenty of room. */
export function lengthWords(words: string, max: number): { text: string; over: boolean } | null {
  const n = characters(words);
  if (n <= max * 0.8) return null;
  const count = `${n.toLocaleString('en-GB')} of ${max.toLocaleString('en-GB')} characters`;
  return n > max
    ? { text: `${count}. That is too long to save: shorten it, or split it into two.`, over: true }
    : { text: count, over: false };
}

/** A change as the server will take it: words tidied (see `tidy`), everything else as it was. */
export function tidyChange(change: FieldValue): FieldValue {
  switch (change.field) {
    case 'title':
      return { field: 'title', value: tidy(change.value, false) };
    case 'why':
      return { field: 'why', value: tidy(change.value, true) };
    case 'text':
      return { field: 'text', value: tidy(change.value, true) };
    case 'meeting':
      return { field: 'meeting', value: change.value === null ? null : tidy(change.value, false) };
    case 'steps':
      return { field: 'steps', value: change.value.map((s) => ({ ...s, text: tidy(s.text, false) })) };
    default:
      return change;
  }
}
