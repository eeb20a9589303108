import { useState } from 'preact/hooks';
import { useSubmit } from '../ui/useSubmit';
import { NO_SIGNAL } from './SignIn';

/**
 * The server ended this phone's session (signed out everywhere, a device ended by an admin, a
 * sign-in unused for too long). What was written here stays, hidden until the same person signs
 * in again, and is then sent; a finder of a lost phone sees nothing.
 */
export function SignInAgain({ onSignIn, onRemove }: { onSignIn: (name: string, secret: string) => Promise<void>; onRemove: () => void }) {
  const [name, setName] = useState('');
  const [secret, setSecret] = useState('');
  const { problem, busy, submit: run } = useSubmit(NO_SIGNAL);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(() => onSignIn(name.trim(), secret));
  };
  return (
    <section class="narrow">
      <h1>Sign in again</h1>
      <p>You were signed out on this phone. Anything you wrote is still saved here, and is sent once you sign in.</p>
      <form class="stack" onSubmit={submit}>
        <label for="again-name">Your name</label>
        <input id="again-name" autocomplete="username" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <label for="again-secret">Your PIN or password</label>
        <input id="again-secret" type="password" autocomplete="current-password" value={secret} onInput={(e) => setSecret(e.currentTarget.value)} required minLength={4} />
        {problem && <p class="problem" role="alert">{problem}</p>}
        <button type="submit" disabled={busy}>Sign in</button>
      </form>
      <p>
        <button type="button" class="link-button" onClick={onRemove}>Not you? Remove everything from this phone</button>
      </p>
    </section>
  );
}
