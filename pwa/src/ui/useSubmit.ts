// A form's submit: busy while it runs, and what went wrong in words a person can act on.
import { useState } from 'preact/hooks';
import { ApiFailure } from '../sync/api';

/** The words for a failed request: `noSignal` when it never reached the server, else the server's own. */
export function problemWords(err: unknown, noSignal: string): string {
  const f = err instanceof ApiFailure ? err.failure : null;
  return f?.kind === 'retry' ? noSignal : (f?.message ?? 'That did not work. Please try again.');
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
