// Two-step sign-in for staff, on their account screen: a code from an authenticator app after
// the password, so a password learnt or guessed doesn't open young people's records. Set up by
// scanning a square (or typing the secret) and typing one code back; turned off with the
// password. An admin's new password turns it off for someone who lost their phone.
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx } from '../context';
import { problemWords, useSubmit } from '../ui/useSubmit';

interface SetUp {
  secret: string;
  address: string;
}

const NEEDS_SIGNAL = 'This needs signal. Try again when you are online.';

export interface TwoStepProps {
  /** The server, as this session: given where the app's context doesn't exist yet (the service
   *  asks for two-step sign-in before anything else). */
  api?: <T>(method: string, path: string, body?: unknown) => Promise<T>;
  /** The service asks for it: shown before anything else, with no way to leave it but signing out. */
  required?: { onDone: () => void };
}

export function TwoStep({ api: given, required }: TwoStepProps) {
  const ctx = useContext(Ctx);
  const api = given ?? ctx.api;
  /** Whether it is on, from the server (null: not known yet). */
  const [on, setOn] = useState<boolean | null>(null);
  const [setUp, setSetUp] = useState<SetUp | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { problem, setProblem, busy, submit } = useSubmit(NEEDS_SIGNAL);

  const load = () => api<{ two_step: boolean }>('GET', '/api/me').then((me) => setOn(me.two_step), (e) => setProblem(problemWords(e, NEEDS_SIGNAL)));
  useEffect(() => void load(), []);
  useEffect(() => {
    if (!setUp) return setQr(null);
    // Loaded only here, as for invite cards: the app's first load stays small.
    void import('uqr').then(({ renderSVG }) => setQr(renderSVG(setUp.address, { border: 2 })));
  }, [setUp]);

  const run = (step: () => Promise<void>) => {
    setDone(null);
    return submit(step);
  };
  const start = () => run(async () => setSetUp(await api<SetUp>('POST', '/api/me/two-step')));
  const confirm = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('POST', '/api/me/two-step/confirm', { code: code.trim() });
      setSetUp(null);
      setCode('');
      setOn(true);
      setDone('Two-step sign-in is on. From now on, signing in asks for a code from your app after your password.');
      required?.onDone();
    });
  };
  const turnOff = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api('POST', '/api/me/two-step/off', { password });
      setPassword('');
      setOn(false);
      setDone('Two-step sign-in is off. Signing in asks for your password only.');
    });
  };

  return (
    <section class="card stack" aria-labelledby="two-step-title">
      <h2 id="two-step-title">Two-step sign-in</h2>
      <p>
        You can see young people's records, so your password alone shouldn't be enough. With two-step sign-in, signing in also
        asks for a 6-digit code from an authenticator app on your phone (such as Microsoft Authenticator or Google Authenticator).
      </p>
      {on === null && !problem && <p aria-busy="true">Finding out whether it is on…</p>}
      {on === false && !setUp && (
        <button type="button" disabled={busy} onClick={() => void start()}>Set up two-step sign-in</button>
      )}
      {setUp && (
        <form class="stack" onSubmit={confirm}>
          <p>In your authenticator app, add an account and scan this square, or type the key below it.</p>
          {qr && <div class="two-step__qr" role="img" aria-label="QR code for your authenticator app" dangerouslySetInnerHTML={{ __html: qr }} />}
          <p>
            Key: <code class="two-step__secret" data-testid="two-step-secret">{setUp.secret}</code>
          </p>
          <label for="two-step-code">The 6-digit code your app shows now</label>
          <input id="two-step-code" inputMode="numeric" autocomplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} required maxLength={16} />
          <div class="row">
            <button type="submit" disabled={busy}>Turn on two-step sign-in</button>
            <button type="button" class="link-button" onClick={() => setSetUp(null)}>Cancel</button>
          </div>
        </form>
      )}
      {on && !setUp && (
        <form class="stack" onSubmit={turnOff}>
          <p>It is on: signing in asks for a code from your app after your password. If you lose your phone, ask your service's admin to set you a new password; that turns it off, and you can set it up again.</p>
          <button type="button" class="link-button" disabled={busy} onClick={() => void start()}>Move it to a new phone</button>
          <label for="two-step-password">Your password, to turn it off</label>
          <input id="two-step-password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
          <button type="submit" disabled={busy}>Turn off two-step sign-in</button>
        </form>
      )}
      {problem && <p class="problem" role="alert">{problem}</p>}
      <p role="status">{done}</p>
    </section>
  );
}
