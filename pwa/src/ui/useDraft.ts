// Words being typed, kept on the device as they are typed: a phone call, a closed tab or a cheap
// phone's browser dropping the page in the background must not lose them before Save. They live
// in the app's own store, so signing out (and a shared tablet's wipe) takes them too.
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { Ctx } from '../context';

/** Typing is written down a moment after it pauses, and at once when the page is hidden. */
const PAUSE_MS = 400;

/** [words, set words (resolves once they are written down), whether they were brought back
 *  from an earlier visit]. */
export function useDraft(key: string): [string, (next: string | ((now: string) => string)) => Promise<void>, boolean] {
  const ctx = useContext(Ctx);
  const [words, setWords] = useState('');
  const [restored, setRestored] = useState(false);
  const latest = useRef('');
  const timer = useRef<number | null>(null);
  const write = () => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
    return ctx.drafts.keep(key, latest.current);
  };
  useEffect(() => {
    let live = true;
    void ctx.drafts.read(key).then((kept) => {
      // Only into an empty field: never over what is being typed now.
      if (live && kept && latest.current === '') {
        latest.current = kept;
        setWords(kept);
        setRestored(true);
      }
    });
    const flush = () => void (timer.current !== null && write());
    const hidden = () => document.visibilityState === 'hidden' && flush();
    document.addEventListener('visibilitychange', hidden);
    window.addEventListener('pagehide', flush);
    return () => {
      live = false;
      flush();
      document.removeEventListener('visibilitychange', hidden);
      window.removeEventListener('pagehide', flush);
    };
  }, [key]);
  const set = async (next: string | ((now: string) => string)) => {
    const value = typeof next === 'function' ? next(latest.current) : next;
    latest.current = value;
    setWords(value);
    if (value === '') {
      // Saved or cleared: forget it now, so a reload straight after doesn't bring it back.
      setRestored(false);
      return write();
    }
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = window.setTimeout(write, PAUSE_MS);
  };
  return [words, set, restored];
}
