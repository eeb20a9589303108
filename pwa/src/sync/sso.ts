// Staff signing in with their organisation's own account (the server's `auth/sso.rs`). The
// browser leaves Tandem for the organisation's sign-in page and comes back to `/?sso=<handoff>`
// (or `/?sso_error=<what>`); the secret this tab kept when it left is the other half that
// finishes it, so a sign-in link someone else started finishes for nobody here.

const KEPT = 'tandem-sso';

/** Signing in; linking under Your account; signing in again on a device whose session ended. */
export type SsoPurpose = 'sign-in' | 'link' | 'again';
export type SsoProblem = 'cancelled' | 'expired' | 'refused' | 'unavailable' | 'elsewhere';
const PROBLEMS: readonly string[] = ['cancelled', 'expired', 'refused', 'unavailable'];

/** `GET /api/auth/sso`. */
export interface Offered {
  available: boolean;
  name: string | null;
}

/** What `start` answers: where to go, and the half to keep. */
export interface Started {
  url: string;
  attempt: string;
}

export type SsoReturn =
  | { purpose: SsoPurpose; handoff: string; attempt: string }
  | { purpose: SsoPurpose; problem: SsoProblem };

/** Keeps the attempt's secret in this tab (not in the address, not on the disk) and goes to the
 *  organisation's sign-in page. */
export function goToProvider(started: Started, purpose: SsoPurpose): void {
  sessionStorage.setItem(KEPT, JSON.stringify({ attempt: started.attempt, purpose }));
  window.location.assign(started.url);
}

let returned: SsoReturn | null | undefined;

/** What the organisation's sign-in sent back, read once at start. The address is cleaned at
 *  once, so the handoff code stays in no history entry; a link goes back to Your account. */
export function ssoReturn(): SsoReturn | null {
  if (returned !== undefined) return returned;
  const query = new URLSearchParams(window.location.search);
  const handoff = query.get('sso');
  const problem = query.get('sso_error');
  if (handoff === null && problem === null) return (returned = null);
  const kept = takeKept();
  const purpose: SsoPurpose = kept?.purpose === 'link' || kept?.purpose === 'again' ? kept.purpose : 'sign-in';
  window.history.replaceState(null, '', `${window.location.pathname}${purpose === 'link' ? '#/account' : '#/'}`);
  const attempt = typeof kept?.attempt === 'string' ? kept.attempt : null;
  if (handoff !== null) returned = attempt ? { purpose, handoff, attempt } : { purpose, problem: 'elsewhere' };
  else returned = { purpose, problem: PROBLEMS.includes(problem as string) ? (problem as SsoProblem) : 'refused' };
  return returned;
}

/** What this tab kept when it left for the sign-in page, taken (so it is used once). */
function takeKept(): { attempt?: unknown; purpose?: unknown } | null {
  try {
    const kept = JSON.parse(sessionStorage.getItem(KEPT) ?? 'null') as { attempt?: unknown; purpose?: unknown } | null;
    sessionStorage.removeItem(KEPT);
    return kept;
  } catch {
    // Storage blocked, or not JSON: as if nothing was kept.
    return null;
  }
}

/** The return, if it is for `purpose`, taken: a screen drawn again doesn't act on it twice. */
export function takeSsoReturn(purpose: SsoPurpose): SsoReturn | null {
  const back = ssoReturn();
  if (back?.purpose !== purpose) return null;
  returned = null;
  return back;
}

/** What went wrong, in words someone can act on. `name`: what staff call the account. */
export function ssoProblemWords(problem: SsoProblem, name: string | null): string {
  const account = name ?? "your organisation's account";
  switch (problem) {
    case 'cancelled':
      return `You didn't finish signing in with ${account}. Try again, or sign in with your name and password.`;
    case 'expired':
      return 'That sign-in took too long, or was used already. Start it again.';
    case 'unavailable':
      return `${capital(account)} can't be reached just now. Try again in a minute, or sign in with your name and password.`;
    case 'elsewhere':
      return 'That sign-in was started in another tab or browser, so it has not been used. Start it again here.';
    default:
      return `${capital(account)} didn't confirm who you are. Try again, or sign in with your name and password.`;
  }
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
