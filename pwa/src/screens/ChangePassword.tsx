// Choosing a new password or PIN, giving the one you have now: at the first sign-in with a
// password an admin set (before anything else), and from "Your account" at any time.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useSubmit } from '../ui/useSubmit';

/** `easy`: their own password is one a guesser would try first (chosen before Tandem refused
 *  those), rather than a first one an admin set. */
export function ChangePassword({ onChange, easy = false }: { onChange: (current: string, next: string) => Promise<void>; easy?: boolean }) {
  return (
    <section class="narrow">
      <h1>{easy ? 'Choose a new password' : 'Choose your own password'}</h1>
      <p>
        {easy
          ? 'Your password is one that someone could guess, and a staff password opens many young people\'s words. Choose a new one before going on (at least 10 characters).'
          : 'You signed in with a first password someone else set. Choose one only you know (at least 10 characters).'}
      </p>
      <NewSecretForm
        word="password"
        currentLabel={easy ? 'Your password now' : 'The password you were given'}
        submitLabel="Save my password"
        noSignal="This needs a connection. Try again in a moment."
        onChange={onChange}
      />
    </section>
  );
}

/** The server's shortest: a young person's PIN, or a staff password. */
export const SECRET_MIN = { PIN: 4, password: 10 } as const;

/** Said before choosing, so the server's refusal of one a guesser would try first
 *  (`auth/guessable.rs`) is rarely needed. */
export const SECRET_HINT = {
  PIN: "Not one someone could guess, like 1234, 1111 or a year.",
  password: "Three or four words that don't usually go together are hard to guess and easy to remember.",
} as const;

interface NewSecretProps {
  word: 'PIN' | 'password';
  currentLabel: string;
  submitLabel: string;
  noSignal: string;
  onChange: (current: string, next: string) => Promise<void>;
  /** Shown at the top of the form, and naming it when `labelledBy` says which element. */
  children?: ComponentChildren;
  labelledBy?: string;
  class?: string;
}

/** The one they have now, then a new one twice; said plainly when the two differ. */
export function NewSecretForm({ word, currentLabel, submitLabel, noSignal, onChange, children, labelledBy, class: cls = 'stack' }: NewSecretProps) {
  const min = SECRET_MIN[word];
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [changed, setChanged] = useState(false);
  const { problem, setProblem, busy, submit: run } = useSubmit(noSignal);
  const submit = (e: Event) => {
    e.preventDefault();
    setChanged(false);
    if (next !== again) return setProblem(`The two new ${word}s are different. Type the same one twice.`);
    void run(async () => {
      await onChange(current, next);
      setCurrent('');
      setNext('');
      setAgain('');
      setChanged(true);
    });
  };
  return (
    <form class={cls} onSubmit={submit} aria-labelledby={labelledBy}>
      {children}
      <label for="secret-now">{currentLabel}</label>
      <input id="secret-now" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} required />
      <label for="secret-new">Your new {word}</label>
      <p class="hint" id="secret-new-hint">{SECRET_HINT[word]}</p>
      <input id="secret-new" type="password" autocomplete="new-password" aria-describedby="secret-new-hint" value={next} onInput={(e) => setNext(e.currentTarget.value)} required minLength={min} />
      <label for="secret-again">Your new {word} again</label>
      <input id="secret-again" type="password" autocomplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} required minLength={min} />
      {problem && <p class="problem" role="alert">{problem}</p>}
      {changed && <p role="status">Your {word} is changed. Use the new one next time you sign in.</p>}
      <button type="submit" disabled={busy}>{submitLabel}</button>
    </form>
  );
}
