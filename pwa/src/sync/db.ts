// The device's store: records as last pulled, the outbox of unsent operations, and sync state.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Hlc, Operation, PersonId, Record, Role } from '../generated/tandem';

export interface OutboxEntry {
  seq: number;
  /** Who made this edit: on a shared tablet nothing is ever sent as someone else. */
  person: PersonId;
  op: Operation;
  madeAt: number;
}

export interface RejectedEntry extends OutboxEntry {
  reason: string;
}

export interface Session {
  person: PersonId;
  role: Role;
  displayName: string;
  refreshToken: string;
  /** A lent tablet: lock when idle, wipe on sign-out. */
  sharedDevice: boolean;
  /** The server's copy of the data when last signed in or renewed (see restored.ts). */
  generation?: string;
  /** Staff signed in with their organisation's account: no password was typed here, so this
   *  device unlocks with a code they chose on it. */
  viaSso?: boolean;
}

export interface Meta {
  device: string;
  seq: number;
  clock: Hlc;
  cursor: number;
  session: Session | null;
}

interface TandemDB extends DBSchema {
  records: { key: string; value: Record };
  outbox: { key: number; value: OutboxEntry };
  rejected: { key: number; value: RejectedEntry };
  meta: { key: string; value: unknown };
}

export type Db = IDBPDatabase<TandemDB>;
export const DB_NAME = 'tandem';

/** In `meta` while a pull has stored some pages and more wait (cut short, it resumes from its
 *  cursor): until then what is stored is not yet all there is. */
export const CATCHING_UP = 'catching-up';

/** For a transaction whose end the screen reports as "saved on this phone" (an edit, an alert
 *  queued): on disk when it completes. Browsers' default ("relaxed" since Chrome 121) completes
 *  once the OS has the data, so a cheap phone whose battery dies a moment after "saved" could
 *  lose those words; flushing costs a few milliseconds of the tap, which the words are worth. */
export const ON_DISK: IDBTransactionOptions = { durability: 'strict' };

export function open(name = DB_NAME): Promise<Db> {
  const opening = openDB<TandemDB>(name, 1, {
    upgrade(db) {
      db.createObjectStore('records', { keyPath: 'id' });
      db.createObjectStore('outbox', { keyPath: 'seq' });
      db.createObjectStore('rejected', { keyPath: 'seq' });
      db.createObjectStore('meta');
    },
    // Another tab is deleting the store (its person signed out) or opening a newer version of
    // it. Holding on would keep the store from going, and this tab would go on showing (and
    // writing for) a person who has signed out: let go, and open afresh.
    blocking() {
      void opening.then((db) => {
        closeForGood(db);
        globalThis.location?.reload();
      });
    },
  });
  return opening;
}

/** Stores closed for good: the person signed out, and the store is being wiped. */
const closed = new WeakSet<Db>();

/** Closes `db` for good (signing out). Work still under way on it (a screen re-reading after a
 *  sync round, a draft being written) then fails, and {@link whileOpen} lets it go quietly. */
export function closeForGood(db: Db): void {
  closed.add(db);
  db.close();
}

/** Runs `f` on `db`. If `db` was closed for good meanwhile, what `f` was doing is for a person
 *  who has signed out, so it ends quietly; any other failure is still thrown. */
export async function whileOpen<T>(db: Db, f: () => Promise<T>): Promise<T | undefined> {
  try {
    return await f();
  } catch (e) {
    if (closed.has(db)) return undefined;
    throw e;
  }
}

type MetaStore = { get(key: string): Promise<unknown> };

export async function readMeta(store: MetaStore, newDevice: () => string): Promise<Meta> {
  const [device, seq, clock, cursor, session] = await Promise.all([
    store.get('device'),
    store.get('seq'),
    store.get('clock'),
    store.get('cursor'),
    store.get('session'),
  ]);
  return {
    device: (device as string | undefined) ?? newDevice(),
    seq: (seq as number | undefined) ?? 0,
    clock: (clock as Hlc | undefined) ?? { ms: 0, count: 0 },
    cursor: (cursor as number | undefined) ?? 0,
    session: (session as Session | undefined) ?? null,
  };
}

/** What someone whose phone is full can do about it, said wherever that stops Tandem. */
export const MAKE_SPACE = "Make some space (delete photos, videos or apps you don't need)";

/** The browser refused a write because this device's storage is full. */
export function isStorageFull(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'QuotaExceededError' || (e.name === 'AbortError' && /quota/i.test(e.message)));
}
