// A server restored from a backup has forgotten everything that reached it after the backup
// was taken: operations this device sent and was told were stored, and the change numbers it
// handed out. The devices still hold those words. So a device that finds its server has gone
// back in time numbers its unsent operations from where the server now is, pulls everything
// again, and writes back what its own person wrote that the server no longer has. Each device
// gives back only its own person's words: a worker's never come back as the young person's.
import type { FieldName, FieldValue, PersonId, Record } from '../generated/tandem';
import { stampAfter } from './hlc';
import { request } from './api';
import type { Db, Session } from './db';

/** The device's copy as it was before the server's was pulled again, kept until every word in
 *  it the server lacked is given back: a round cut short (no signal, the app closed) resumes
 *  from it, rather than from a copy already overwritten by the server's older words. */
export const RESTORE_SNAPSHOT = 'restore-snapshot';

/** The highest operation number the server said it stored from `me` on this device: every one
 *  below their oldest unsent. (Another person's entry left on a lent tablet is never sent.) */
export async function acknowledged(db: Db, me: PersonId): Promise<number> {
  const tx = db.transaction(['outbox', 'meta']);
  const [entries, seq] = await Promise.all([tx.objectStore('outbox').getAll(), tx.objectStore('meta').get('seq')]);
  const mine = entries.filter((e) => e.person === me);
  return mine.length > 0 ? Math.min(...mine.map((e) => e.seq)) - 1 : ((seq as number | undefined) ?? 0);
}

/** Numbers the unsent operations on from `lastApplied`, the server's count, in their order. One
 *  transaction with the counter, so an edit in another tab takes the next number after them. */
export async function renumberOutbox(db: Db, lastApplied: number): Promise<void> {
  const tx = db.transaction(['outbox', 'meta'], 'readwrite');
  const outbox = tx.objectStore('outbox');
  const entries = (await outbox.getAll()).sort((a, b) => a.seq - b.seq);
  await outbox.clear();
  let seq = lastApplied;
  for (const entry of entries) {
    seq++;
    await outbox.put({ ...entry, seq, op: { ...entry.op, seq } });
  }
  await tx.objectStore('meta').put(seq, 'seq');
  await tx.done;
}

/** What `me` wrote into `before` (this device's copy) that `now` (the server's, or none) lacks:
 *  fields whose latest write was theirs and is later than what the server holds. Fields with
 *  unsent edits are left out: those edits come later and say more. */
export function toGiveBack(before: Record, now: Record | undefined, me: PersonId, unsent: Set<FieldName>): FieldValue[] {
  const back: FieldValue[] = [];
  for (const [name, mine] of Object.entries(before.fields) as [FieldName, Record['fields'][FieldName]][]) {
    if (!mine || mine.author.person !== me || unsent.has(name)) continue;
    const theirs = now?.fields[name];
    if (!theirs || stampAfter(mine.stamp, theirs.stamp)) back.push(mine.value);
  }
  return back;
}

/** Whether a server that refused this device's sign-in is a restored copy of the one that gave
 *  it (its generation has changed): then the words held here are kept to give back once the
 *  person signs in again, not forgotten as for a session ended on purpose. Unsure (no signal, an
 *  older server): false, and the device forgets as it always has. */
export async function serverWasRestored(session: Session | null): Promise<boolean> {
  if (!session?.generation) return false;
  try {
    const health = await request<{ generation?: string }>(null, 'GET', '/api/health');
    return typeof health.generation === 'string' && health.generation !== session.generation;
  } catch {
    return false;
  }
}
