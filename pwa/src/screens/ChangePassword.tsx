// First sign-in with a password an admin set: choose your own before anything else.
import { useState } from 'preact/hooks';
import { useSubmit } from '../ui/useSubmit';

export function ChangePassword({ onChange }: { onChange: (current: string, next: string) => Promise<void> }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const { problem, setProblem, busy, submit: run } = useSubmit('This needs a connection. Try again in a moment.');
  const submit = (e: Event) => {
    e.preventDefault();
    if (next !== again) return setProblem('The two new passwords are different. Type the same one twice.');
    void run(() => onChange(current, next));
  };
  return (
    <section class="narrow">
      <h1>Choose your own password</h1>
      <p>You signed in with a first password someone else set. Choose one only you know (at least 10 characters).</p>
      <form class="stack" onSubmit={submit}>
        <label for="pw-current">The password you were given</label>
        <input id="pw-current" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} required />
        <label for="pw-new">Your new password</label>
        <input id="pw-new" type="password" autocomplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} required minLength={10} />
        <label for="pw-again">Your new password again</label>
        <input id="pw-again" type="password" autocomplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} required minLength={10} />
        {problem && <p class="problem" role="alert">{problem}</p>}
        <button type="submit" disabled={busy}>Save my password</button>
      </form>
    </section>
  );
}
