// Reads text aloud with the browser's own voice. Nothing is sent anywhere.
import { useEffect, useRef, useState } from 'preact/hooks';
import { languageOf } from './scripts';

export function canSpeak(): boolean {
  return typeof window !== 'undefined' && 'speechSynthesis' in window;
}

/** Stops anything being read aloud: words about someone's life should not go on being spoken
 *  once they have left Tandem, signed out or put the phone down. */
export function stopSpeaking() {
  if (canSpeak()) window.speechSynthesis.cancel();
}

// Put away (the screen off, another app): a voice in a pocket or on a bus is heard by others.
// Listened for once, from the start, not by each button once it has drawn: a phone put away
// the moment reading starts, before the screen has settled, is stopped too.
if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') stopSpeaking();
  });
}

/** `text`: the words, or a page's parts (its own sentences, then each thing someone wrote),
 *  each read in its own language: a strength written in Arabic on an English page is read by
 *  an Arabic voice, the rest by the English one. */
export function ReadAloud({ text, label = 'Read this out loud' }: { text: string | string[]; label?: string }) {
  const parts = (Array.isArray(text) ? text : [text]).filter((part) => part.trim() !== '');
  const [speaking, setSpeaking] = useState(false);
  const reading = useRef<SpeechSynthesisUtterance | null>(null);
  // The screen goes (another screen, a lock, sign-out): so does its voice.
  useEffect(() => () => {
    if (reading.current) stopSpeaking();
  }, []);
  if (!canSpeak()) return null;
  const toggle = () => {
    // One voice at a time: whatever else was being read stops.
    stopSpeaking();
    if (speaking) {
      reading.current = null;
      setSpeaking(false);
      return;
    }
    const queued = parts.map((part) => {
      const words = new SpeechSynthesisUtterance(part);
      // Tandem's own English voice for English words, whatever the phone's language.
      words.lang = languageOf(part) ?? (document.documentElement.lang || 'en-GB');
      return words;
    });
    const last = queued[queued.length - 1];
    if (!last) return;
    // Done when the last part ends or fails (stopped, it fails too). A part the phone has no
    // voice for fails alone, and the rest are still read.
    last.onend = last.onerror = () => {
      if (reading.current !== last) return;
      reading.current = null;
      setSpeaking(false);
    };
    reading.current = last;
    setSpeaking(true);
    for (const words of queued) window.speechSynthesis.speak(words);
  };
  return (
    <button type="button" class={speaking ? 'link-button' : 'link-button read-out'} onClick={toggle} aria-label={speaking ? 'Stop reading out loud' : `${label}: ${[...parts.join(' ')].slice(0, 60).join('')}`}>
      {speaking ? '■ Stop' : 'Read out'}
    </button>
  );
}
