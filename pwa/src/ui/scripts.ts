// Which writing system someone's words are in, and so which language a voice should read them in.

/** Scripts other than Latin, each with the languages written in it, the likeliest first. */
const SCRIPTS: [RegExp, string[]][] = [
  [/\p{Script=Arabic}/u, ['ar', 'fa', 'ur', 'ps', 'ckb', 'ku', 'sd', 'ug']],
  [/\p{Script=Hebrew}/u, ['he', 'yi']],
  [/\p{Script=Cyrillic}/u, ['ru', 'uk', 'bg', 'sr', 'mk', 'be', 'kk', 'ky', 'mn']],
  [/\p{Script=Greek}/u, ['el']],
  [/\p{Script=Ethiopic}/u, ['am', 'ti']],
  [/\p{Script=Devanagari}/u, ['hi', 'ne', 'mr']],
  [/\p{Script=Bengali}/u, ['bn']],
  [/\p{Script=Gurmukhi}/u, ['pa']],
  [/\p{Script=Gujarati}/u, ['gu']],
  [/\p{Script=Tamil}/u, ['ta']],
  [/\p{Script=Sinhala}/u, ['si']],
  [/\p{Script=Thai}/u, ['th']],
  [/\p{Script=Myanmar}/u, ['my']],
  [/\p{Script=Khmer}/u, ['km']],
  [/\p{Script=Georgian}/u, ['ka']],
  [/\p{Script=Armenian}/u, ['hy']],
  [/\p{Script=Hangul}/u, ['ko']],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, ['ja']],
  [/\p{Script=Han}/u, ['zh', 'ja']],
];

/** Anything but the Latin alphabet, digits, punctuation and marks: most words need no counting. */
const OTHER_SCRIPT = /[^\p{Script=Latin}\p{Script=Common}\p{Script=Inherited}]/u;
const LATIN = /\p{Script=Latin}/u;

/**
 * The language someone's words are likely in, for a voice to read them and a screen reader to
 * pronounce them, or null when they are mostly in the Latin alphabet (Tandem reads those as
 * English, whatever the phone's language). Words mostly in another script (a young person
 * writing in Arabic, Tigrinya or Ukrainian): the phone's own language if it is written in that
 * script, else the script's likeliest language. The browser uses the nearest voice it has.
 */
export function languageOf(text: string, phone: readonly string[] = navigator.languages ?? []): string | null {
  if (!OTHER_SCRIPT.test(text)) return null;
  const counts = new Map<number, number>();
  let latin = 0;
  for (const c of text) {
    if (!OTHER_SCRIPT.test(c)) {
      if (LATIN.test(c)) latin += 1;
      continue;
    }
    const script = SCRIPTS.findIndex(([letters]) => letters.test(c));
    if (script >= 0) counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  const [script, most] = [...counts].reduce((best, next) => (next[1] > best[1] ? next : best), [-1, 0]);
  if (script < 0 || most <= latin) return null;
  const langs = SCRIPTS[script][1];
  const own = phone.find((tag) => langs.includes(tag.split('-')[0].toLowerCase()));
  // Letters only Ukrainian writes, with no Ukrainian phone to say so.
  if (!own && langs[0] === 'ru' && /[іїєґІЇЄҐ]/u.test(text)) return 'uk';
  return own ?? langs[0];
}

/** Props for an element that holds someone's words and nothing else: the words, drawn in their
 *  own direction (`dir="auto"`: right to left for Arabic, Hebrew and the like) and marked with
 *  their language when it is not English, for a screen reader's voice. */
export function asWritten(text: string): { dir: 'auto'; lang?: string; children: string } {
  return { dir: 'auto', lang: languageOf(text) ?? undefined, children: text };
}
