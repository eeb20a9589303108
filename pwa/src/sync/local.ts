// Local edits and the screen's view of the records.
//
// An edit and its outbox entry are written in one IndexedDB transaction, so anything the screen
// calls saved is pushed eventually, from any tab, after a crash or a reload. The view is the
// server's records with this device's unsent operations replayed on top, so the screen always
// shows the young person's latest words.
import type { Author, FieldName, FieldValue, FieldResult, Hlc, PersonId, Record, RecordKind, Stamp, Visibility } from '../generated/tandem';
import { CATCHING_UP, ON_DISK, type Db, type OutboxEntry, type Session } from './db';
import { sameStamp, stampAfter, tick } from './hlc';
import { uuidv7 } from './ids';
import { LIMITS } from '../ui/limits';
import { RESTORE_SNAPSHOT } from './restored';

export interface Item {
  id: string;
  kind: RecordKind;
  owner: PersonId;
  createdBy: Author | null;
  values: Partial<{ [K in FieldName]: Extract<FieldValue, { field: K }>['value'] }>;
  /** Who last wrote each field: null when it is this device's unsent edit. */
  writers: Partial<{ [K in FieldName]: Author | null }>;
  conflicts: Record['conflicts'];
  unsent: boolean;
  suggestion: boolean;
  deleted: boolean;
  visibility: Visibility;
  /** When it last changed on the server (ms), for "new since you last looked". */
  changedAt: number;
  /** When each person last changed it, by the fields they were last to write (ms). */
  changedBy: { [person: PersonId]: number };
  /** The server's version of each field as this phone holds it (unsent edits leave them). */
  stamps?: Stamps;
}

/** When someone other than `me` last changed the item (0: only `me` has): a worker's own edits
 *  are not news to them. */
export function changedByOthers(item: Item, me: PersonId): number {
  let latest = 0;
  for (const [person, at] of Object.entries(item.changedBy)) if (person !== me && at > latest) latest = at;
  return latest;
}

/** The values an edit reads, as this tab's last edit left them (see `edit`). */
interface EditBasis {
  seq: number;
  clock: Hlc;
  device: string;
  person: PersonId;
}
const lastBasis = new WeakMap<Db, EditBasis>();
/** The clock before this device has stored one. */
const NO_CLOCK: Hlc = { ms: 0, count: 0 };

/** An edit as stored, and the device it was stored on. */
type Written = { entry: OutboxEntry; device: string };

/** The server's version of each field of a record, as this phone holds it: what an edit names as
 *  the version it was made over. */
export type Stamps = Partial<{ [K in FieldName]: Stamp }>;

/**
 * Reads what the next edit depends on, so that even the first in this tab (a young person opens
 * Tandem, writes one thing and saves) is written in one go. Called when the screen reads the
 * store (at opening, and after each sync, whose pull can move the clock). Only a guess, checked
 * as every basis is: if anything changed by the time of the edit, it is written after reading.
 */
export async function knowEditBasis(db: Db): Promise<void> {
  const meta = db.transaction('meta').store;
  const [seq, clock, device, session] = await Promise.all([
    meta.get('seq') as Promise<number | undefined>,
    meta.get('clock') as Promise<Hlc | undefined>,
    meta.get('device') as Promise<string | undefined>,
    meta.get('session') as Promise<Session | undefined>,
  ]);
  // Before this device's first edit it has no number or clock yet (both start at nothing, as
  // for an edit written after reading); its id is stored by that edit if missing, so then it reads.
  if (device && session) lastBasis.set(db, { seq: seq ?? 0, clock: clock ?? NO_CLOCK, device, person: session.person });
}

/**
 * Stores an edit and its outbox entry in one transaction, on disk before it resolves.
 * `known`: the record's versions as the screen has them (none for a new record), so the edit can
 * be written in one go. `forgetting`: the meta keys of the drafts these words were typed in,
 * deleted in the same transaction, so no draft of saved words outlives the save (opened again,
 * it would say they are not saved, and a second Save would make them twice).
 */
export async function edit(
  db: Db,
  target: { id: string; kind: RecordKind; owner: PersonId },
  changes: FieldValue[],
  now = Date.now(),
  known?: Stamps,
  forgetting: string[] = [],
): Promise<OutboxEntry> {
  const basis = lastBasis.get(db);
  const { entry, device } =
    (basis && known && (await editInOneGo(db, target, changes, now, basis, known, forgetting))) ||
    (await editAfterReading(db, target, changes, now, forgetting));
  lastBasis.set(db, { seq: entry.seq, clock: entry.op.hlc, device, person: entry.person });
  return entry;
}

function entryOf(
  seq: number,
  person: PersonId,
  clock: Hlc,
  target: { id: string; kind: RecordKind; owner: PersonId },
  changes: FieldValue[],
  now: number,
  baseOf: (field: FieldName) => Stamp | null,
): OutboxEntry {
  return {
    seq,
    person,
    madeAt: now,
    op: { seq, record: target.id, kind: target.kind, owner: target.owner, hlc: clock, changes: changes.map((set) => ({ set, base: baseOf(set.field) })) },
  };
}

/**
 * The edit's writes asked for together with the reads they depend on, from what this tab's last
 * edit left: a tap on Save then waits for one round trip to the browser's storage, not two (the
 * reads' answers wait behind the frame drawn for the tap). The reads still come first in the
 * transaction and are checked before it can commit: if another tab, a pull or a sign-in changed
 * any of them, the transaction is abandoned, nothing of it is written, and the caller writes the
 * edit after reading (null here).
 */
async function editInOneGo(
  db: Db,
  target: { id: string; kind: RecordKind; owner: PersonId },
  changes: FieldValue[],
  now: number,
  basis: EditBasis,
  known: Stamps,
  forgetting: string[],
): Promise<Written | null> {
  const tx = db.transaction(['records', 'outbox', 'meta'], 'readwrite', ON_DISK);
  const meta = tx.objectStore('meta');
  const reads = Promise.all([
    meta.get('seq') as Promise<number | undefined>,
    meta.get('clock') as Promise<Hlc | undefined>,
    meta.get('device') as Promise<string | undefined>,
    meta.get('session') as Promise<Session | undefined>,
    tx.objectStore('records').get(target.id),
  ]);
  const entry = entryOf(basis.seq + 1, basis.person, tick(basis.clock, now), target, changes, now, (field) => known[field] ?? null);
  const written = Promise.all([
    tx.objectStore('outbox').put(entry),
    meta.put(entry.seq, 'seq'),
    meta.put(entry.op.hlc, 'clock'),
    ...forgetting.map((key) => meta.delete(key)),
    tx.done,
  ]);
  // Its failure is read below, once the reads are checked.
  written.catch(() => undefined);
  let undone = false;
  try {
    const [seq, clock, device, session, server] = await reads;
    const stale =
      (seq ?? 0) !== basis.seq ||
      (clock ?? NO_CLOCK).ms !== basis.clock.ms ||
      (clock ?? NO_CLOCK).count !== basis.clock.count ||
      device !== basis.device ||
      session?.person !== basis.person ||
      entry.op.changes.some((c) => !sameBase(server?.fields[c.set.field]?.stamp ?? null, c.base));
    // Before the writes are answered, so before the transaction can commit. Only once it is
    // undone is the edit written again after reading: never twice.
    if (stale) {
      tx.abort();
      undone = true;
    }
    await written;
    return { entry, device: basis.device };
  } catch (e) {
    if (undone) return null;
    throw e;
  }
}

const sameBase = (a: Stamp | null, b: Stamp | null) => (a === null || b === null ? a === b : sameStamp(a, b));

/** The edit written after reading what it depends on: the first edit in a tab, and whenever
 *  something else changed them since. */
async function editAfterReading(
  db: Db,
  target: { id: string; kind: RecordKind; owner: PersonId },
  changes: FieldValue[],
  now: number,
  forgetting: string[],
): Promise<Written> {
  // As few requests as the edit needs: each is a round trip to the browser's storage process,
  // and this transaction is what a tap on Save waits for.
  const tx = db.transaction(['records', 'outbox', 'meta'], 'readwrite', ON_DISK);
  const meta = tx.objectStore('meta');
  const [storedSeq, storedClock, storedDevice, session, server] = await Promise.all([
    meta.get('seq') as Promise<number | undefined>,
    meta.get('clock') as Promise<Hlc | undefined>,
    meta.get('device') as Promise<string | undefined>,
    meta.get('session') as Promise<Session | undefined>,
    tx.objectStore('records').get(target.id),
  ]);
  if (!session) throw new Error('Sign in first.');
  const seq = (storedSeq ?? 0) + 1;
  const clock = tick(storedClock ?? NO_CLOCK, now);
  const device = storedDevice ?? uuidv7();
  const entry = entryOf(seq, session.person, clock, target, changes, now, (field) => (server?.fields[field]?.stamp as Stamp | undefined) ?? null);
  await Promise.all([
    tx.objectStore('outbox').put(entry),
    meta.put(seq, 'seq'),
    meta.put(clock, 'clock'),
    storedDevice ? undefined : meta.put(device, 'device'),
    ...forgetting.map((key) => meta.delete(key)),
    tx.done,
  ]);
  return { entry, device };
}

/**
 * The changes that change what the screen shows. A form sends each of its fields when saved; one
 * left as it was, written again, becomes the saver's words (a worker's "why" would read "in my
 * words" on the young person's goal) and, beside someone else's change made meanwhile, a change
 * of its own: the young person's untouched words would undo their worker's new ones, and a
 * worker's untouched words would be "kept as a suggestion".
 */
export function changedOnly(shown: Item | undefined, changes: FieldValue[]): FieldValue[] {
  if (!shown) return changes;
  // Nothing, an empty text and an empty list all show as nothing.
  const said = (v: unknown) => JSON.stringify(v === undefined || v === '' || (Array.isArray(v) && v.length === 0) ? null : v);
  // A removal always goes: a worker's earlier one can be in the values without counting.
  return changes.filter((c) => c.field === 'deleted' || said(c.value) !== said(shown.values[c.field]));
}

export function newId(): string {
  return uuidv7();
}

function isDeleted(r: Record): boolean {
  const d = r.fields.deleted;
  if (!d || d.value.field !== 'deleted' || !d.value.value) return false;
  // The same rule as Record::is_deleted: a worker's delete counts only until the owner writes.
  return d.author.person === r.owner || !r.owner_touched;
}

export function fromServer(r: Record): Item {
  const values: Item['values'] = {};
  const writers: Item['writers'] = {};
  const changedBy: Item['changedBy'] = {};
  const stamps: Stamps = {};
  for (const [name, state] of Object.entries(r.fields)) {
    if (!state) continue;
    (stamps as { [k: string]: Stamp })[name] = state.stamp;
    (values as { [k: string]: unknown })[name] = state.value.value;
    (writers as { [k: string]: unknown })[name] = state.author;
    changedBy[state.author.person] = Math.max(changedBy[state.author.person] ?? 0, state.stamp.hlc.ms);
  }
  return {
    id: r.id,
    kind: r.kind,
    owner: r.owner,
    createdBy: r.created_by,
    values,
    writers,
    conflicts: r.conflicts,
    unsent: false,
    suggestion: values.accepted === false,
    deleted: isDeleted(r),
    visibility: (values.visibility as Visibility | undefined) ?? 'private',
    changedAt: Math.max(0, ...Object.values(r.fields).map((f) => f?.stamp.hlc.ms ?? 0)),
    changedBy,
    stamps,
  };
}

/**
 * The record as the server now holds it after accepting `entry`, as far as its answer says
 * (`results`: each field's outcome and the version it was stored under; none when the answer
 * was lost, and the operation's own clock stands in). Written with the outbox entry's removal,
 * so the words are never in neither place: a pull cut short after the push would otherwise
 * leave them off the screen, and a server restored before that pull would leave them nowhere.
 * The next pull brings the server's exact copy.
 */
export function storedOnServer(record: Record | undefined, entry: OutboxEntry, author: Author, results?: FieldResult[]): Record | undefined {
  let r = record;
  for (const change of entry.op.changes) {
    const result = results ? results.find((f) => f.field === change.set.field) : { field: change.set.field, outcome: 'applied' as const, stamp: { hlc: entry.op.hlc, device: author.device } };
    if (!result || result.outcome === 'duplicate' || result.outcome === 'superseded') continue;
    r ??= {
      id: entry.op.record,
      kind: entry.op.kind,
      owner: entry.op.owner,
      created_by: author,
      created: result.stamp,
      owner_touched: author.person === entry.op.owner,
      fields: {},
      conflicts: [],
    };
    const state = { value: change.set, stamp: result.stamp, base: change.base, author };
    if (result.outcome === 'kept_as_conflict') {
      if (!r.conflicts.some((c) => sameStamp(c.stamp, state.stamp))) r = { ...r, conflicts: [...r.conflicts, state] };
      continue;
    }
    const current = r.fields[change.set.field];
    if (current && stampAfter(current.stamp, state.stamp)) continue;
    r = { ...r, fields: { ...r.fields, [change.set.field]: state }, owner_touched: r.owner_touched || author.person === r.owner };
  }
  return r;
}

/** Applies unsent operations over an item (or makes the item, for a record not yet sent). */
export function replay(item: Item | undefined, entry: OutboxEntry): Item {
  const op = entry.op;
  const base: Item = item
    ? { ...item, values: { ...item.values }, writers: { ...item.writers } }
    : {
        id: op.record,
        kind: op.kind,
        owner: op.owner,
        createdBy: null,
        values: { visibility: entry.person === op.owner ? 'private' : 'worker', accepted: entry.person === op.owner },
        writers: {},
        conflicts: [],
        unsent: true,
        suggestion: entry.person !== op.owner,
        deleted: false,
        visibility: entry.person === op.owner ? 'private' : 'worker',
        changedAt: entry.madeAt,
        changedBy: {},
        stamps: {},
      };
  for (const change of op.changes) {
    (base.values as { [k: string]: unknown })[change.set.field] = change.set.value;
    (base.writers as { [k: string]: unknown })[change.set.field] = null;
  }
  base.unsent = true;
  base.visibility = (base.values.visibility as Visibility | undefined) ?? 'private';
  base.suggestion = base.values.accepted === false;
  base.deleted = base.values.deleted === true && (entry.person === op.owner || base.deleted);
  return base;
}

/** Everything the screen shows: server records, then this device's unsent edits on top. */
export async function view(db: Db): Promise<Item[]> {
  const tx = db.transaction(['records', 'outbox'], 'readonly');
  const [records, outbox] = await Promise.all([tx.objectStore('records').getAll(), tx.objectStore('outbox').getAll()]);
  const items = new Map<string, Item>(records.map((r) => [r.id, fromServer(r)]));
  for (const entry of outbox.sort((a, b) => a.seq - b.seq)) {
    items.set(entry.op.record, replay(items.get(entry.op.record), entry));
  }
  return [...items.values()].filter((i) => !i.deleted && shown(i));
}

/** The records `ids` as the screen shows them now, read from the store (undefined: not shown). */
export async function readItems(db: Db, ids: string[]): Promise<Map<string, Item | undefined>> {
  const tx = db.transaction(['records', 'outbox'], 'readonly');
  const [records, outbox] = await Promise.all([Promise.all(ids.map((id) => tx.objectStore('records').get(id))), tx.objectStore('outbox').getAll()]);
  const fresh = new Map<string, Item | undefined>(ids.map((id, i) => [id, records[i] ? fromServer(records[i]) : undefined]));
  for (const entry of outbox.sort((a, b) => a.seq - b.seq)) {
    if (fresh.has(entry.op.record)) fresh.set(entry.op.record, replay(fresh.get(entry.op.record), entry));
  }
  for (const [id, item] of fresh) if (item) fresh.set(id, shown(item));
  return fresh;
}

/** `items` with some records replaced by `fresh` ones: new ones at the end, deleted ones gone. */
export function withItems(items: Item[], fresh: Map<string, Item | undefined>): Item[] {
  if (fresh.size === 0) return items;
  // One pass and no array per item: this runs at every save, over every record the phone holds.
  const out: Item[] = [];
  const replaced = new Set<string>();
  for (const item of items) {
    if (!fresh.has(item.id)) {
      out.push(item);
      continue;
    }
    replaced.add(item.id);
    const next = fresh.get(item.id);
    if (next && !next.deleted) out.push(next);
  }
  for (const [id, next] of fresh) if (!replaced.has(id) && next && !next.deleted) out.push(next);
  return out;
}

/**
 * The view after one more local edit, without reading the store again: what `view` would give,
 * in time for the next frame however many records the phone holds. `removed`: the item as the
 * screen last had it, for an edit to one the list no longer holds (putting it back).
 */
export function withEdit(items: Item[], entry: OutboxEntry, removed?: Item): Item[] {
  const id = entry.op.record;
  return withItems(items, new Map([[id, shown(replay(items.find((i) => i.id === id) ?? removed, entry))]]));
}

/**
 * The item, if there is anything of it to show. An edit to a record this phone no longer holds
 * (put back after its removal was pulled, or a suggestion taken back under an unsent change)
 * replays into an item with no words: it is shown once the server's copy comes, not as an empty card.
 */
function shown(item: Item): Item | undefined {
  return item.values.text === undefined && item.values.title === undefined ? undefined : item;
}

/** When this worker last looked at each young person's page: the later of two, person by person. */
export type Looks = { [person: PersonId]: number };

export function laterLooks(a: Looks, b: Looks): Looks {
  let out = a;
  for (const [person, at] of Object.entries(b)) {
    if ((out[person] ?? 0) < at) out = { ...out, [person]: at };
  }
  return out;
}

/** The looks the server keeps for a key worker, made on any device of theirs (`/api/me`). */
export function looksIn(caseload: { id: PersonId; looked_at?: number }[]): Looks {
  const looks: Looks = {};
  for (const p of caseload) if (p.looked_at !== undefined) looks[p.id] = p.looked_at;
  return looks;
}

/** Looks made here that the server hasn't been told of (it was out of reach then). */
export function looksToTell(mine: Looks, caseload: { id: PersonId; looked_at?: number }[]): [PersonId, number][] {
  return caseload.flatMap((p): [PersonId, number][] => {
    const at = mine[p.id];
    return at !== undefined && at > (p.looked_at ?? 0) ? [[p.id, at]] : [];
  });
}

/** Adds `look` to what is stored. */
export function storeLook(db: Db, look: Looks): Promise<void> {
  return addToMeta<Looks>(db, 'looked', {}, (stored) => laterLooks(stored, look));
}

/** Notices put away: `shown` and `more`, the same list back when nothing is new in it. */
export function withPutAway(shown: string[], more: string[]): string[] {
  return more.every((k) => shown.includes(k)) ? shown : [...new Set([...shown, ...more])];
}

export function storePutAway(db: Db, keys: string[]): Promise<void> {
  return addToMeta<string[]>(db, 'put-away', [], (stored) => withPutAway(stored, keys));
}

/** Notices put away here that the server hasn't been told of (it was out of reach then), about
 *  records this device still holds: the server refuses the lot if one is about a record the
 *  person can no longer see (a young person a worker no longer supports). */
export function putAwayToTell(mine: string[], theirs: string[], held: Set<string>): string[] {
  const told = new Set(theirs);
  return mine.filter((key) => !told.has(key) && held.has(key.split('/')[0]));
}

/** Reads, adds to and writes back one value in `meta` in one transaction, so two pages (or tabs)
 *  adding at once both keep theirs. `add` gives back what it was given when it adds nothing. */
async function addToMeta<T>(db: Db, key: string, empty: T, add: (stored: T) => T): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  const stored = ((await tx.store.get(key)) as T | undefined) ?? empty;
  const next = add(stored);
  if (next !== stored) await tx.store.put(next, key);
  await tx.done;
}

/** What this device keeps from the server, in `meta`: gone with the records below. */
const PULLED_META = ['cursor', CATCHING_UP, 'me', 'looked', 'put-away', 'alerts', RESTORE_SNAPSHOT];

/** The session ended elsewhere (signed out everywhere, a lost phone, a device ended by an admin):
 *  what came from the server goes from this device now, not when someone next signs in. Only
 *  what is not sent yet stays (the records it changes with it), to go when the same person signs
 *  in again; everything else comes back then, pulled afresh. */
export async function forgetPulled(db: Db): Promise<void> {
  const tx = db.transaction(['records', 'outbox', 'rejected', 'meta'], 'readwrite');
  const waiting = [...(await tx.objectStore('outbox').getAll()), ...(await tx.objectStore('rejected').getAll())];
  const keep = new Set(waiting.map((e) => e.op.record));
  const records = tx.objectStore('records');
  for (const id of await records.getAllKeys()) if (!keep.has(id)) await records.delete(id);
  for (const key of PULLED_META) await tx.objectStore('meta').delete(key);
  await tx.done;
}

export async function unsentCount(db: Db): Promise<number> {
  return db.count('outbox');
}

/**
 * A young person's small steps or ratings, changed on two of their devices at once (a phone
 * offline and the drop-in's tablet): the merge keeps one list and the other as a conflict, so a
 * rating or a step added on one device would drop out of sight. These lists mostly grow, so the
 * way to keep every word is the union: what is there now, plus whatever their other version had
 * that it lacks (a step by its words, a rating by its day; where both have a rating for a day,
 * what is there now stays; a step done in either is done). A step reworded or removed on one
 * device then comes back beside the new words: one more tap to remove, never words lost.
 * Returns the writes that would mend `r`, none once nothing is missing.
 */
export function ownListMends(r: Record, me: PersonId): FieldValue[] {
  if (r.owner !== me) return [];
  const mends: FieldValue[] = [];
  for (const field of ['steps', 'ratings'] as const) {
    const now = r.fields[field]?.value;
    const theirs = r.conflicts.filter((c) => c.author.person === me && c.value.field === field).map((c) => c.value);
    if (theirs.length === 0) continue;
    let mended: FieldValue;
    if (field === 'steps') {
      const steps = now?.field === 'steps' ? [...now.value] : [];
      for (const v of theirs) {
        if (v.field !== 'steps') continue;
        for (const s of v.value) {
          const i = steps.findIndex((x) => x.text === s.text);
          if (i < 0) steps.push(s);
          // A step ticked on either device is done: progress made on the bus isn't lost to a
          // step added at the drop-in. (An untick on one device meeting such a change is the
          // rarer loss, and is one tap to redo.)
          else if (s.done && !steps[i].done) steps[i] = { ...steps[i], done: true };
        }
      }
      // Past the most a goal holds, the rest stay findable as the kept version.
      mended = { field: 'steps', value: steps.slice(0, LIMITS.steps) };
    } else {
      const ratings = now?.field === 'ratings' ? [...now.value] : [];
      for (const v of theirs) if (v.field === 'ratings') for (const x of v.value) if (!ratings.some((y) => y.date === x.date)) ratings.push(x);
      ratings.sort((a, b) => a.date.localeCompare(b.date));
      mended = { field: 'ratings', value: ratings.slice(-LIMITS.ratings) };
    }
    if (JSON.stringify(mended.value) !== JSON.stringify(now?.value ?? [])) mends.push(mended);
  }
  return mends;
}
