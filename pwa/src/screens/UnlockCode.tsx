// A staff member who signed in with their organisation's account typed no password here, and a
// staff device locks after a quarter of an hour (young people's things are never left on an open
// screen): they choose a code to unlock it with, kept on this device only.
import { useState } from 'preact/hooks';

/** Staff unlock codes: longer than a young person's phone lock, as a staff device reaches many
 *  young people's records. */
const CODE_MIN = 6;

export function UnlockCode({ onChoose }: { onChoose: (code: string) => Promise<void> }) {
  const [code, setCode] = useState('');
  const [again, setAgain] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (code.length < CODE_MIN) return setProblem(`Choose at least ${CODE_MIN} numbers or letters.`);
    if (code !== again) return setProblem("The two codes aren't the same. Type it again in both.");
    setProblem(null);
    setBusy(true);
    try {
      await onChoose(code);
    } catch {
      setProblem("This device couldn't keep the code (its storage may be full). Make some space, then try again.");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="narrow">
      <h1>Choose an unlock code for this device</h1>
      <p>
        Tandem locks after 15 minutes without use, so young people's things are never left on an open screen. You signed in with your
        organisation's account, so choose a code to unlock it with. It stays on this device: nothing is sent.
      </p>
      <form class="stack" onSubmit={submit}>
        <label for="unlock-code">Unlock code (at least {CODE_MIN} numbers or letters)</label>
        <input id="unlock-code" type="password" autocomplete="new-password" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
        <label for="unlock-again">Type it again</label>
        <input id="unlock-again" type="password" autocomplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
        {problem && <p class="problem" role="alert">{problem}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Keeping it…' : 'Use this code'}</button>
      </form>
    </section>
  );
}
