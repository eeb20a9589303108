// Reads text aloud with the browser's own voice. Nothing is sent anywhere.
import { useEffect, useRef, useState } from 'preact/hooks';

export function canSpeak(): boolean {
  return typeof window !== 'undefined' && 'speechSynthesis' in window;
}

/** Stops anything being read aloud: words about someone's life should not go on being spoken
 *  once they have left Tandem, signed out or put the phone down. */
export function stopSpeaking() {
  if (canSpeak()) window.speechSynthesis.cancel();
}

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

/**
 * The language to read words in. Words mostly in the Latin alphabet get Tandem's own English
 * voice, whatever the phone's language (an English voice for English words). Words mostly in
 * another script (a young person writing in Arabic, Tigrinya or Ukrainian) get a voice that can
 * say them: the phone's own language if it is written in that script, else the script's
 * likeliest language. The browser uses the nearest voice it has.
 */
export function speechLanguage(text: string, phone: readonly string[], english: string): string {
  const counts = new Map<number, number>();
  let latin = 0;
  for (const c of text) {
    if (/\p{Script=Latin}/u.test(c)) latin += 1;
    else {
      const script = SCRIPTS.findIndex(([letters]) => letters.test(c));
      if (script >= 0) counts.set(script, (counts.get(script) ?? 0) + 1);
    }
  }
  const [script, most] = [...counts].reduce((best, next) => (next[1] > best[1] ? next : best), [-1, 0]);
  if (script < 0 || most <= latin) return english;
  const langs = SCRIPTS[script][1];
  const own = phone.find((tag) => langs.includes(tag.split('-')[0].toLowerCase()));
  // Letters only Ukrainian writes, with no Ukrainian phone to say so.
  if (!own && langs[0] === 'ru' && /[іїєґІЇЄҐ]/u.test(text)) return 'uk';
  return own ?? langs[0];
}

export function ReadAloud({ text, label = 'Read this out loud' }: { text: string; label?: string }) {
  const [speaking, setSpeaking] = useState(false);
  const reading = useRef<SpeechSynthesisUtterance | null>(null);
  // The screen goes (another screen, a lock, sign-out): so does its voice.
  useEffect(() => () => {
    if (reading.current) stopSpeaking();
  }, []);
  // Put away (the screen off, another app): a voice in a pocket or on a bus is heard by others.
  useEffect(() => {
    if (!speaking) return;
    const away = () => {
      if (document.visibilityState === 'hidden') stopSpeaking();
    };
    document.addEventListener('visibilitychange', away);
    return () => document.removeEventListener('visibilitychange', away);
  }, [speaking]);
  if (!canSpeak()) return null;
  const toggle = () => {
    // One voice at a time: whatever else was being read stops.
    stopSpeaking();
    if (speaking) {
      reading.current = null;
      setSpeaking(false);
      return;
    }
    const words = new SpeechSynthesisUtterance(text);
    words.lang = speechLanguage(text, navigator.languages ?? [], document.documentElement.lang || 'en-GB');
    words.onend = words.onerror = () => {
      if (reading.current !== words) return;
      reading.current = null;
      setSpeaking(false);
    };
    reading.current = words;
    setSpeaking(true);
    window.speechSynthesis.speak(words);
  };
  return (
    <button type="button" class="link-button" onClick={toggle} aria-label={speaking ? 'Stop reading out loud' : `${label}: ${[...text].slice(0, 60).join('')}`}>
      {speaking ? '■ Stop' : '🔊 Read out'}
    </button>
  );
}
