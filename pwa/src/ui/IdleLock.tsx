// On a lent tablet: after a short idle time the screen locks and asks for the PIN; if the visit
// times out, the app signs out and wipes this person's data once their edits are sent. On a
// young person's own phone, if they choose: a lock code asked for when Tandem opens and after a
// minute away. On staff's own devices: after a quarter of an hour unused, or away, their password,
// so a laptop left open in an office or a drop-in shows nobody's words.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useAlertTitle } from './Safety';

const ITERATIONS = 100_000;
/** A staff password opens a whole caseload on any device, so its check on this one costs a
 *  guesser more (OWASP's figure for PBKDF2-SHA256); about a second on a slow phone. */
export const STAFF_ITERATIONS = 600_000;

async function derive(secret: string, salt: Uint8Array, iterations: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, key, 256);
  return btoa(String.fromCharCode(...new Uint8Array(bits)));
}

export interface UnlockCheck {
  salt: string;
  hash: string;
  /** Absent in checks made before staff checks cost more. */
  iterations?: number;
}

/** Made at sign-in (a shared tablet, a staff device) or when a lock code is chosen, so the lock
 *  screen can check the secret with no signal. */
export async function makeUnlockCheck(secret: string, iterations = ITERATIONS): Promise<UnlockCheck> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt: btoa(String.fromCharCode(...salt)), hash: await derive(secret, salt, iterations), iterations };
}

async function matches(secret: string, check: UnlockCheck): Promise<boolean> {
  const salt = Uint8Array.from(atob(check.salt), (c) => c.charCodeAt(0));
  return (await derive(secret, salt, check.iterations ?? ITERATIONS)) === check.hash;
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

/** A lent tablet's visit ends this many idle periods after it locked. */
const VISIT_IDLE_PERIODS = 5;

/** Unused, or away, this long, a staff member's own device locks: 15 minutes, the usual screen
 *  lock for devices holding personal data. */
export const STAFF_IDLE_MS = 15 * 60_000;

/** While `active`: locks when the page comes back after `timeoutMs` or more hidden. */
export function useAwayLock(active: boolean, timeoutMs: number, lock: () => void) {
  useEffect(() => {
    if (!active) return;
    let hiddenAt: number | null = null;
    const changed = () => {
      if (document.visibilityState === 'hidden') {
        hiddenAt = Date.now();
        return;
      }
      // Each time away is judged once: a later "visible" with no "hidden" before it is not away.
      if (hiddenAt !== null && Date.now() - hiddenAt >= timeoutMs) lock();
      hiddenAt = null;
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

/** Said to a young person on a lent tablet while they use it: how their visit ends, so nothing
 *  of theirs is left for the next visitor, and a lock is no surprise. */
export function VisitHint() {
  const idle = idleMs();
  return (
    <p class="hint">
      This is a shared tablet. When you have finished, press Sign out at the top: nothing of yours stays on it. Left alone, it locks after {waitWords(idle)}, and signs you out {waitWords(idle * VISIT_IDLE_PERIODS)} after that.
    </p>
  );
}

/** Locks after `timeoutMs` with nobody using it. On a lent tablet (`onVisitOver` given), once
 *  locked, the visit is over five idle periods after it locked. `lock(at)` locks now, as if it had
 *  locked at `at` (a tablet opened again carries on from when it locked); `onLocked` is told when
 *  it locks and unlocks (null), so the time can be kept on the device. */
export function useIdleLock(active: boolean, timeoutMs: number, onVisitOver: (() => void) | null, onLocked: (at: number | null) => void) {
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
    if (over.current) visit.current = setTimeout(() => over.current?.(), Math.max(0, at + timeoutMs * VISIT_IDLE_PERIODS - Date.now()));
  };
  useEffect(() => {
    if (!active) {
      // Signed out: the next person starts unlocked, and no timer ends their visit.
      endVisitTimer();
      setLocked(false);
      return;
    }
    if (locked) return;
    // Checked against the clock, not one long timer: a laptop asleep with Tandem open wakes with
    // its timers behind the time that passed.
    let lastUsed = Date.now();
    const activity = () => {
      lastUsed = Date.now();
    };
    const check = setInterval(() => Date.now() - lastUsed >= timeoutMs && lock(lastUsed + timeoutMs), Math.min(timeoutMs / 4, 15_000));
    const events = ['pointerdown', 'keydown', 'touchstart', 'scroll'] as const;
    for (const e of events) window.addEventListener(e, activity, { passive: true });
    return () => {
      clearInterval(check);
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

/** What is locked: a lent tablet (PIN or password), a young person's phone (the lock code they
 *  chose), or a staff member's own device (their password). */
export type LockKind = 'tablet' | 'phone' | 'staff';

const WORDS: Record<LockKind, { why: string; secret: string; wrong: string; orSignOut: boolean; forgotten?: string }> = {
  tablet: {
    why: 'This tablet is locked: it locks when nobody uses it for a while, and when Tandem is opened again. Your things are hidden.',
    secret: 'Your PIN or password',
    wrong: "That PIN didn't match.",
    orSignOut: true,
  },
  phone: {
    why: 'Tandem is locked. Your things are hidden.',
    secret: 'Your lock code',
    wrong: "That code didn't match.",
    orSignOut: false,
    forgotten: 'Forgotten your lock code? Sign out, then sign in with your name and PIN: your things come back.',
  },
  staff: {
    why: "Tandem is locked: it locks after 15 minutes without use, so young people's things are never left on an open screen. Nothing is lost, and changes still go while it is locked.",
    secret: 'Your password',
    wrong: "That password didn't match.",
    orSignOut: true,
    forgotten: 'Forgotten your password? Sign out (Tandem sends your changes first), then ask an admin for a new first password.',
  },
};

interface LockProps {
  kind: LockKind;
  check: UnlockCheck | null;
  onUnlock: () => void;
  onSignOut: () => void;
  /** The visit is over but some changes are not sent yet: the tablet clears itself once they are. */
  waitingToClear: boolean;
  /** Wrong codes so far, and keeping them (on the device). */
  tries: LockTries;
  onTries: (t: LockTries) => void;
  /** On a staff device: alerts not yet seen, said (without names) while it is locked. */
  openAlerts?: number;
  /** A staff device signed in with the organisation's account: it unlocks with the code chosen on it. */
  withCode?: boolean;
}

/** A staff device signed in with the organisation's account, which unlocks with a code of its own. */
const STAFF_CODE = {
  ...WORDS.staff,
  secret: 'Your unlock code for this device',
  wrong: "That code didn't match.",
  forgotten: 'Forgotten it? Sign out (Tandem sends your changes first), then sign in again with your organisation account.',
};

export function LockScreen({ kind, check, onUnlock, onSignOut, waitingToClear, tries, onTries, openAlerts = 0, withCode = false }: LockProps) {
  const words = kind === 'staff' && withCode ? STAFF_CODE : WORDS[kind];
  useAlertTitle(openAlerts);
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
  const input = useRef<HTMLInputElement>(null);
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
    // Cleared, as phones' own lock screens do: a hidden code can't be corrected, only typed again.
    // Focused to type it when they may (not while a wait runs: a keyboard would cover the words).
    setPin('');
    if (next.until === 0) input.current?.focus();
    setProblem(next.until > 0 ? `${words.wrong} ${tooMany(next.until)}` : words.orSignOut ? `${words.wrong} Try again, or sign out.` : `${words.wrong} Try again.`);
  };
  return (
    <section class="narrow">
      <h1>Locked</h1>
      <p>{words.why}</p>
      {openAlerts > 0 && (
        <p class="card alert" role="alert">
          <strong>{openAlerts === 1 ? "Someone you support said they don't feel safe right now." : `${openAlerts} alerts: people you support said they don't feel safe right now.`}</strong> Unlock to see who.
        </p>
      )}
      {waitingToClear && (
        <p role="status">Some of your changes are not sent yet. Tandem keeps trying, and clears this tablet as soon as they are sent.</p>
      )}
      <form class="stack" onSubmit={submit}>
        <label for="unlock-pin">{words.secret}</label>
        <input id="unlock-pin" ref={input} type="password" autocomplete="off" value={pin} onInput={(e) => setPin(e.currentTarget.value)} />
        {problem && <p class="problem" role="alert">{problem}</p>}
        <div class="row row--equal">
          <button type="submit">Unlock</button>
          <button type="button" onClick={onSignOut}>Sign out</button>
        </div>
      </form>
      {words.forgotten && <p>{words.forgotten}</p>}
    </section>
  );
}
