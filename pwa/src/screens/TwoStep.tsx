// Two-step sign-in for staff, on their account screen: a code from an authenticator app after
// the password, so a password learnt or guessed doesn't open young people's records. Set up by
// scanning a square (or typing the secret) and typing one code back; turned off with the
// password. Ten one-time recovery codes, shown once when it is turned on, sign in without the
// phone; an admin's new password turns it off for someone who has none left.
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
  /** Recovery codes not used yet (from the server), and a new set being shown, once. */
  const [left, setLeft] = useState<number | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [setUp, setSetUp] = useState<SetUp | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const { problem, setProblem, busy, submit } = useSubmit(NEEDS_SIGNAL);

  const load = () =>
    api<{ two_step: boolean; two_step_recovery_left?: number }>('GET', '/api/me').then(
      (me) => {
        setOn(me.two_step);
        setLeft(me.two_step_recovery_left ?? null);
      },
      (e) => setProblem(problemWords(e, NEEDS_SIGNAL)),
    );
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
      const made = await api<{ recovery_codes?: string[] }>('POST', '/api/me/two-step/confirm', { code: code.trim() });
      setSetUp(null);
      setCode('');
      // A replica of the version before (a rolling upgrade) gives no codes: nothing to keep.
      if (made.recovery_codes) {
        setCodes(made.recovery_codes);
        setLeft(made.recovery_codes.length);
      } else {
        required?.onDone();
      }
      setDone(
        on
          ? 'Two-step sign-in is on your new phone now. Your recovery codes are new too: the ones before no longer work.'
          : 'Two-step sign-in is on. From now on, signing in asks for a code from your app after your password.',
      );
      setOn(true);
    });
  };
  const newCodes = () =>
    run(async () => {
      const made = await api<{ recovery_codes: string[] }>('POST', '/api/me/two-step/recovery-codes', { password });
      setPassword('');
      setCodes(made.recovery_codes);
      setLeft(made.recovery_codes.length);
      setDone('New recovery codes are ready. The ones before no longer work.');
    });
  const kept = () => {
    setCodes(null);
    required?.onDone();
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
      {codes && (
        <div class="stack">
          <h3>Your recovery codes</h3>
          <p>
            If your phone is lost, broken or not with you, each of these signs you in once in place of the app's code. Keep them
            somewhere safe and away from your phone: write them down, or print this page. They are shown only now.
          </p>
          <ol class="two-step__codes" data-testid="recovery-codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ol>
          <button type="button" onClick={kept}>I have kept them somewhere safe</button>
        </div>
      )}
      {on && !setUp && !codes && (
        <form class="stack" onSubmit={turnOff}>
          <p>
            It is on: signing in asks for a code from your app after your password. If you lose your phone, sign in with one of your
            recovery codes, then choose "Move it to a new phone".
          </p>
          {left !== null && (
            <p class={left <= 2 ? 'problem' : undefined}>
              {left === 0
                ? 'You have no recovery codes left: make new ones.'
                : `You have ${left} recovery ${left === 1 ? 'code' : 'codes'} left${left <= 2 ? ': make new ones soon.' : '.'}`}
            </p>
          )}
          <button type="button" class="link-button" disabled={busy} onClick={() => void start()}>Move it to a new phone</button>
          <label for="two-step-password">Your password, to make new recovery codes or turn it off</label>
          <input id="two-step-password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
          <div class="row">
            <button type="button" disabled={busy || password === ''} onClick={() => void newCodes()}>Make new recovery codes</button>
            <button type="submit" disabled={busy}>Turn off two-step sign-in</button>
          </div>
        </form>
      )}
      {problem && <p class="problem" role="alert">{problem}</p>}
      <p role="status">{done}</p>
    </section>
  );
}
