// HTTP to the Tandem server. Errors come in the three kinds of DESIGN.md: retry later,
// rejected (keep it, show it, move on), and sign in again. The outbox is never touched here.
import { PROTOCOL_VERSION, SCHEMA_VERSION } from '../generated/tandem';

export type Failure =
  /** `offline`: no answer at all; `server`: the server answered that it can't take it now (and
   *  may say, in seconds, when to come back: too many tries from here, or its storage is down). */
  | { kind: 'retry'; cause: 'offline' | 'server'; message: string; retryAfterSecs?: number }
  | { kind: 'rejected'; status: number; code: string; message: string }
  | { kind: 'update-needed'; message: string }
  /** `code`: the server's, as `two_step_needed` (the password was right; a code is wanted too). */
  | { kind: 'sign-in'; message: string; code?: string };

export class ApiFailure extends Error {
  constructor(public failure: Failure) {
    super(failure.message);
  }
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  person: string;
  role: 'young_person' | 'key_worker' | 'drop_in_staff' | 'admin';
  display_name: string;
  /** This sign-in withdrew the young person's request to delete their account. */
  erasure_cancelled?: boolean;
  /** The password was set by an admin, or is easy to guess: the person chooses their own before anything else. */
  must_change_password?: boolean;
  /** At sign-in: the PIN or password given is one a guesser would try first (chosen before Tandem refused those). */
  secret_easy_to_guess?: boolean;
  /** The service asks staff for two-step sign-in and this staff member has none: set it up first. */
  must_set_up_two_step?: boolean;
  /** Signed in with a two-step recovery code: how many are left. */
  recovery_codes_left?: number;
  /** Signed in on this registered shared tablet (its name). */
  tablet?: string;
  /** Which copy of the server's data signed this in: another one later means a restore. */
  generation?: string;
  /** A young person's key workers, at sign-in and join (as `GET /api/me` names them). */
  workers?: { id: string; display_name: string }[];
}

export interface Auth {
  access: string | null;
  /** Swaps the refresh token for a new pair; null if the session has ended. */
  refresh(): Promise<string | null>;
  /** The service now asks this staff member for two-step sign-in, and they have not set it up. */
  twoStepNeeded?(): void;
}

const HEADERS = { 'tandem-protocol': String(PROTOCOL_VERSION), 'tandem-schema': String(SCHEMA_VERSION) };

/** How long a connection may move no bytes before it counts as lost. One bar of signal on a bus
 *  still moves something every few seconds; a request stalled between cell masts otherwise
 *  waits for minutes with the phone saying "Sending…", and every later change queues behind it.
 *  A push given up on is safe to send again: the server applies each operation number once. */
export const STALL_MS = 30_000;
/** Time allowed to send a request body before the answer starts: 2 bytes a millisecond is
 *  16 kbit/s, slower than the weakest mobile data still counted as connected. */
const UPLOAD_BYTES_PER_MS = 2;

const noSignal = () => new ApiFailure({ kind: 'retry', cause: 'offline', message: 'No signal just now.' });

/** Fetches and reads the whole answer, giving up when nothing arrives for `STALL_MS` (after the
 *  body's sending time): progress, not total time, so a slow but moving first sync finishes. */
async function fetchText(path: string, init: RequestInit, bodyBytes: number, onHeaders?: (headers: Headers) => void): Promise<{ resp: Response; text: string }> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), STALL_MS + bodyBytes / UPLOAD_BYTES_PER_MS);
  const moved = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), STALL_MS);
  };
  try {
    const resp = await fetch(path, { ...init, signal: controller.signal });
    moved();
    if (resp.ok) onHeaders?.(resp.headers);
    if (!resp.body) return { resp, text: await resp.text() };
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      moved();
      text += decoder.decode(value, { stream: true });
    }
    return { resp, text: text + decoder.decode() };
  } catch {
    throw noSignal();
  } finally {
    clearTimeout(timer);
  }
}

export interface RequestOptions {
  /** Told the answer's headers as soon as they arrive, when it is a success: before its body. */
  onHeaders?: (headers: Headers) => void;
  /** Already signed in again once for this request. */
  retried?: boolean;
}

export async function request<T>(auth: Auth | null, method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const sent = body === undefined ? undefined : JSON.stringify(body);
  const { resp, text } = await fetchText(
    path,
    {
      method,
      headers: {
        ...HEADERS,
        ...(sent === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth?.access ? { authorization: `Bearer ${auth.access}` } : {}),
      },
      body: sent,
      cache: 'no-store',
    },
    sent === undefined ? 0 : new Blob([sent]).size,
    options.onHeaders,
  );
  if (resp.ok) {
    try {
      return JSON.parse(text) as T;
    } catch {
      // An answer cut short on the way: nothing to act on but trying again (safe, as above).
      throw noSignal();
    }
  }
  const error = ((): { error?: string; message?: string } => {
    try {
      return JSON.parse(text) ?? {};
    } catch {
      return {};
    }
  })();
  const message = error.message ?? `The server said ${resp.status}.`;
  if (resp.status === 401 && auth && !options.retried) {
    const fresh = await auth.refresh();
    if (fresh) return request<T>(auth, method, path, body, { ...options, retried: true });
  }
  if (resp.status === 401) throw new ApiFailure({ kind: 'sign-in', message, code: error.error });
  // Asked of staff while signed in: the app shows the set-up screen, whatever was being done.
  if (error.error === 'two_step_setup_needed') auth?.twoStepNeeded?.();
  if (error.error === 'unsupported_version') throw new ApiFailure({ kind: 'update-needed', message });
  if (resp.status >= 500 || resp.status === 429 || resp.status === 408) {
    const retryAfterSecs = Number(resp.headers.get('retry-after')) || undefined;
    throw new ApiFailure({ kind: 'retry', cause: 'server', message, retryAfterSecs });
  }
  throw new ApiFailure({ kind: 'rejected', status: resp.status, code: error.error ?? 'unknown', message });
}

/** Delay before retry `attempt` (0-based): exponential, capped, with full jitter. */
export function backoff(attempt: number, random = Math.random): number {
  const cap = Math.min(60_000, 1_000 * 2 ** Math.min(attempt, 10));
  return Math.round(cap / 2 + random() * (cap / 2));
}
