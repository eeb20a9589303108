// "I don't feel safe right now": queued on the phone, sent the moment there is signal, and the
// answer (who has seen it) kept for the screen.
import { type Auth, request } from './api';
import { ON_DISK, type Db } from './db';
import { uuidv7 } from './ids';

export interface PendingAlert {
  id: string;
  raisedAt: number;
}

export interface AlertStatus {
  id: string;
  young_person: string;
  young_person_name: string;
  raised_at: number;
  received_at: number;
  seen_by_name: string | null;
  seen_at: number | null;
  /** When, nobody having seen it in time, the duty worker was told too. */
  escalated_at?: number | null;
}

export async function raiseAlert(db: Db, now = Date.now()): Promise<PendingAlert> {
  const tx = db.transaction('meta', 'readwrite', ON_DISK);
  const pending = ((await tx.store.get('alerts-pending')) as PendingAlert[] | undefined) ?? [];
  const alert = { id: uuidv7(now), raisedAt: now };
  await tx.store.put([...pending, alert], 'alerts-pending');
  await tx.done;
  return alert;
}

export async function pendingAlerts(db: Db): Promise<PendingAlert[]> {
  return ((await db.get('meta', 'alerts-pending')) as PendingAlert[] | undefined) ?? [];
}

export async function knownAlerts(db: Db): Promise<AlertStatus[]> {
  return ((await db.get('meta', 'alerts')) as AlertStatus[] | undefined) ?? [];
}

/** Sends queued alerts (a young person): the first thing a sync round sends. */
export async function sendAlerts(db: Db, auth: Auth, role: string): Promise<void> {
  if (role !== 'young_person') return;
  for (const alert of await pendingAlerts(db)) {
    const list = await request<AlertStatus[]>(auth, 'POST', '/api/alerts', { id: alert.id, raised_at: alert.raisedAt });
    const tx = db.transaction('meta', 'readwrite');
    const left = ((await tx.store.get('alerts-pending')) as PendingAlert[] | undefined) ?? [];
    await tx.store.put(left.filter((a) => a.id !== alert.id), 'alerts-pending');
    await tx.store.put(list, 'alerts');
    await tx.done;
  }
}

/** Refreshes what is known of alerts (who has seen a young person's; a worker's young people's). */
export async function refreshAlerts(db: Db, auth: Auth, role: string): Promise<void> {
  if (role === 'young_person' || role === 'key_worker') {
    await db.put('meta', await request<AlertStatus[]>(auth, 'GET', '/api/alerts'), 'alerts');
  }
}

/** This device could not keep the alert (its storage full or failing): it goes to the server now,
 *  and the answer says who it went to. Throws if there is no signal either. */
export async function sendAlertNow(auth: Auth, now = Date.now()): Promise<AlertStatus[]> {
  return request<AlertStatus[]>(auth, 'POST', '/api/alerts', { id: uuidv7(now), raised_at: now });
}
