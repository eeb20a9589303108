// A registered shared tablet: its name and the key that proves it, from the admin console.
// Kept in a small database of its own that signing out does not wipe: it holds nothing about
// any person, only what this tablet is.
import { openDB } from 'idb';

export interface TabletRegistration {
  id: string;
  name: string;
  key: string;
}

const NAME = 'tandem-tablet';

async function withStore<T>(f: (db: Awaited<ReturnType<typeof open>>) => Promise<T>): Promise<T> {
  const db = await open();
  try {
    return await f(db);
  } finally {
    db.close();
  }
}

const open = () =>
  openDB(NAME, 1, {
    upgrade(db) {
      db.createObjectStore('tablet');
    },
  });

/** This device's registration, or null (also when the browser keeps no storage: then it is no
 * registered tablet, and signing in must still work). */
export async function thisTablet(): Promise<TabletRegistration | null> {
  try {
    return await withStore(async (db) => ((await db.get('tablet', 'this')) as TabletRegistration | undefined) ?? null);
  } catch {
    return null;
  }
}

export const registerThisTablet = (t: TabletRegistration): Promise<void> => withStore(async (db) => void (await db.put('tablet', t, 'this')));

export const forgetThisTablet = (): Promise<void> => withStore((db) => db.delete('tablet', 'this'));
