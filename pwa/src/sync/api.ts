// HTTP to the Tandem server. Errors come in the three kinds of DESIGN.md: retry later,
// rejected (keep it, show it, move on), and sign in again. The outbox is never touched here.
import { PROTOCOL_VERSION, SCHEMA_VERSION } from '../generated/tandem';

export type Failure =
  /** `offline`: no answer at all; `server`: the server answered that it can't take it now (and
   *  may say, in seconds, when to come back: too many tries from here, or its storage is down). */
  | { kind: 'retry'; cause: 'offline' | 'server'; message: string; retryAfterSecs?: number }
  | { kind: 'rejected'; status: number; code: string; message: string }
  | { kind: 'update-needed'; message: string }
  | { kind: 'sign-in'; message: string };

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
  /** The password was set by an admin: the person chooses their own before anything else. */
  must_change_password?: boolean;
  /** Signed in on this registered shared tablet (its name). */
  tablet?: string;
}

export interface Auth {
  access: string | null;
  /** Swaps the refresh token for a new pair; null if the session has ended. */
  refresh(): Promise<string | null>;
}

const HEADERS = { 'tandem-protocol': String(PROTOCOL_VERSION), 'tandem-schema': String(SCHEMA_VERSION) };

export async function request<T>(auth: Auth | null, method: string, path: string, body?: unknown, retried = false): Promise<T> {
  let resp: Response;
  try {
    resp = await fetch(path, {
      method,
      headers: {
        ...HEADERS,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth?.access ? { authorization: `Bearer ${auth.access}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiFailure({ kind: 'retry', cause: 'offline', message: 'No signal just now.' });
  }
  if (resp.ok) return (await resp.json()) as T;
  const error = (await resp.json().catch(() => ({}))) as { error?: string; message?: string };
  const message = error.message ?? `The server said ${resp.status}.`;
  if (resp.status === 401 && auth && !retried) {
    const fresh = await auth.refresh();
    if (fresh) return request<T>(auth, method, path, body, true);
  }
  if (resp.status === 401) throw new ApiFailure({ kind: 'sign-in', message });
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
