// A form's submit: busy while it runs, and what went wrong in words a person can act on.
import { useState } from 'preact/hooks';
import { ApiFailure } from '../sync/api';
import { isStorageFull, MAKE_SPACE } from '../sync/db';
import { stopAfter } from './words';

/** The words for a failed request: `noSignal` when it never reached the server; when the server
 *  asks to be tried later, when that is, in minutes; a full phone, what to do; else the server's
 *  own words. */
export function problemWords(err: unknown, noSignal: string): string {
  const f = err instanceof ApiFailure ? err.failure : null;
  if (isStorageFull(err)) return `This phone's storage is full, so Tandem can't keep what it needs on it. ${MAKE_SPACE}, then try again.`;
  if (!f) return 'That did not work. Please try again.';
  if (f.kind !== 'retry') return sentence(f.message);
  if (f.cause === 'offline') return noSignal;
  if (f.retryAfterSecs === undefined) return "Tandem can't take this just now. Please try again in a few minutes.";
  const minutes = Math.ceil(f.retryAfterSecs / 60);
  return `Tandem can't take this just now. Please try again in ${minutes <= 1 ? 'a minute' : `${minutes} minutes`}.`;
}

/** The server's words start lower-case (they also go into logs and API clients' errors). */
export function sentence(words: string): string {
  const s = words.charAt(0).toUpperCase() + words.slice(1);
  return `${s}${stopAfter(s)}`;
}

export function useSubmit(noSignal: string) {
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (action: () => Promise<void>) => {
    setBusy(true);
    setProblem(null);
    try {
      await action();
    } catch (err) {
      setProblem(problemWords(err, noSignal));
    } finally {
      setBusy(false);
    }
  };
  return { problem, setProblem, busy, submit };
}
