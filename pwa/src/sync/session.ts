// Signing in and out. The access token lives only in memory; the refresh token is kept in
// IndexedDB so the app opens offline tomorrow. Sign-out wipes this device's copy.
import { askToKeep, keepsWords } from './persist';
import { ApiFailure, type Auth, request, type Tokens } from './api';
import { closeForGood, DB_NAME, type Db, readMeta, type Session } from './db';
import { uuidv7 } from './ids';
import type { Started } from './sso';
import { forgetThisTablet, thisTablet } from './tablet';

export class SessionManager implements Auth {
  access: string | null = null;
  /** The last sign-in kept an account that was waiting to be deleted. */
  keptAccount = false;
  /** The last sign-in used a first password an admin set, or a staff password easy to guess. */
  mustChangePassword = false;
  /** The last sign-in's PIN or password is one a guesser would try first. */
  easyToGuess = false;
  /** The last sign-in was a staff member's the service asks for two-step sign-in, without it. */
  mustSetUpTwoStep = false;
  /** The last sign-in used a two-step recovery code: how many are left (null: it didn't). */
  recoveryLeft: number | null = null;

  /** `onTwoStepNeeded`: told when the server asks this session to set up two-step sign-in first
   *  (the service began asking it of staff after this person signed in). */
  constructor(
    private db: Db,
    private onTwoStepNeeded: () => void = () => undefined,
  ) {}

  twoStepNeeded(): void {
    this.mustSetUpTwoStep = true;
    this.onTwoStepNeeded();
  }

  async current(): Promise<Session | null> {
    return (await readMeta(this.db.transaction('meta').store, uuidv7)).session;
  }

  private async device(): Promise<string> {
    const tx = this.db.transaction('meta', 'readwrite');
    let device = (await tx.store.get('device')) as string | undefined;
    if (!device) {
      device = uuidv7();
      await tx.store.put(device, 'device');
    }
    await tx.done;
    return device;
  }

  private async keep(tokens: Tokens, sharedDevice: boolean, viaSso = false): Promise<Session> {
    const session: Session = {
      person: tokens.person,
      role: tokens.role,
      displayName: tokens.display_name,
      refreshToken: tokens.refresh_token,
      sharedDevice,
      generation: tokens.generation,
      ...(viaSso ? { viaSso } : {}),
    };
    this.access = tokens.access_token;
    await this.db.put('meta', session, 'session');
    // A young person's key workers come with their sign-in: until `GET /api/me` answers (a
    // request one bar of signal can hold for half a minute), they are what a new phone knows,
    // so what its first pull brings shows at once with who can see it.
    if (tokens.workers && (await this.db.get('meta', 'me')) === undefined) {
      await this.db.put('meta', { workers: tokens.workers, caseload: [] }, 'me');
    }
    // Asked at every sign-in and renewal, until the browser promises: Chrome decides by how
    // Tandem is used (added to the home screen, opened often), which changes over time.
    if (keepsWords(session)) void askToKeep();
    return session;
  }

  /**
   * On a registered shared tablet every sign-in is a shared one, whatever was ticked.
   * `sameAs`: signing in again after the session ended, on a device holding that person's words;
   * anyone else is refused (and their new session ended) so they never see or send them.
   * `code`: staff with two-step sign-in, once the server has said it wants one.
   */
  async signIn(name: string, secret: string, sharedDevice = false, sameAs?: string, code?: string): Promise<Session> {
    const device = await this.device();
    const tablet = await thisTablet();
    const tokens = await request<Tokens>(null, 'POST', '/api/auth/sign-in', { name, secret, device, ...(tablet ? { tablet_key: tablet.key } : {}), ...(code ? { code } : {}) });
    await this.refuseOthers(tokens, sameAs);
    // An admin removed this tablet's registration: it is an ordinary device again.
    if (tablet && !tokens.tablet) await forgetThisTablet().catch(() => undefined);
    this.keptAccount = tokens.erasure_cancelled === true;
    this.mustChangePassword = tokens.must_change_password === true;
    this.easyToGuess = tokens.secret_easy_to_guess === true;
    this.mustSetUpTwoStep = tokens.must_set_up_two_step === true;
    this.recoveryLeft = tokens.recovery_codes_left ?? null;
    return this.keep(tokens, sharedDevice || tokens.tablet !== undefined);
  }

  /** Someone other than `sameAs` signed in on a device holding `sameAs`'s words: their new
   *  session is ended at once, and they are told. */
  private async refuseOthers(tokens: Tokens, sameAs?: string): Promise<void> {
    if (sameAs && tokens.person !== sameAs) {
      await request({ access: tokens.access_token, refresh: async () => null }, 'POST', '/api/auth/sign-out').catch(() => undefined);
      throw new ApiFailure({ kind: 'rejected', status: 403, code: 'someone_else', message: "This phone holds someone else's things. Only they can sign in here, or remove everything from this phone first." });
    }
  }

  /** Starts signing in with the organisation's account: where to send the browser, and the
   *  half of the sign-in this tab keeps (`sso.ts`). */
  async startSso(): Promise<Started> {
    return request<Started>(null, 'POST', '/api/auth/sso/start', { device: await this.device() });
  }

  /** Finishes it with the handoff the organisation's sign-in brought back. `sameAs`: as in
   *  `signIn`, signing in again on a device holding that person's words. `code`: Tandem's
   *  two-step code, once the server has said it wants one (`two_step_needed`: their two-step is
   *  on and the organisation's sign-in didn't say it asked for a second step). */
  async finishSso(attempt: string, handoff: string, sameAs?: string, code?: string): Promise<Session> {
    const device = await this.device();
    const tokens = await request<Tokens>(null, 'POST', '/api/auth/sso/finish', { attempt, handoff, device, ...(code ? { code } : {}) });
    await this.refuseOthers(tokens, sameAs);
    this.keptAccount = false;
    this.mustChangePassword = tokens.must_change_password === true;
    this.easyToGuess = false;
    this.mustSetUpTwoStep = tokens.must_set_up_two_step === true;
    this.recoveryLeft = tokens.recovery_codes_left ?? null;
    return this.keep(tokens, false, true);
  }

  /** `forPerson`: joining again (a new code for a forgotten PIN) on a device holding that person's
   *  words; the server refuses anyone else's code without spending it. */
  async join(code: string, name: string, secret: string, forPerson?: string, sharedDevice = false): Promise<Session> {
    const device = await this.device();
    const tokens = await request<Tokens>(null, 'POST', '/api/auth/join', { code, name, secret, device, ...(forPerson ? { for_person: forPerson } : {}) });
    this.mustChangePassword = false;
    this.easyToGuess = false;
    this.mustSetUpTwoStep = false;
    this.recoveryLeft = null;
    return this.keep(tokens, sharedDevice);
  }

  /**
   * Rotates the refresh token. Serialised across tabs: two tabs spending one token would end the session.
   * Null: the session has ended (sign in again). Throws a `retry` failure when there was no signal or the
   * server couldn't answer: the session may well be fine, and a young person on a bus must not be sent
   * to the sign-in screen for a lost connection (the server takes the same token again as a retry).
   */
  async refresh(): Promise<string | null> {
    const run = async () => {
      const session = await this.current();
      if (!session) return null;
      try {
        const tokens = await request<Tokens>(null, 'POST', '/api/auth/refresh', { refresh_token: session.refreshToken });
        await this.keep(tokens, session.sharedDevice, session.viaSso === true);
        return tokens.access_token;
      } catch (e) {
        if (e instanceof ApiFailure && e.failure.kind === 'retry') throw e;
        this.access = null;
        return null;
      }
    };
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    return locks ? locks.request('tandem-refresh', run) : run();
  }

  /** Ends the session on the server (if it can be reached) and removes everything from this device.
   * `ended`: the server has ended it already (the account is being deleted). */
  async signOut(ended = false): Promise<void> {
    try {
      if (this.access && !ended) await request(this, 'POST', '/api/auth/sign-out');
    } catch {
      // Offline: the server session expires on its own; the local wipe below still happens.
    }
    this.access = null;
    await wipeDevice(this.db);
  }
}

/** Removes every trace of the signed-in person: IndexedDB and any cached user data. */
export async function wipeDevice(db: Db): Promise<void> {
  closeForGood(db);
  await new Promise<void>((resolve) => {
    const req = indexedDB.deleteDatabase(DB_NAME);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  });
  try {
    // A staff device told of alerts (Web Push) stops being, whoever uses the browser next. The
    // server stops sending anyway: the subscription ends with the session.
    await (await (await navigator.serviceWorker?.getRegistration())?.pushManager?.getSubscription())?.unsubscribe();
  } catch {
    // No service worker or push here: nothing to stop.
  }
  if (typeof caches !== 'undefined') {
    for (const name of await caches.keys()) {
      // The app's own files (precache) hold nothing personal; anything else goes.
      if (!name.startsWith('workbox-precache')) await caches.delete(name);
    }
  }
  try {
    sessionStorage.clear();
    localStorage.clear();
  } catch {
    // Storage may be blocked; nothing was kept there anyway.
  }
}
