import { useState } from 'preact/hooks';
import { useSubmit } from '../ui/useSubmit';
import { NO_SIGNAL } from './SignIn';
import { StepCodeField, useStepCode } from '../ui/StepCode';
import { OrgStepCode, useOrgSignIn } from './SignIn';

interface Props {
  /** `code`: from an authenticator app, for staff with two-step sign-in, once it is asked for. */
  onSignIn: (name: string, secret: string, code?: string) => Promise<void>;
  /** A young person's way back in with a new code when the PIN is forgotten; staff have none. */
  onJoin?: (code: string, name: string, secret: string) => Promise<void>;
  onRemove: () => void;
  /** The server went back to a copy of its data from before (restored from a backup). */
  restored?: boolean;
  /** Staff: the organisation's account, when the service has set it up (a sign-in through it is
   *  asked again each day; a service may ask staff to use only it). */
  sso?: { onStart: () => Promise<void>; onFinish: (attempt: string, handoff: string, code?: string) => Promise<void> };
}

/**
 * The server ended this phone's session (signed out everywhere, a device ended by an admin, a
 * sign-in unused for too long). What came from the server is gone from the phone; what was
 * written and not sent stays, hidden until the same person signs in again, and is then sent. A
 * finder of a lost phone sees nothing.
 */
export function SignInAgain({ onSignIn, onJoin, onRemove, restored, sso }: Props) {
  const [withCode, setWithCode] = useState(false);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const { problem, setProblem, busy, submit: run } = useSubmit(NO_SIGNAL);
  const step = useStepCode();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(() => (withCode && onJoin ? onJoin(code, name.trim(), secret) : step.attempt((c) => onSignIn(name.trim(), secret, c))));
  };
  const switchTo = (code: boolean) => {
    setWithCode(code);
    setSecret('');
    setProblem(null);
  };
  // Young people are on their phones; staff are often on a laptop.
  const device = onJoin ? 'phone' : 'device';
  return (
    <section class="narrow">
      <h1>Sign in again</h1>
      <p>You were signed out on this {device}. Nothing you wrote is lost: anything not sent yet is kept here and sent once you sign in, and everything else comes back then.</p>
      {restored && (
        <p id="restored-note">
          Tandem went back to a copy of its data from earlier, so this {device} needs to sign in again. What it holds that the copy doesn't is sent again once you do.{' '}
          {onJoin ? "If you changed your PIN since then, it won't work: use a new code from your worker." : "If you changed your password since then, it won't work: ask your service's admin for a new one."}
        </p>
      )}
      {sso && <AgainWithOrg {...sso} />}
      {withCode && <p>Use the new code your worker gave you. You can keep the same name. Choose a new PIN: your old one stops working.</p>}
      <form class="stack" onSubmit={submit}>
        {withCode && (
          <>
            <label for="again-code">Your new code</label>
            <input id="again-code" autocapitalize="none" autocorrect="off" spellcheck={false} autocomplete="off" value={code} onInput={(e) => setCode(e.currentTarget.value)} required />
          </>
        )}
        <label for="again-name">Your name</label>
        <input dir="auto" id="again-name" autocapitalize="none" autocorrect="off" spellcheck={false} autocomplete="username" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <label for="again-secret">{withCode ? 'Choose a new PIN or password (at least 4 characters)' : 'Your PIN or password'}</label>
        <input id="again-secret" type="password" autocomplete={withCode ? 'new-password' : 'current-password'} value={secret} onInput={(e) => setSecret(e.currentTarget.value)} required minLength={4} />
        {!withCode && step.wanted && <StepCodeField id="again-step-code" code={step.code} setCode={step.setCode} />}
        {problem && <p class="problem" role="alert">{problem}</p>}
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
      {onJoin && (
        <p>
          {withCode ? (
            <button type="button" class="link-button" onClick={() => switchTo(false)}>I remember my PIN</button>
          ) : (
            <button type="button" class="link-button" onClick={() => switchTo(true)}>Forgot your PIN? Use a new code from your worker</button>
          )}
        </p>
      )}
      <p>
        <button type="button" class="link-button" onClick={onRemove}>Not you? Remove everything from this {device}</button>
      </p>
    </section>
  );
}

/** Staff on a service with the organisation's sign-in: that way back, first (asked again each
 *  day, so that only staff still with the organisation carry on). A password may work below. */
function AgainWithOrg({ onStart, onFinish }: NonNullable<Props['sso']>) {
  const org = useOrgSignIn('again', onFinish);
  return (
    <div class="stack">
      {org.name && <p>Sign-ins with {org.name} are asked for again each day, so that only staff still with your organisation can carry on.</p>}
      {org.busy && <p role="status">Signing you in…</p>}
      {org.codeWanted && <OrgStepCode org={org} id="again-sso-step-code" />}
      {org.name && !org.codeWanted && (
        <button type="button" disabled={org.busy} onClick={() => void org.run(onStart)}>
          Sign in with {org.name}
        </button>
      )}
      {org.problem && <p class="problem" role="alert">{org.problem}</p>}
      {org.name && !org.codeWanted && <p>Or with your name and password:</p>}
    </div>
  );
}
