// On a lent tablet: after a short idle time the screen locks and asks for the PIN; if the visit
// times out, the app signs out and wipes this person's data once their edits are sent. On a
// young person's own phone, if they choose: a lock code asked for when Tandem opens and after a
// minute away.
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

/** Seconds from the page's address (`?name=SECONDS`), in ms, or `fallback`. */
function secondsParam(name: string, fallback: number): number {
  const fromUrl = Number(new URLSearchParams(location.search).get(name));
  return Number.isFinite(fromUrl) && fromUrl > 0 ? fromUrl * 1000 : fallback;
}

/** Idle time before locking, in ms: 2 minutes, or `?idle=SECONDS` set by staff when lending. */
export const idleMs = () => secondsParam('idle', 120_000);

/** Time away from Tandem (another app, the screen off) before a locked phone asks again: a
 *  minute, or `?away=SECONDS`. */
export const awayMs = () => secondsParam('away', 60_000);

/** While `active`: locks when the page comes back after `timeoutMs` or more hidden. */
export function useAwayLock(active: boolean, timeoutMs: number, lock: () => void) {
  useEffect(() => {
    if (!active) return;
    let hiddenAt: number | null = null;
    const changed = () => {
      if (document.visibilityState === 'hidden') hiddenAt = Date.now();
      else if (hiddenAt !== null && Date.now() - hiddenAt >= timeoutMs) lock();
    };
    document.addEventListener('visibilitychange', changed);
    return () => document.removeEventListener('visibilitychange', changed);
  }, [active, timeoutMs]);
}

/** Wrong codes in a row before each further try must wait; the first wait, doubling with each
 *  further wrong code up to the longest. A four-digit code then takes months to guess. */
const FREE_TRIES = 5;
const WAIT_MS = 30_000;
const LONGEST_WAIT_MS = 15 * 60_000;

/** Wrong codes in a row, and when the next try may be made: kept on the device, so closing and
 *  opening Tandem again does not start the count afresh. */
export interface LockTries {
  wrong: number;
  until: number;
}

export const NO_TRIES: LockTries = { wrong: 0, until: 0 };

/** After one more wrong code. */
export function wrongTry(t: LockTries, now = Date.now()): LockTries {
  const wrong = t.wrong + 1;
  if (wrong < FREE_TRIES) return { wrong, until: 0 };
  return { wrong, until: now + Math.min(LONGEST_WAIT_MS, WAIT_MS * 2 ** (wrong - FREE_TRIES)) };
}

/** How long to wait before trying, in words a person can act on. */
export function waitWords(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** On a lent tablet: locks after `timeoutMs` with nobody using it; once locked, the visit is over
 *  five idle periods after it locked. `lock(at)` locks now, as if it had locked at `at` (a tablet
 *  opened again carries on from when it locked); `onLocked` is told when it locks and unlocks
 *  (null), so the time can be kept on the device. */
export function useIdleLock(active: boolean, timeoutMs: number, onVisitOver: () => void, onLocked: (at: number | null) => void) {
  const [locked, setLocked] = useState(false);
  // The latest callbacks, for timers set on an earlier draw.
  const over = useRef(onVisitOver);
  over.current = onVisitOver;
  const told = useRef(onLocked);
  told.current = onLocked;
  const visit = useRef<ReturnType<typeof setTimeout> | null>(null);
  const endVisitTimer = () => {
    if (visit.current) clearTimeout(visit.current);
    visit.current = null;
  };
  const lock = (at = Date.now()) => {
    setLocked(true);
    told.current(at);
    endVisitTimer();
    visit.current = setTimeout(() => over.current(), Math.max(0, at + timeoutMs * 5 - Date.now()));
  };
  useEffect(() => {
    if (!active) {
      // Signed out: the next person starts unlocked, and no timer ends their visit.
      endVisitTimer();
      setLocked(false);
      return;
    }
    if (locked) return;
    let timer = setTimeout(() => lock(), timeoutMs);
    const activity = () => {
      clearTimeout(timer);
      timer = setTimeout(() => lock(), timeoutMs);
    };
    const events = ['pointerdown', 'keydown', 'touchstart', 'scroll'] as const;
    for (const e of events) window.addEventListener(e, activity, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const e of events) window.removeEventListener(e, activity);
    };
  }, [active, locked, timeoutMs]);
  const unlock = () => {
    endVisitTimer();
    setLocked(false);
    told.current(null);
  };
  return { locked, lock, unlock };
}

interface LockProps {
  check: UnlockCheck | null;
  onUnlock: () => void;
  onSignOut: () => void;
  /** The visit is over but some changes are not sent yet: the tablet clears itself once they are. */
  waitingToClear: boolean;
  /** A young person's own phone, locked with the code they chose (not a lent tablet). */
  phone?: boolean;
  /** Wrong codes so far, and keeping them (on the device). */
  tries: LockTries;
  onTries: (t: LockTries) => void;
}

export function LockScreen({ check, onUnlock, onSignOut, waitingToClear, phone = false, tries, onTries }: LockProps) {
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const tooMany = (until: number) => `Too many tries. Wait ${waitWords(until - Date.now())}, then try again.`;
  // Opened again while a wait is still running: say so before they type.
  useEffect(() => {
    if (Date.now() < tries.until) setProblem(tooMany(tries.until));
  }, []);
  // Guessing is slowed: after a few wrong codes in a row, each try waits, longer each time.
  // One check at a time: taps while a code is being checked are not extra guesses.
  const checking = useRef(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (checking.current) return;
    if (Date.now() < tries.until) {
      setProblem(tooMany(tries.until));
      return;
    }
    checking.current = true;
    const right = check !== null && (await matches(pin, check));
    checking.current = false;
    if (right) {
      onTries(NO_TRIES);
      setPin('');
      onUnlock();
      return;
    }
    const next = wrongTry(tries);
    onTries(next);
    const again = phone ? "That code didn't match." : "That PIN didn't match.";
    setProblem(next.until > 0 ? `${again} ${tooMany(next.until)}` : phone ? `${again} Try again.` : `${again} Try again, or sign out.`);
  };
  return (
    <section class="narrow">
      <h1>Locked</h1>
      <p>{phone ? 'Tandem is locked. Your things are hidden.' : 'This tablet is locked: it locks when nobody uses it for a while, and when Tandem is opened again. Your things are hidden.'}</p>
      {waitingToClear && (
        <p role="status">Some of your changes are not sent yet. Tandem keeps trying, and clears this tablet as soon as they are sent.</p>
      )}
      <form class="stack" onSubmit={submit}>
        <label for="unlock-pin">{phone ? 'Your lock code' : 'Your PIN or password'}</label>
        <input id="unlock-pin" type="password" autocomplete="off" value={pin} onInput={(e) => setPin(e.currentTarget.value)} />
        {problem && <p class="problem" role="alert">{problem}</p>}
        <div class="row row--equal">
          <button type="submit">Unlock</button>
          <button type="button" onClick={onSignOut}>Sign out</button>
        </div>
      </form>
      {phone && <p>Forgotten your lock code? Sign out, then sign in with your name and PIN: your things come back.</p>}
    </section>
  );
}
