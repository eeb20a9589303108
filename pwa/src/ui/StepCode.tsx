// The second step of a staff sign-in with two-step sign-in on: asked for only after the server
// has said the name and password are right, on the same form, so nothing typed is lost.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from '../sync/api';

/** Whether a sign-in was refused only for want of a code from the authenticator app. */
export function wantsCode(err: unknown): boolean {
  return err instanceof ApiFailure && err.failure.kind === 'sign-in' && err.failure.code === 'two_step_needed';
}

/** Whether a code is wanted, the code typed, and `attempt`, which runs a sign-in with the code
 *  (once one is wanted) and turns "a code is wanted" into showing the field, not a problem. */
export function useStepCode() {
  const [wanted, setWanted] = useState(false);
  const [code, setCode] = useState('');
  const attempt = async (signIn: (code: string | undefined) => Promise<void>) => {
    try {
      await signIn(wanted ? code.trim() : undefined);
    } catch (err) {
      if (!wantsCode(err)) throw err;
      setWanted(true);
    }
  };
  return { wanted, code, setCode, attempt };
}

/** `lead`: what is known so far (by default, that the name and password were right). */
export function StepCodeField({ id, code, setCode, lead = 'Your name and password are right.' }: { id: string; code: string; setCode: (code: string) => void; lead?: string }) {
  const field = useRef<HTMLInputElement>(null);
  // A recovery code has letters: the phone's keyboard must offer them.
  const [recovery, setRecovery] = useState(false);
  useEffect(() => field.current?.focus(), [recovery]);
  return (
    <>
      <p id={`${id}-hint`}>
        {lead} Two-step sign-in is on:{' '}
        {recovery ? 'type one of the recovery codes you kept when you set it up. Each works once.' : 'type the code your authenticator app shows for Tandem.'}
      </p>
      <label for={id}>{recovery ? 'Recovery code' : 'Code from your authenticator app'}</label>
      <input
        ref={field}
        id={id}
        inputMode={recovery ? 'text' : 'numeric'}
        autocomplete={recovery ? 'off' : 'one-time-code'}
        autocapitalize={recovery ? 'characters' : undefined}
        aria-describedby={`${id}-hint`}
        value={code}
        onInput={(e) => setCode(e.currentTarget.value)}
        required
        maxLength={16}
      />
      <button type="button" class="link-button" onClick={() => setRecovery(!recovery)}>
        {recovery ? 'Use the code from my app' : "My phone isn't with me: use a recovery code"}
      </button>
      <p class="hint">No recovery codes left? Ask your service's admin to set you a new password: that turns two-step sign-in off until you set it up again.</p>
    </>
  );
}
