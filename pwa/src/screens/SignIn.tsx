import { useEffect, useState } from 'preact/hooks';
import { SecretInput } from '../ui/SecretInput';
import { SECRET_HINT } from './ChangePassword';
import { useSubmit } from '../ui/useSubmit';
import { thisTablet } from '../sync/tablet';
import { StepCodeField, useStepCode, wantsCode } from '../ui/StepCode';
import { request } from '../sync/api';
import { type Offered, type SsoPurpose, ssoProblemWords, takeSsoReturn } from '../sync/sso';

export const NO_SIGNAL = 'You need signal to sign in. Try again when you have some.';

interface Props {
  /** Opened from an invite card's link: join, with this code filled in. */
  code?: string;
  /** Drop-in staff just handed over the tablet: a shared-tablet sign-in for a visit. */
  forVisit?: boolean;
  /** `code`: from an authenticator app, for staff with two-step sign-in, once it is asked for. */
  onSignIn: (name: string, secret: string, shared: boolean, code?: string) => Promise<void>;
  onJoin: (code: string, name: string, secret: string) => Promise<void>;
  /** Staff: signing in with the organisation's account, when the service has set it up. */
  onSsoStart: () => Promise<void>;
  onSsoFinish: (attempt: string, handoff: string, code?: string) => Promise<void>;
}

export function SignIn({ code: given, forVisit = false, onSignIn, onJoin, onSsoStart, onSsoFinish }: Props) {
  const [mode, setMode] = useState<'sign-in' | 'join'>(given === undefined ? 'sign-in' : 'join');
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const [code, setCode] = useState(given ?? '');
  const [shared, setShared] = useState(forVisit);
  /** This device's name if an admin registered it as the service's shared tablet. */
  const [tablet, setTablet] = useState<string | null>(null);
  useEffect(() => void thisTablet().then((t) => setTablet(t?.name ?? null)), []);
  // The tablet was just lent: this sign-in is a shared-tablet one.
  useEffect(() => {
    if (forVisit) setShared(true);
  }, [forVisit]);
  // On a shared tablet the browser is asked not to keep or suggest names and PINs: the next
  // visitor would see who came before them.
  const keepNothing = shared || tablet !== null;
  const { problem, busy, submit: run } = useSubmit(NO_SIGNAL);
  const step = useStepCode();
  // Unnamed here: a signed-out young person's phone shows this screen, and the service's name
  // on it would tell whoever picks the phone up who supports them.
  const sso = useOrgSignIn('sign-in', onSsoFinish, false);
  // Not on a lent or registered tablet: a visit's sign-in is a young person's.
  const offerSso = sso.offered && !forVisit && tablet === null;
  const submit = (e: Event) => {
    e.preventDefault();
    void run(() => (mode === 'sign-in' ? step.attempt((c) => onSignIn(name.trim(), secret, shared, c)) : onJoin(code, name.trim(), secret)));
  };
  if (sso.codeWanted) {
    // Back from the organisation's sign-in, one step left: only that step is shown.
    return (
      <section class="narrow">
        <h1>Sign in</h1>
        <OrgStepCode org={sso} id="sso-step-code" />
      </section>
    );
  }
  return (
    <section class="narrow">
      <h1>{mode === 'join' ? 'Join with a code' : forVisit ? 'Sign in for your visit' : 'Sign in'}</h1>
      {(forVisit || tablet) && mode === 'sign-in' && (
        <p>
          This is {tablet ? <strong>{tablet}</strong> : "the drop-in's tablet"}, shared by everyone who visits. Nothing of yours stays on it after you sign out, or after a few minutes without use.
        </p>
      )}
      <form class="stack" onSubmit={submit}>
        {mode === 'join' && (
          <>
            <label for="code">Your code (your worker gave you this)</label>
            <input id="code" autocapitalize="none" autocorrect="off" spellcheck={false} autocomplete="off" value={code} onInput={(e) => setCode(e.currentTarget.value)} required />
          </>
        )}
        <label for="name">{mode === 'join' ? 'Choose a name to sign in with' : 'Your name'}</label>
        {/* Someone trying names at sign-in learns nothing, but a real name could still be guessed
            or seen: say plainly that any name will do. */}
        {mode === 'join' && <p class="hint" id="name-hint">Any name you will remember. It doesn't have to be your real name.</p>}
        <input dir="auto" id="name" autocapitalize="none" autocorrect="off" spellcheck={false} autocomplete={keepNothing ? 'off' : 'username'} aria-describedby={mode === 'join' ? 'name-hint' : undefined} value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <label for="secret">{mode === 'join' ? 'Choose a PIN or password (at least 4 characters)' : 'Your PIN or password'}</label>
        {mode === 'join' && <p class="hint" id="secret-hint">{SECRET_HINT.PIN}</p>}
        <SecretInput id="secret" what="PIN or password" canShow={!keepNothing} autocomplete={keepNothing ? 'off' : mode === 'join' ? 'new-password' : 'current-password'} describedBy={mode === 'join' ? 'secret-hint' : undefined} value={secret} onInput={setSecret} minLength={4} />
        {mode === 'sign-in' && !tablet && (
          <label class="check">
            <input type="checkbox" checked={shared} onChange={(e) => setShared(e.currentTarget.checked)} />
            This is a shared tablet (nothing is kept after you sign out)
          </label>
        )}
        {mode === 'sign-in' && step.wanted && <StepCodeField id="step-code" code={step.code} setCode={step.setCode} />}
        {problem && <p class="problem" role="alert">{problem}</p>}
        <button type="submit" disabled={busy}>{mode === 'sign-in' ? 'Sign in' : 'Join'}</button>
      </form>
      {mode === 'sign-in' && (offerSso || sso.problem || sso.busy) && (
        <div class="stack sso">
          {sso.busy && <p role="status">Signing you in…</p>}
          {offerSso && (
            <button type="button" class="secondary" disabled={sso.busy} onClick={() => void sso.run(onSsoStart)}>
              Staff: sign in with your organisation's account
            </button>
          )}
          {sso.problem && <p class="problem" role="alert">{sso.problem}</p>}
        </div>
      )}
      {mode === 'sign-in' && (
        <details class="forgot">
          <summary>Forgot your PIN or password?</summary>
          <p>Ask your worker for a new code, then choose "I have a code from my worker". You can keep your name, and everything you wrote is still there.</p>
          <p>Staff: ask your service's admin to set you a new password.</p>
        </details>
      )}
      <p>
        {mode === 'sign-in' ? (
          <button type="button" class="link-button" onClick={() => setMode('join')}>I have a code from my worker</button>
        ) : (
          <button type="button" class="link-button" onClick={() => setMode('sign-in')}>I already have a name and PIN</button>
        )}
      </p>
    </section>
  );
}

/** Signing in with the organisation's account: whether the service has set it up (`offered`)
 *  and what staff call it (`name`), and finishing here (for `purpose`) on coming back from its
 *  sign-in page. `named`: whether what goes wrong may name it. */
export function useOrgSignIn(purpose: SsoPurpose, finish: (attempt: string, handoff: string, code?: string) => Promise<void>, named = true) {
  const [name, setName] = useState<string | null>(null);
  const { problem, busy, submit, setProblem } = useSubmit(NO_SIGNAL);
  /** Back from the organisation's sign-in, and Tandem's own two-step code is wanted to finish. */
  const [waiting, setWaiting] = useState<{ attempt: string; handoff: string } | null>(null);
  const [code, setCode] = useState('');
  const finishing = async (attempt: string, handoff: string, code?: string) => {
    try {
      await finish(attempt, handoff, code);
    } catch (err) {
      if (!wantsCode(err)) throw err;
      setWaiting({ attempt, handoff });
    }
  };
  useEffect(() => {
    const returned = takeSsoReturn(purpose);
    // Asked each time: the service can set it up or stop it at any time. No signal: not offered.
    const offered = request<Offered>(null, 'GET', '/api/auth/sso').catch(() => null);
    void offered.then((o) => o?.available && setName(o.name));
    if (returned && 'handoff' in returned) void submit(() => finishing(returned.attempt, returned.handoff));
    else if (returned) void offered.then((o) => setProblem(ssoProblemWords(returned.problem, named ? (o?.name ?? null) : null)));
  }, []);
  const withCode = (e: Event) => {
    e.preventDefault();
    if (waiting) void submit(() => finishing(waiting.attempt, waiting.handoff, code.trim()));
  };
  const cancel = () => {
    setWaiting(null);
    setProblem(null);
  };
  return { offered: name !== null, name, problem, busy, run: submit, codeWanted: waiting !== null, code, setCode, withCode, cancel };
}

/** Back from the organisation's sign-in with Tandem's two-step on and no second step said by
 *  it: the code from their authenticator app finishes the sign-in. */
export function OrgStepCode({ org, id }: { org: ReturnType<typeof useOrgSignIn>; id: string }) {
  return (
    <form class="stack" onSubmit={org.withCode}>
      <StepCodeField id={id} code={org.code} setCode={org.setCode} lead="Your organisation's sign-in knows you." />
      {org.problem && <p class="problem" role="alert">{org.problem}</p>}
      <button type="submit" disabled={org.busy}>Finish signing in</button>
      <button type="button" class="link-button" onClick={org.cancel}>Sign in another way</button>
    </form>
  );
}
