// Words being typed, kept on the device as they are typed: a phone call, a closed tab or a cheap
// phone's browser dropping the page in the background must not lose them before Save. They live
// in the app's own store, so signing out (and a shared tablet's wipe) takes them too.
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { CardCtx } from '../context';

/** Typing is written down a moment after it pauses, and at once when the page is hidden. */
const PAUSE_MS = 400;

/** Sent on `window` to write down every draft's latest words now (before signing out). */
export const FLUSH_DRAFTS = 'tandem:flush-drafts';

/** The draft key of a change being made to one field of a saved item. */
export const editKey = (item: string, field: string) => `edit/${item}/${field}`;

export interface Draft {
  words: string;
  /** Sets the words; resolves once they are written down (or forgotten, when back to `saved`). */
  set(next: string | ((now: string) => string)): Promise<void>;
  /** They were brought back from an earlier visit. */
  restored: boolean;
  /** Saved or cancelled: nothing brings these words back. */
  forget(): Promise<void>;
  /** Cancelled: back to the saved words, and nothing brings these back. */
  reset(): Promise<void>;
}

/** `saved`: what the field holds when nothing is being changed (empty for something new). While
 *  the words are unchanged they follow it, so a change synced from elsewhere shows. */
export function useDraft(key: string, saved = ''): Draft {
  const ctx = useContext(CardCtx);
  const [words, setWords] = useState(saved);
  const [restored, setRestored] = useState(false);
  const latest = useRef(saved);
  const base = useRef(saved);
  const timer = useRef<number | null>(null);
  const write = (words: string) => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
    return ctx.drafts.keep(key, words);
  };
  useEffect(() => {
    if (latest.current === base.current && saved !== base.current) {
      latest.current = saved;
      setWords(saved);
    }
    base.current = saved;
  }, [saved]);
  useEffect(() => {
    let live = true;
    void ctx.drafts.read(key).then((kept) => {
      // Only into an unchanged field: never over what is being typed now.
      if (live && kept && latest.current === base.current && kept !== base.current) {
        latest.current = kept;
        setWords(kept);
        setRestored(true);
      }
    });
    const flush = () => void (timer.current !== null && write(latest.current));
    const hidden = () => document.visibilityState === 'hidden' && flush();
    document.addEventListener('visibilitychange', hidden);
    window.addEventListener('pagehide', flush);
    window.addEventListener(FLUSH_DRAFTS, flush);
    return () => {
      live = false;
      flush();
      document.removeEventListener('visibilitychange', hidden);
      window.removeEventListener('pagehide', flush);
      window.removeEventListener(FLUSH_DRAFTS, flush);
    };
  }, [key]);
  const forget = () => {
    setRestored(false);
    return write('');
  };
  const set = async (next: string | ((now: string) => string)) => {
    const value = typeof next === 'function' ? next(latest.current) : next;
    latest.current = value;
    setWords(value);
    // Back to what is saved: nothing to keep, and a reload straight after brings nothing back.
    if (value === base.current) return forget();
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void write(latest.current), PAUSE_MS);
  };
  const reset = () => {
    latest.current = base.current;
    setWords(base.current);
    return forget();
  };
  return { words, set, restored, forget, reset };
}
