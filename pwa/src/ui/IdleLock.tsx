// On a lent tablet: after a short idle time the screen locks and asks for the PIN; if the visit
// times out, the app signs out and wipes this person's data once their edits are sent.
import { useEffect, useRef, useState } from 'preact/hooks';

const ITERATIONS = 100_000;

async function derive(secret: string, salt: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations: ITERATIONS }, key, 256);
  return btoa(String.fromCharCode(...new Uint8Array(bits)));
}

export interface UnlockCheck {
  salt: string;
  hash: string;
}

/** Made at sign-in on a shared tablet so the lock screen can check the PIN with no signal. */
export async function makeUnlockCheck(secret: string): Promise<UnlockCheck> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt: btoa(String.fromCharCode(...salt)), hash: await derive(secret, salt) };
}

async function matches(secret: string, check: UnlockCheck): Promise<boolean> {
  const salt = Uint8Array.from(atob(check.salt), (c) => c.charCodeAt(0));
  return (await derive(secret, salt)) === check.hash;
}

/** Idle time before locking, in ms: 2 minutes, or `?idle=SECONDS` set by staff when lending. */
export function idleMs(): number {
  const fromUrl = Number(new URLSearchParams(location.search).get('idle'));
  return Number.isFinite(fromUrl) && fromUrl > 0 ? fromUrl * 1000 : 120_000;
}

export function useIdleLock(active: boolean, timeoutMs: number, onVisitOver: () => void): [boolean, () => void] {
  const [locked, setLocked] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const visit = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (!active) return;
    const arm = () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        setLocked(true);
        // Locked and left: the visit is over after five more idle periods.
        visit.current = setTimeout(onVisitOver, timeoutMs * 5);
      }, timeoutMs);
    };
    const activity = () => {
      if (!locked) arm();
    };
    arm();
    const events = ['pointerdown', 'keydown', 'touchstart', 'scroll'] as const;
    for (const e of events) window.addEventListener(e, activity, { passive: true });
    return () => {
      if (timer.current) clearTimeout(timer.current);
      for (const e of events) window.removeEventListener(e, activity);
    };
  }, [active, locked, timeoutMs]);
  const unlock = () => {
    if (visit.current) clearTimeout(visit.current);
    setLocked(false);
  };
  return [locked, unlock];
}

interface LockProps {
  check: UnlockCheck | null;
  onUnlock: () => void;
  onSignOut: () => void;
  /** The visit is over but some changes are not sent yet: the tablet clears itself once they are. */
  waitingToClear: boolean;
}

export function LockScreen({ check, onUnlock, onSignOut, waitingToClear }: LockProps) {
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (check && (await matches(pin, check))) {
      setPin('');
      onUnlock();
    } else {
      setProblem("That PIN didn't match. Try again, or sign out.");
    }
  };
  return (
    <section class="narrow">
      <h1>Locked</h1>
      <p>This tablet locked because nobody used it for a while. Your things are hidden.</p>
      {waitingToClear && (
        <p role="status">Some of your changes are not sent yet. Tandem keeps trying, and clears this tablet as soon as they are sent.</p>
      )}
      <form class="stack" onSubmit={submit}>
        <label for="unlock-pin">Your PIN or password</label>
        <input id="unlock-pin" type="password" autocomplete="current-password" value={pin} onInput={(e) => setPin(e.currentTarget.value)} />
        {problem && <p class="problem" role="alert">{problem}</p>}
        <div class="row row--equal">
          <button type="submit">Unlock</button>
          <button type="button" onClick={onSignOut}>Sign out</button>
        </div>
      </form>
    </section>
  );
}
