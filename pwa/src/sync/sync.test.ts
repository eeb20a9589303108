import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PUSH_BODY_MAX } from '../generated/tandem';
import type { Author, CompactPullResponse, CompactRecord, FieldRow, FieldState, PackedField, PackedPullResponse, PackedRecord, PullResponse, PushRequest, PushResponse, Record as ServerRecord, Stamp, StampRow, WriteRow } from '../generated/tandem';
import { ApiFailure, backoff, request, STALL_MS } from './api';
import { CATCHING_UP, closeForGood, type Db, open, whileOpen } from './db';
import { serverWasRestored } from './restored';
import { EVENTS_SILENT_MS, PULL_PAGE, SyncEngine, type SyncState, takeBatch, toldOf } from './engine';
import { changedOnly, edit, forgetPulled, knowEditBasis, laterLooks, looksIn, looksToTell, ownListMends, putAwayToTell, readItems, storedOnServer, storeLook, storePutAway, view, withEdit, withItems } from './local';
import { SessionManager } from './session';
import { recordOf, recordsOfPacked } from './compact';
import { syncWords } from '../ui/words';

const ME = '0190a000-0000-7000-8000-000000000001';
const OTHER = '0190a000-0000-7000-8000-000000000002';
const DEVICE = '0190a000-0000-7000-8000-0000000000d1';
let db: Db;
let n = 0;

beforeEach(async () => {
  db = await open(`test-${++n}`);
  await db.put('meta', { person: ME, role: 'young_person', displayName: 'Ash', refreshToken: 'r1', sharedDevice: false }, 'session');
  await db.put('meta', DEVICE, 'device');
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  db.close();
});

type Handler = (path: string, body: unknown) => { status: number; json: unknown } | 'network-down';
/** A server answering with `handler`. Like a real one it remembers how many of the device's
 *  operations it has stored, and says so in every pull (a server that forgets has been restored
 *  from a backup: see the tests of that). */
function fakeServer(handler: Handler) {
  const calls: { path: string; body: unknown; auth: string | null }[] = [];
  let stored = 0;
  vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ path, body, auth: (init.headers as Record<string, string>).authorization ?? null });
    const answer = handler(path, body);
    if (answer === 'network-down') throw new TypeError('Failed to fetch');
    const json = answer.json as { last_applied?: number } | null;
    if (answer.status === 200 && json && typeof json.last_applied === 'number') {
      if (path.includes('push')) stored = Math.max(stored, json.last_applied);
      else answer.json = { ...json, last_applied: Math.max(stored, json.last_applied) };
    }
    return new Response(JSON.stringify(answer.json), { status: answer.status, headers: { 'content-type': 'application/json' } });
  });
  return calls;
}

function engine(opts: Partial<{ refresh: () => Promise<string | null>; states: SyncState[]; signedOut: () => void }> = {}) {
  const states = opts.states ?? [];
  return new SyncEngine({
    db,
    auth: { access: 'a1', refresh: opts.refresh ?? (async () => null) },
    onChange: () => undefined,
    onState: (s) => states.push(s),
    onSignedOut: opts.signedOut ?? (() => undefined),
    channelName: `test-${n}`,
    random: () => 0.5,
  });
}

const noChanges: PullResponse = { records: [], removed: [], cursor: 0, more: false, last_applied: 0 };

/** A record as the server sends it in a compact pull. */
function compact(r: ServerRecord): CompactRecord {
  const row = (f: FieldState): FieldRow => {
    const base: StampRow | null = f.base ? [f.base.hlc.ms, f.base.hlc.count, f.base.device] : null;
    const authorDevice = f.author.device === f.stamp.device ? null : f.author.device;
    return [f.value, f.stamp.hlc.ms, f.stamp.hlc.count, f.stamp.device, base, f.author.person, f.author.role, authorDevice];
  };
  const { fields, conflicts, ...head } = r;
  return { ...head, body: [Object.values(fields).flatMap((f) => (f ? [row(f)] : [])), conflicts.map(row)] };
}
/** A page as the server sends it in a packed pull: each person, device and write once. */
function page(p: PullResponse): PackedPullResponse {
  const [people, devices, writes]: [string[], string[], WriteRow[]] = [[], [], []];
  const at = <T>(list: T[], x: T, same = (a: T) => a === x) => {
    const i = list.findIndex(same);
    return i >= 0 ? i : list.push(x) - 1;
  };
  const write = (stamp: Stamp, author: Author, base: Stamp | null): number => {
    const row: WriteRow = [
      stamp.hlc.ms, stamp.hlc.count, at(devices, stamp.device), at(people, author.person), author.role,
      author.device === stamp.device ? null : at(devices, author.device),
      base ? [base.hlc.ms, base.hlc.count, at(devices, base.device)] : null,
    ];
    return at(writes, row, (w) => JSON.stringify(w) === JSON.stringify(row));
  };
  const field = (f: FieldState): PackedField => [f.value, write(f.stamp, f.author, f.base)];
  const records = p.records.map((r): PackedRecord => [
    r.id, r.kind, at(people, r.owner), write(r.created, r.created_by, null), r.owner_touched,
    Object.values(r.fields).flatMap((f) => (f ? [field(f)] : [])), r.conflicts.map(field),
  ]);
  return { ...p, people, devices, writes, records };
}
const emptyPull = page(noChanges);
function applyAll(body: unknown): PushResponse {
  const req = body as PushRequest;
  return { results: req.ops.map((op) => ({ seq: op.seq, status: 'applied', reason: null, fields: [] })), last_applied: req.ops[req.ops.length - 1]?.seq ?? 0 };
}

function serverGoal(title: string, stampMs = 5): ServerRecord {
  const stamp = { hlc: { ms: stampMs, count: 0 }, device: OTHER };
  const author = { person: ME, role: 'young_person' as const, device: OTHER };
  return {
    id: 'g1', kind: 'goal', owner: ME, created_by: author, created: stamp, owner_touched: true, conflicts: [],
    fields: {
      title: { value: { field: 'title', value: title }, stamp, base: null, author },
      visibility: { value: { field: 'visibility', value: 'private' }, stamp, base: null, author },
    },
  };
}

describe("a young person's two devices at once", () => {
  /** A goal whose ratings a tablet and this phone both added to: the tablet's list won. */
  function ratedOnTwoDevices(current: { date: string; score: number }[], kept: { date: string; score: number }[]): ServerRecord {
    const g = serverGoal('Go to college');
    const at = (ms: number, device: string) => ({ hlc: { ms, count: 0 }, device });
    const author = (device: string) => ({ person: ME, role: 'young_person' as const, device });
    g.fields.ratings = { value: { field: 'ratings', value: current }, stamp: at(20, OTHER), base: at(10, OTHER), author: author(OTHER) };
    g.conflicts = [{ value: { field: 'ratings', value: kept }, stamp: at(15, DEVICE), base: at(10, OTHER), author: author(DEVICE) }];
    return g;
  }

  it('writes back a rating the other device lost sight of, once, and keeps what is there', async () => {
    const record = ratedOnTwoDevices([{ date: '2026-11-02', score: 6 }], [{ date: '2026-11-01', score: 3 }, { date: '2026-11-02', score: 9 }]);
    let served = false;
    const calls = fakeServer((path, body) => {
      if (path.includes('push')) return { status: 200, json: applyAll(body) };
      if (path.startsWith('/api/alerts')) return { status: 200, json: [] };
      if (served) return { status: 200, json: emptyPull };
      served = true;
      return { status: 200, json: page({ records: [record], removed: [], cursor: 3, more: false, last_applied: 0 }) };
    });
    const e = engine();
    await e.syncNow();
    const pushes = calls.filter((c) => c.path.includes('push')).map((c) => c.body as PushRequest);
    expect(pushes).toHaveLength(1);
    const [change] = pushes[0].ops[0].changes;
    expect(change.set).toEqual({ field: 'ratings', value: [{ date: '2026-11-01', score: 3 }, { date: '2026-11-02', score: 6 }] });
    expect(change.base).toEqual(record.fields.ratings?.stamp);
    expect(await db.count('outbox')).toBe(0);
    e.stop();
  });

  it('writes nothing when nothing is missing, and nothing for a worker\'s kept version', async () => {
    const mended = ratedOnTwoDevices([{ date: '2026-11-01', score: 3 }, { date: '2026-11-02', score: 6 }], [{ date: '2026-11-01', score: 3 }]);
    const workers = ratedOnTwoDevices([{ date: '2026-11-02', score: 6 }], [{ date: '2026-11-01', score: 3 }]);
    workers.id = 'g2';
    workers.conflicts[0].author = { person: OTHER, role: 'key_worker', device: OTHER };
    const calls = fakeServer((path) => ({ status: 200, json: path.startsWith('/api/alerts') ? [] : page({ records: [mended, workers], removed: [], cursor: 3, more: false, last_applied: 0 }) }));
    const states: SyncState[] = [];
    const e = engine({ states });
    await e.syncNow();
    expect(states[states.length - 1].kind).toBe('idle');
    expect(await db.get('records', 'g2')).toBeTruthy();
    expect(calls.filter((c) => c.path.includes('push'))).toHaveLength(0);
    e.stop();
  });

  it('adds a step from the other version, and never goes past the most a goal holds', () => {
    const g = serverGoal('Go to college');
    const author = { person: ME, role: 'young_person' as const, device: DEVICE };
    const stamp = { hlc: { ms: 9, count: 0 }, device: DEVICE };
    const steps = (texts: string[]) => texts.map((text) => ({ text, done: false }));
    g.fields.steps = { value: { field: 'steps', value: [{ text: 'Get the form', done: true }] }, stamp, base: null, author };
    g.conflicts = [{ value: { field: 'steps', value: steps(['Get the form', 'Book a visit']) }, stamp, base: null, author }];
    expect(ownListMends(g, ME)).toEqual([{ field: 'steps', value: [{ text: 'Get the form', done: true }, { text: 'Book a visit', done: false }] }]);
    // Ticked on the phone while the tablet added a step: the tick stays.
    g.conflicts.push({ value: { field: 'steps', value: [{ text: 'Get the form', done: true }, { text: 'Book a visit', done: true }] }, stamp, base: null, author });
    expect(ownListMends(g, ME)).toEqual([{ field: 'steps', value: [{ text: 'Get the form', done: true }, { text: 'Book a visit', done: true }] }]);
    g.fields.steps.value = { field: 'steps', value: steps(Array.from({ length: 30 }, (_, i) => `step ${i}`)) };
    expect(ownListMends(g, ME)).toEqual([]);
    expect(ownListMends(g, OTHER)).toEqual([]);
  });
});

describe('a store closed for good (signed out)', () => {
  it('lets work still under way on it end quietly, and still throws any other failure', async () => {
    const mine = await open(`test-closing-${++n}`);
    const pending = whileOpen(mine, async () => {
      await new Promise((r) => setTimeout(r, 0));
      return mine.get('meta', 'session');
    });
    closeForGood(mine);
    await expect(pending).resolves.toBeUndefined();
    // The same failure on a store nobody closed on purpose is a bug, and says so.
    const other = await open(`test-closing-${++n}`);
    other.close();
    await expect(whileOpen(other, () => other.get('meta', 'session'))).rejects.toThrow();
  });
});

describe('a session ended elsewhere (a lost phone)', () => {
  it('leaves only what is not sent yet: the records it changes, the session and the words being typed', async () => {
    const pulled = (id: string, title: string): ServerRecord => ({ ...serverGoal(title), id });
    await db.put('records', pulled('sent', 'Already on the server'));
    await db.put('records', pulled('changing', 'Being changed offline'));
    await edit(db, { id: 'changing', kind: 'goal', owner: ME }, [{ field: 'title', value: 'Changed offline' }]);
    await edit(db, { id: 'new', kind: 'goal', owner: ME }, [{ field: 'title', value: 'Written offline' }]);
    await db.put('meta', 7, 'cursor');
    await db.put('meta', { workers: [{ id: OTHER, display_name: 'Sam' }], caseload: [] }, 'me');
    await db.put('meta', 'half a sentence', 'draft/new/strength');

    await forgetPulled(db);

    expect((await db.getAllKeys('records')).sort()).toEqual(['changing']);
    expect(await db.count('outbox')).toBe(2);
    expect(await db.get('meta', 'cursor')).toBeUndefined();
    expect(await db.get('meta', 'me')).toBeUndefined();
    expect(await db.get('meta', 'session')).toMatchObject({ person: ME });
    expect(await db.get('meta', 'draft/new/strength')).toBe('half a sentence');
    const titles = (await view(db)).map((i) => i.values.title).sort();
    expect(titles).toEqual(['Changed offline', 'Written offline']);
  });
});

/** How many transactions the edits inside `run` took. */
async function transactions(run: () => Promise<unknown>): Promise<number> {
  const spy = vi.spyOn(IDBDatabase.prototype, 'transaction');
  try {
    await run();
    return spy.mock.calls.length;
  } finally {
    spy.mockRestore();
  }
}

/** How many of the edit's reads were answered when its first write was asked for: none when
 *  it is written in one go, all of them when it is written after reading (with a transaction
 *  count, one go that was not abandoned). */
async function readsAnsweredBeforeWriting(run: () => Promise<unknown>): Promise<number | undefined> {
  let answered = 0;
  let atFirstWrite: number | undefined;
  const get = IDBObjectStore.prototype.get;
  const put = IDBObjectStore.prototype.put;
  const gets = vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(function (this: IDBObjectStore, ...args) {
    const request = get.apply(this, args);
    request.addEventListener('success', () => answered++);
    return request;
  });
  const puts = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, ...args) {
    atFirstWrite ??= answered;
    return put.apply(this, args);
  });
  try {
    await run();
    return atFirstWrite;
  } finally {
    gets.mockRestore();
    puts.mockRestore();
  }
}

/** An edit, and whether it went in one go: one transaction, its writes asked for before any of
 *  its reads was answered. */
async function oneGo(run: () => ReturnType<typeof edit>): Promise<[Awaited<ReturnType<typeof edit>>, boolean]> {
  let entry: Awaited<ReturnType<typeof edit>> | undefined;
  let answered: number | undefined;
  const count = await transactions(async () => (answered = await readsAnsweredBeforeWriting(async () => (entry = await run()))));
  return [entry!, count === 1 && answered === 0];
}

describe('an edit written in one go', () => {
  const goal = (id: string) => ({ id, kind: 'goal' as const, owner: ME });

  it('takes one transaction when nothing it reads has changed since the last edit', async () => {
    await db.put('records', serverGoal('Server words', 77));
    const [shown] = await view(db);
    await edit(db, goal('new'), [{ field: 'title', value: 'First' }], 1000, {});
    let entry;
    expect(await transactions(async () => (entry = await edit(db, goal('g1'), [{ field: 'title', value: 'Second' }], 1000, shown.stamps)))).toBe(1);
    expect(entry).toMatchObject({ seq: 2, person: ME, op: { hlc: { ms: 1000, count: 1 }, changes: [{ base: { hlc: { ms: 77, count: 0 }, device: OTHER } }] } });
    expect((await db.getAll('outbox')).map((e) => e.seq)).toEqual([1, 2]);
    expect(await db.get('meta', 'seq')).toBe(2);
    expect(await db.get('meta', 'clock')).toEqual({ ms: 1000, count: 1 });
  });

  it('the first edit in a tab, once what it depends on was read with the screen: one transaction, numbered after what is stored', async () => {
    await db.put('meta', 41, 'seq');
    await db.put('meta', { ms: 5000, count: 3 }, 'clock');
    await knowEditBasis(db);
    const [entry, inOneGo] = await oneGo(() => edit(db, goal('g'), [{ field: 'title', value: 'Opened and saved' }], 1000, {}));
    expect(inOneGo).toBe(true);
    expect(entry).toMatchObject({ seq: 42, person: ME, op: { hlc: { ms: 5000, count: 4 } } });
    expect(await db.get('meta', 'seq')).toBe(42);
  });

  it("read before this device's first edit (no number or clock yet): that edit is number 1, in one go", async () => {
    await knowEditBasis(db);
    const [entry, inOneGo] = await oneGo(() => edit(db, goal('g'), [{ field: 'title', value: 'First ever' }], 1000, {}));
    expect(inOneGo).toBe(true);
    expect(entry).toMatchObject({ seq: 1, op: { hlc: { ms: 1000, count: 0 } } });
    expect(await db.get('meta', 'seq')).toBe(1);
  });

  it("read before this device's id was stored: the edit reads, and stores one", async () => {
    await db.delete('meta', 'device');
    await knowEditBasis(db);
    expect(await readsAnsweredBeforeWriting(() => edit(db, goal('g'), [{ field: 'title', value: 'First ever' }], 1000, {}))).toBe(5);
    expect(await db.get('meta', 'device')).toEqual(expect.any(String));
    expect((await db.getAll('outbox')).map((e) => e.seq)).toEqual([1]);
  });

  it('read, then a pull moved the clock before the save: written after reading, after that clock', async () => {
    await db.put('meta', 7, 'seq');
    await db.put('meta', { ms: 5000, count: 0 }, 'clock');
    await knowEditBasis(db);
    await db.put('meta', { ms: 9000, count: 2 }, 'clock');
    let entry;
    expect(await transactions(async () => (entry = await edit(db, goal('g'), [{ field: 'title', value: 'After the pull' }], 1000, {})))).toBe(2);
    expect(entry).toMatchObject({ seq: 8, op: { hlc: { ms: 9000, count: 3 } } });
    expect(await db.getAll('outbox')).toHaveLength(1);
  });

  it("another tab's edit in between: the other is kept, and this one is numbered after it", async () => {
    await edit(db, goal('a'), [{ field: 'title', value: 'Here' }], 1000, {});
    // Another tab of the same app on this phone saves meanwhile.
    const theirs = { seq: 2, person: ME, madeAt: 2000, op: { seq: 2, record: 'b', kind: 'goal' as const, owner: ME, hlc: { ms: 2000, count: 0 }, changes: [{ set: { field: 'title' as const, value: 'There' }, base: null }] } };
    await db.put('outbox', theirs);
    await db.put('meta', 2, 'seq');
    await db.put('meta', { ms: 2000, count: 0 }, 'clock');
    let entry;
    expect(await transactions(async () => (entry = await edit(db, goal('c'), [{ field: 'title', value: 'Here again' }], 1500, {})))).toBe(2);
    expect(entry).toMatchObject({ seq: 3, op: { hlc: { ms: 2000, count: 1 } } });
    expect(await db.getAll('outbox')).toMatchObject([{ seq: 1 }, theirs, { seq: 3, op: { record: 'c' } }]);
  });

  it('the outbox renumbered meanwhile (as after a server restored from a backup): numbered after it', async () => {
    await edit(db, goal('a'), [{ field: 'title', value: 'Here' }], 1000, {});
    await db.put('meta', 5, 'seq');
    expect((await edit(db, goal('b'), [{ field: 'title', value: 'Next' }], 1000, {})).seq).toBe(6);
    expect((await db.getAll('outbox')).map((e) => e.seq)).toEqual([1, 6]);
  });

  it("this device's id gone meanwhile: the edit stores a new one with it", async () => {
    await edit(db, goal('a'), [{ field: 'title', value: 'Here' }], 1000, {});
    await db.delete('meta', 'device');
    await edit(db, goal('b'), [{ field: 'title', value: 'Next' }], 1000, {});
    expect(await db.get('meta', 'device')).toEqual(expect.any(String));
  });

  it('a version pulled since the screen was drawn: the edit names that one', async () => {
    await db.put('records', serverGoal('Server words', 77));
    const [shown] = await view(db);
    await edit(db, goal('new'), [{ field: 'title', value: 'First' }], 1000, {});
    await db.put('records', serverGoal("Their worker's words", 90));
    const entry = await edit(db, goal('g1'), [{ field: 'title', value: 'Mine' }], 1000, shown.stamps);
    expect(entry.op.changes[0].base).toEqual({ hlc: { ms: 90, count: 0 }, device: OTHER });
    expect((await db.getAll('outbox')).map((e) => e.op.changes[0].base?.hlc.ms ?? null)).toEqual([null, 90]);
  });

  it('signed out meanwhile: nothing is written, and the edit says so', async () => {
    await edit(db, goal('a'), [{ field: 'title', value: 'Here' }], 1000, {});
    await db.delete('meta', 'session');
    await expect(edit(db, goal('b'), [{ field: 'title', value: 'Too late' }], 1000, {})).rejects.toThrow('Sign in first.');
    expect((await db.getAll('outbox')).map((e) => e.op.record)).toEqual(['a']);
    expect(await db.get('meta', 'seq')).toBe(1);
    expect(await db.get('meta', 'clock')).toEqual({ ms: 1000, count: 0 });
  });
});

describe('the outbox', () => {
  it('writes the change and its numbered outbox entry together', async () => {
    await edit(db, { id: 'g1', kind: 'goal', owner: ME }, [{ field: 'title', value: 'Get a job' }], 1000);
    await edit(db, { id: 'g1', kind: 'goal', owner: ME }, [{ field: 'why', value: 'Money' }], 1000);
    const outbox = await db.getAll('outbox');
    expect(outbox.map((e) => e.seq)).toEqual([1, 2]);
    expect(outbox[0].person).toBe(ME);
    expect(outbox[1].op.hlc).toEqual({ ms: 1000, count: 1 });
    expect(await db.get('meta', 'seq')).toBe(2);
    const [goal] = await view(db);
    expect(goal.values).toMatchObject({ title: 'Get a job', why: 'Money' });
    expect(goal.unsent).toBe(true);
  });

  it('forgets the drafts the words were typed in, in the same transaction, whether written after reading or in one go', async () => {
    await db.put('meta', 'Half of what I', 'draft/statement/mine');
    await db.put('meta', 'Kept for later', 'draft/strength/mine');
    const goal = { id: 's1', kind: 'statement' as const, owner: ME };
    // The tab's first edit (after reading), then its second (in one go).
    expect(await transactions(() => edit(db, goal, [{ field: 'text', value: 'Half of what I want to say' }], 1000, {}, ['draft/statement/mine']))).toBe(1);
    expect(await db.get('meta', 'draft/statement/mine')).toBeUndefined();
    await db.put('meta', 'The next words', 'draft/statement/mine');
    const [, inOneGo] = await oneGo(() => edit(db, { ...goal, id: 's2' }, [{ field: 'text', value: 'The next words' }], 1000, {}, ['draft/statement/mine']));
    expect(inOneGo).toBe(true);
    expect(await db.get('meta', 'draft/statement/mine')).toBeUndefined();
    // Another form's draft stays.
    expect(await db.get('meta', 'draft/strength/mine')).toBe('Kept for later');
  });

  it('an edit that is not stored leaves its draft', async () => {
    await db.put('meta', 'Typed before signing out elsewhere', 'draft/statement/mine');
    await db.delete('meta', 'session');
    await expect(edit(db, { id: 's1', kind: 'statement', owner: ME }, [{ field: 'text', value: 'Typed before signing out elsewhere' }], 1000, {}, ['draft/statement/mine'])).rejects.toThrow('Sign in first.');
    expect(await db.get('meta', 'draft/statement/mine')).toBe('Typed before signing out elsewhere');
  });

  it('bases each change on the version last pulled from the server', async () => {
    await db.put('records', serverGoal('Old words', 77));
    const entry = await edit(db, { id: 'g1', kind: 'goal', owner: ME }, [{ field: 'title', value: 'New words' }]);
    expect(entry.op.changes[0].base).toEqual({ hlc: { ms: 77, count: 0 }, device: OTHER });
  });

  it('shows unsent words on top of what the server has', async () => {
    await db.put('records', serverGoal('Server words'));
    await edit(db, { id: 'g1', kind: 'goal', owner: ME }, [{ field: 'title', value: 'My newer words' }]);
    const [goal] = await view(db);
    expect(goal.values.title).toBe('My newer words');
  });

  it('a save sends only the fields it changes from what the screen shows', async () => {
    await db.put('records', serverGoal('Server words'));
    await edit(db, { id: 'g1', kind: 'goal', owner: ME }, [{ field: 'steps', value: [{ text: 'Ring them', done: false }] }]);
    const [goal] = await view(db);
    // A form's untouched fields (an empty "why" shows as nothing, as none does) go nowhere.
    expect(changedOnly(goal, [{ field: 'title', value: 'Server words' }, { field: 'why', value: '' }])).toEqual([]);
    expect(changedOnly(goal, [{ field: 'steps', value: [{ text: 'Ring them', done: false }] }])).toEqual([]);
    expect(changedOnly(goal, [{ field: 'title', value: 'Server words' }, { field: 'why', value: 'Because' }])).toEqual([{ field: 'why', value: 'Because' }]);
    expect(changedOnly(goal, [{ field: 'steps', value: [{ text: 'Ring them', done: true }] }])).toHaveLength(1);
    // A removal always goes; and a thing the screen doesn't show yet (new) takes every field.
    expect(changedOnly(goal, [{ field: 'deleted', value: true }])).toHaveLength(1);
    expect(changedOnly({ ...goal, values: { ...goal.values, deleted: true } }, [{ field: 'deleted', value: true }])).toHaveLength(1);
    expect(changedOnly(undefined, [{ field: 'title', value: 'New' }, { field: 'why', value: '' }])).toHaveLength(2);
  });

  it('updates the screen in memory exactly as reading the store again would', async () => {
    await db.put('records', serverGoal('Server words'));
    let shown = await view(db);
    const edits = [
      { id: 'g1', changes: [{ field: 'title' as const, value: 'Changed on the bus' }] },
      { id: 'g2', changes: [{ field: 'title' as const, value: 'A new goal' }] },
      { id: 'g2', changes: [{ field: 'why' as const, value: 'Because' }] },
      { id: 'g1', changes: [{ field: 'deleted' as const, value: true }] },
    ];
    for (const { id, changes } of edits) {
      shown = withEdit(shown, await edit(db, { id, kind: 'goal', owner: ME }, changes));
      expect(shown).toEqual(await view(db));
    }
    expect(shown.map((i) => i.id)).toEqual(['g2']);
  });

  it('puts back something removed as the screen had it, and never shows an edit to a record it no longer holds as an empty card', async () => {
    await db.put('records', serverGoal('Learn to drive'));
    const before = await view(db);
    const goal = before.find((i) => i.id === 'g1')!;
    let shown = withEdit(before, await edit(db, goal, [{ field: 'deleted', value: true }]));
    expect(shown).toEqual([]);
    // The removal is pulled back from the server: the phone lets the record go.
    await db.clear('outbox');
    await db.delete('records', 'g1');
    shown = withEdit(shown, await edit(db, goal, [{ field: 'deleted', value: false }]), goal);
    expect(shown.map((i) => [i.id, i.values.title, i.deleted])).toEqual([['g1', 'Learn to drive', false]]);
    // Read from the store before the server's copy comes back, there are no words to show yet.
    expect(await view(db)).toEqual([]);
    expect((await readItems(db, ['g1'])).get('g1')).toBeUndefined();
  });
});

describe('push', () => {
  it('sends unsent operations in order and clears them once answered', async () => {
    const calls = fakeServer((path, body) => (path.includes('push') ? { status: 200, json: applyAll(body) } : { status: 200, json: emptyPull }));
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'one' }]);
    await edit(db, { id: 'b', kind: 'strength', owner: ME }, [{ field: 'text', value: 'two' }]);
    const e = engine();
    await e.syncNow();
    const push = calls.find((c) => c.path.includes('push'))?.body as PushRequest;
    expect(push.ops.map((o) => o.seq)).toEqual([1, 2]);
    expect(push.device).toBe(DEVICE);
    expect(await db.count('outbox')).toBe(0);
    e.stop();
  });

  it('sends a long time offline of long words in pushes the server can take, all of it, in order', async () => {
    const calls = fakeServer((path, body) => (path.includes('push') ? { status: 200, json: applyAll(body) } : { status: 200, json: emptyPull }));
    // 150 statements of 2,000 characters, each 4 bytes in UTF-8: 1.2 MB in all.
    for (let i = 0; i < 150; i++) await edit(db, { id: `s${i}`, kind: 'statement', owner: ME }, [{ field: 'text', value: '😊'.repeat(1000) + String(i).padStart(1000, '.') }]);
    const e = engine();
    await e.syncNow();
    const pushes = calls.filter((c) => c.path.includes('push'));
    expect(pushes.length).toBeGreaterThan(1);
    for (const p of pushes) expect(new TextEncoder().encode(JSON.stringify(p.body)).length).toBeLessThanOrEqual(PUSH_BODY_MAX);
    expect(pushes.flatMap((p) => (p.body as PushRequest).ops.map((o) => o.seq))).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(await db.count('outbox')).toBe(0);
    e.stop();
  });

  it('sends less at a time when something on the way refuses a push as too large', async () => {
    const calls = fakeServer((path, body) => {
      if (!path.includes('push')) return { status: 200, json: emptyPull };
      const ops = (body as PushRequest).ops.length;
      return ops > 2 ? { status: 413, json: { error: 'payload_too_large', message: 'too large' } } : { status: 200, json: applyAll(body) };
    });
    for (let i = 0; i < 5; i++) await edit(db, { id: `s${i}`, kind: 'strength', owner: ME }, [{ field: 'text', value: 'x'.repeat(100_000 / 5) }]);
    const states: SyncState[] = [];
    const e = engine({ states });
    await e.syncNow();
    expect(await db.count('outbox')).toBe(0);
    const sent = calls.filter((c) => c.path.includes('push') && (c.body as PushRequest).ops.length <= 2);
    expect(sent.flatMap((c) => (c.body as PushRequest).ops.map((o) => o.seq))).toEqual([1, 2, 3, 4, 5]);
    expect(states.some((s) => s.kind === 'failed')).toBe(false);
    e.stop();
  });

  it('takes at least one change into a push, however small the budget', () => {
    const entries = [1, 2, 3].map((seq) => ({ op: { seq } as unknown as import('../generated/tandem').Operation }));
    expect(takeBatch(entries, 1).length).toBe(1);
    expect(takeBatch(entries, 1_000_000).length).toBe(3);
    expect(takeBatch(entries, 1_000_000, 2).length).toBe(2);
  });

  it('words sent when the pull after them is cut short stay on the screen, as sent (they were vanishing until the next pull)', async () => {
    const at = { hlc: { ms: 7_000, count: 0 }, device: DEVICE };
    fakeServer((path, body) => {
      if (path.includes('pull')) return 'network-down';
      if (!path.includes('push')) return { status: 200, json: [] };
      const req = body as PushRequest;
      return { status: 200, json: { results: req.ops.map((op) => ({ seq: op.seq, status: 'applied', reason: null, fields: op.changes.map((c) => ({ field: c.set.field, outcome: 'applied', stamp: at })) })), last_applied: 1 } };
    });
    await edit(db, { id: 's1', kind: 'strength', owner: ME }, [{ field: 'text', value: 'I said no and meant it' }]);
    const e = engine();
    await e.syncNow();
    expect(await db.count('outbox')).toBe(0);
    const shown = (await view(db)).find((i) => i.id === 's1');
    expect(shown).toMatchObject({ unsent: false, values: { text: 'I said no and meant it' } });
    expect((await db.get('records', 's1'))?.fields.text?.stamp).toEqual(at);
    e.stop();
  });

  it('says the words are sent as soon as the server has them, not after the pull that follows (a round trip more on a weak signal)', async () => {
    let answerPull = () => undefined as void;
    const pullAnswered = new Promise<void>((resolve) => (answerPull = resolve));
    const reply = (json: unknown) => new Response(JSON.stringify(json), { status: 200, headers: { 'content-type': 'application/json' } });
    let pulling = false;
    vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
      if (path.includes('push')) return reply(applyAll(JSON.parse(String(init.body))));
      if (path.includes('pull')) {
        pulling = true;
        await pullAnswered;
        return reply({ ...emptyPull, last_applied: 1 });
      }
      return reply([]);
    });
    await edit(db, { id: 's1', kind: 'strength', owner: ME }, [{ field: 'text', value: 'Sent from the bus' }]);
    const states: SyncState[] = [];
    const told: (string[] | undefined)[] = [];
    const e = new SyncEngine({ db, auth: { access: 'a1', refresh: async () => null }, onChange: (r) => told.push(r), onState: (s) => states.push(s), onSignedOut: () => undefined, channelName: `test-${n}`, random: () => 0.5 });
    const round = e.syncNow();
    await vi.waitFor(() => expect(pulling).toBe(true));
    // The pull is still on its way: the words are said to be sent, and their card re-read.
    await vi.waitFor(() => expect(states.at(-1)).toMatchObject({ kind: 'idle', unsent: 0, lastSent: expect.any(Number) }));
    expect(syncWords(states.at(-1)!, true).text).toBe('Everything is sent.');
    expect(told).toEqual([['s1']]);
    expect((await view(db)).find((i) => i.id === 's1')?.unsent).toBe(false);
    answerPull();
    await round;
    expect(states.at(-1)).toMatchObject({ kind: 'idle', unsent: 0 });
    e.stop();
  });

  it('a round with nothing to send says nothing is sent before its pull is answered', async () => {
    let answerPull = () => undefined as void;
    const pullAnswered = new Promise<void>((resolve) => (answerPull = resolve));
    let pulling = false;
    vi.stubGlobal('fetch', async (path: string) => {
      if (path.includes('pull')) {
        pulling = true;
        await pullAnswered;
        return new Response(JSON.stringify(emptyPull), { status: 200, headers: { 'content-type': 'application/json' } });
      }
      return new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } });
    });
    const states: SyncState[] = [];
    const e = engine({ states });
    const round = e.syncNow();
    await vi.waitFor(() => expect(pulling).toBe(true));
    expect(states.map((s) => s.kind)).toEqual(['sending']);
    answerPull();
    await round;
    expect(states.at(-1)?.kind).toBe('idle');
    e.stop();
  });

  it('checks again without saying so when nothing waits and all was well, and says so after a failure', async () => {
    let down = false;
    fakeServer((path) => (down ? 'network-down' : path.includes('pull') ? { status: 200, json: emptyPull } : { status: 200, json: [] }));
    const states: SyncState[] = [];
    const e = engine({ states });
    await e.syncNow();
    // The second round at opening (the live stream asks for it): the status stays as it was.
    await e.syncNow();
    expect(states.map((s) => s.kind)).toEqual(['sending', 'idle', 'idle']);
    expect(syncWords(states.at(-1)!, true).text).toBe('Everything is sent.');
    down = true;
    await e.syncNow();
    down = false;
    await e.syncNow();
    expect(states.map((s) => s.kind).slice(3)).toEqual(['waiting', 'sending', 'idle']);
    e.stop();
  });

  it('what the server says of each field is what the device keeps until the next pull', () => {
    const me = { person: OTHER, role: 'key_worker' as const, device: DEVICE };
    const entry = { seq: 1, person: OTHER, madeAt: 0, op: { seq: 1, record: 'g1', kind: 'goal' as const, owner: ME, hlc: { ms: 9, count: 0 }, changes: [{ set: { field: 'title' as const, value: 'Worker words' }, base: null }] } };
    const at = (ms: number) => ({ hlc: { ms, count: 0 }, device: DEVICE });
    const held = serverGoal('Their words', 5);
    // Lost to the young person's words: kept as a conflict beside them, once.
    const kept = storedOnServer(held, entry, me, [{ field: 'title', outcome: 'kept_as_conflict', stamp: at(9) }])!;
    expect(kept.fields.title?.value).toEqual({ field: 'title', value: 'Their words' });
    expect(kept.conflicts.map((c) => c.value)).toEqual([{ field: 'title', value: 'Worker words' }]);
    expect(storedOnServer(kept, entry, me, [{ field: 'title', outcome: 'kept_as_conflict', stamp: at(9) }])!.conflicts).toHaveLength(1);
    // Already there, or a later write of its own: nothing changes.
    expect(storedOnServer(held, entry, me, [{ field: 'title', outcome: 'duplicate', stamp: at(9) }])).toBe(held);
    // A newer version already held (pulled meanwhile) is not put back.
    expect(storedOnServer(held, entry, me, [{ field: 'title', outcome: 'applied', stamp: at(3) }])!.fields.title?.value.value).toBe('Their words');
    // Applied: the current value, under the server's version, by this person.
    const applied = storedOnServer(held, entry, me, [{ field: 'title', outcome: 'applied', stamp: at(9) }])!;
    expect(applied.fields.title).toMatchObject({ value: { value: 'Worker words' }, stamp: at(9), author: me });
  });

  it('keeps a rejected operation to show, and still sends the ones behind it', async () => {
    fakeServer((path, body) => {
      if (!path.includes('push')) return { status: 200, json: emptyPull };
      const res = applyAll(body);
      res.results[0] = { ...res.results[0], status: 'rejected', reason: 'title is too long' };
      return { status: 200, json: res };
    });
    await edit(db, { id: 'a', kind: 'goal', owner: ME }, [{ field: 'title', value: 'x'.repeat(500) }]);
    await edit(db, { id: 'b', kind: 'goal', owner: ME }, [{ field: 'title', value: 'fine' }]);
    const e = engine();
    await e.syncNow();
    expect(await db.count('outbox')).toBe(0);
    const rejected = await db.getAll('rejected');
    expect(rejected.map((r) => [r.seq, r.reason])).toEqual([[1, 'title is too long']]);
    e.stop();
  });

  it('says the server is full, not that signal is missing, and sends once it has room again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let full = true;
    const storageFull = { status: 503, json: { error: 'storage_unavailable', message: "the server can't save anything just now" } };
    fakeServer((path, body) => (path.includes('push') ? (full ? storageFull : { status: 200, json: applyAll(body) }) : { status: 200, json: emptyPull }));
    await edit(db, { id: 'a', kind: 'goal', owner: ME }, [{ field: 'title', value: 'kept while the server is full' }]);
    const states: SyncState[] = [];
    const e = engine({ states });
    await e.syncNow();
    expect(await db.count('outbox')).toBe(1);
    const waiting = states.at(-1)!;
    expect(waiting).toMatchObject({ kind: 'waiting', cause: 'server', unsent: 1 });
    const said = syncWords(waiting, true).text;
    expect(said).toContain('Saved on this phone');
    expect(said).not.toMatch(/signal/i);
    // With nothing to send, neither message counts "0 changes".
    expect(syncWords({ kind: 'waiting', cause: 'server', unsent: 0, message: '' }, true).text).not.toMatch(/\d/);
    expect(syncWords({ kind: 'waiting', cause: 'offline', unsent: 0, message: '' }, false).text).toBe('No signal just now. Nothing is waiting to be sent.');
    full = false;
    await vi.advanceTimersByTimeAsync(backoff(0, () => 0.5));
    await vi.waitFor(async () => expect(await db.count('outbox')).toBe(0));
    e.stop();
    vi.useRealTimers();
  });

  it('when signal returns after a long time offline, retries start again from the shortest wait', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let down = true;
    const calls = fakeServer((path, body) => (down ? 'network-down' : path.includes('push') ? { status: 200, json: applyAll(body) } : { status: 200, json: emptyPull }));
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'written on the bus' }]);
    const states: SyncState[] = [];
    const e = engine({ states });
    await e.syncNow();
    // Hours offline: the wait between tries has grown to its cap.
    for (let i = 0; i < 8; i++) await vi.advanceTimersByTimeAsync(backoff(i, () => 0.5));
    expect(backoff(8, () => 0.5)).toBeGreaterThan(20_000);
    // Signal returns while the network is still waking up: the first try fails again...
    const [triedBefore, statesBefore] = [calls.length, states.length];
    e.resume();
    await vi.waitFor(() => expect(calls.length).toBeGreaterThan(triedBefore));
    await vi.waitFor(() => expect(states.slice(statesBefore).some((st) => st.kind === 'waiting')).toBe(true));
    expect(await db.count('outbox')).toBe(1);
    down = false;
    // ...and the next comes after the shortest wait, not a minute later.
    await vi.advanceTimersByTimeAsync(backoff(0, () => 0.5));
    await vi.waitFor(async () => expect(await db.count('outbox')).toBe(0));
    e.stop();
    vi.useRealTimers();
  });

  it('keeps everything and waits, with backoff, when there is no signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let down = true;
    const calls = fakeServer((path, body) => (down ? 'network-down' : path.includes('push') ? { status: 200, json: applyAll(body) } : { status: 200, json: emptyPull }));
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'kept' }]);
    const states: SyncState[] = [];
    const e = engine({ states });
    await e.syncNow();
    const triedWhileDown = calls.length;
    expect(triedWhileDown).toBeGreaterThan(0);
    expect(await db.count('outbox')).toBe(1);
    expect(states.at(-1)).toMatchObject({ kind: 'waiting', cause: 'offline', unsent: 1 });
    expect(syncWords(states.at(-1)!, false).text).toContain('Waiting for signal');
    down = false;
    await vi.advanceTimersByTimeAsync(backoff(0, () => 0.5));
    await vi.waitFor(async () => expect(await db.count('outbox')).toBe(0));
    // The retry came from the backoff timer, not from anything the test did.
    expect(calls.length).toBeGreaterThan(triedWhileDown);
    // Sent once the signal is back, and once only.
    expect(calls.slice(triedWhileDown).filter((c) => c.path.includes('push'))).toHaveLength(1);
    e.stop();
    vi.useRealTimers();
  });

  it('asks what is known of alerts beside the push and pull, not first: on a weak signal one round trip, not two', async () => {
    const started: string[] = [];
    let answerAlerts = () => undefined as void;
    const pullSeen = new Promise<void>((resolve) => (answerAlerts = resolve));
    let answeredLate = false;
    let stored = 0;
    const reply = (json: unknown) => new Response(JSON.stringify(json), { status: 200, headers: { 'content-type': 'application/json' } });
    vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
      started.push(path.split('?')[0]);
      if (path.startsWith('/api/alerts')) {
        // Answered only once the pull has gone out (or, if it never does, late, and the test says so).
        await Promise.race([pullSeen, new Promise((resolve) => setTimeout(() => resolve((answeredLate = true)), 1000))]);
        return reply([]);
      }
      if (path.includes('push')) {
        const applied = applyAll(JSON.parse(String(init.body)));
        stored = applied.last_applied;
        return reply(applied);
      }
      answerAlerts();
      return reply({ ...emptyPull, last_applied: stored });
    });
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'sent beside it' }]);
    const e = engine();
    await e.syncNow();
    expect(answeredLate).toBe(false);
    expect(started).toEqual(['/api/alerts', '/api/sync/push', '/api/sync/pull']);
    expect(await db.count('outbox')).toBe(0);
    e.stop();
  });

  it('sends the edits even when what is known of alerts cannot be asked for, and says the round failed', async () => {
    const states: SyncState[] = [];
    fakeServer((path, body) => {
      if (path.startsWith('/api/alerts')) return { status: 503, json: { error: 'storage_unavailable', message: 'try later' } };
      return path.includes('push') ? { status: 200, json: applyAll(body) } : { status: 200, json: emptyPull };
    });
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'still sent' }]);
    const e = engine({ states });
    await e.syncNow();
    expect(await db.count('outbox')).toBe(0);
    expect(states.at(-1)?.kind).not.toBe('idle');
    e.stop();
  });

  it('refreshes an expired token and retries, never dropping the outbox', async () => {
    let token = 'a1';
    const calls = fakeServer((path, body) => {
      const last = calls[calls.length - 1];
      if (last.auth !== `Bearer ${token}`) return { status: 401, json: { error: 'unauthorized', message: 'expired' } };
      return path.includes('push') ? { status: 200, json: applyAll(body) } : { status: 200, json: emptyPull };
    });
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'hello' }]);
    const e = new SyncEngine({
      db, onChange: () => undefined, onState: () => undefined, onSignedOut: () => undefined, channelName: 't',
      auth: { access: 'old', async refresh() { token = 'a2'; this.access = 'a2'; return 'a2'; } },
    });
    await e.syncNow();
    expect(await db.count('outbox')).toBe(0);
    e.stop();
  });

  it('asks for the new version of the app when the server no longer takes this one, and keeps the outbox', async () => {
    fakeServer(() => ({ status: 400, json: { error: 'unsupported_version', message: 'protocol 1 is no longer supported' } }));
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'hello' }]);
    const states: SyncState[] = [];
    const updateNeeded = vi.fn();
    const e = new SyncEngine({ db, auth: { access: 'a1', refresh: async () => null }, onChange: () => undefined, onState: (st) => states.push(st), onSignedOut: () => undefined, onUpdateNeeded: updateNeeded, channelName: `test-${n}` });
    await e.syncNow();
    expect(updateNeeded).toHaveBeenCalledOnce();
    expect(states.at(-1)).toMatchObject({ kind: 'failed', unsent: 1, message: expect.stringContaining('Update now') });
    expect(await db.count('outbox')).toBe(1);
    e.stop();
  });

  it('asks to sign in again when the session is gone, and keeps the outbox', async () => {
    fakeServer(() => ({ status: 401, json: { error: 'unauthorized', message: 'signed out' } }));
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'hello' }]);
    const signedOut = vi.fn();
    const e = engine({ signedOut });
    await e.syncNow();
    expect(signedOut).toHaveBeenCalled();
    expect(await db.count('outbox')).toBe(1);
    e.stop();
  });

  it('a refresh that meets no signal is a wait, not a sign-out: the session and outbox stay', async () => {
    let signal = false;
    fakeServer((path) => {
      if (path === '/api/auth/refresh') return !signal ? 'network-down' : { status: 200, json: { access_token: 'a2', refresh_token: 'r2', person: ME, role: 'young_person', display_name: 'Ash' } };
      return { status: 401, json: { error: 'unauthorized', message: 'expired' } };
    });
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'hello' }]);
    const states: SyncState[] = [];
    const signedOut = vi.fn();
    const sessions = new SessionManager(db);
    const e = new SyncEngine({ db, auth: sessions, onChange: () => undefined, onState: (st) => states.push(st), onSignedOut: signedOut, channelName: `test-${n}`, random: () => 0.5 });
    await e.syncNow();
    expect(states.at(-1)).toMatchObject({ kind: 'waiting', cause: 'offline' });
    expect(signedOut).not.toHaveBeenCalled();
    expect((await sessions.current())?.refreshToken).toBe('r1');
    expect(await db.count('outbox')).toBe(1);
    // Signal back: the same token is spent (the server takes it as a retry) and kept rotated.
    signal = true;
    await expect(sessions.refresh()).resolves.toBe('a2');
    expect((await sessions.current())?.refreshToken).toBe('r2');
    e.stop();
  });

  it('never sends another person\'s edits (a shared tablet)', async () => {
    const calls = fakeServer((path, body) => (path.includes('push') ? { status: 200, json: applyAll(body) } : { status: 200, json: emptyPull }));
    await edit(db, { id: 'a', kind: 'strength', owner: ME }, [{ field: 'text', value: 'mine' }]);
    await db.put('outbox', { ...(await db.get('outbox', 1))!, seq: 9, person: OTHER });
    const e = engine();
    await e.syncNow();
    const sent = (calls.find((c) => c.path.includes('push'))?.body as PushRequest).ops.map((o) => o.seq);
    expect(sent).toEqual([1]);
    expect((await db.getAll('outbox')).map((o) => o.seq)).toEqual([9]);
    e.stop();
  });
});

describe('the screen after a sync round', () => {
  it('re-reads only the records the round touched, and shows what reading everything would', async () => {
    await db.put('records', { ...serverGoal('Stays as it is'), id: 'g0' });
    await db.put('records', serverGoal('Server words'));
    await edit(db, { id: 'g1', kind: 'goal', owner: ME }, [{ field: 'title', value: 'Sent from the bus' }]);
    await edit(db, { id: 'g2', kind: 'goal', owner: ME }, [{ field: 'title', value: 'A new goal' }]);
    let shown = await view(db);
    const untouched = shown.find((i) => i.id === 'g0');
    const reports: (string[] | undefined)[] = [];
    fakeServer((path, body) => {
      if (path.startsWith('/api/sync/push')) return { status: 200, json: applyAll(body) };
      if (path.startsWith('/api/alerts')) return { status: 200, json: [] };
      // The server's copy of g1 with the words sent, a worker's new suggestion, and g0 unchanged.
      const g1 = { ...serverGoal('Sent from the bus', 9), id: 'g1' };
      const suggestion = { ...serverGoal('From Sam', 9), id: 'g3' };
      return { status: 200, json: page({ ...noChanges, records: [g1, suggestion], cursor: 2 }) };
    });
    const e = new SyncEngine({
      db,
      auth: { access: 'a1', refresh: async () => null },
      onChange: (records) => reports.push(records),
      onState: () => undefined,
      onSignedOut: () => undefined,
      channelName: `test-${n}`,
      random: () => 0.5,
    });
    await e.syncNow();
    // Told twice: what the push took as soon as it was taken, then what the pull brought.
    expect(reports).toHaveLength(2);
    expect([...new Set(reports.flatMap((r) => r ?? ['everything']))].sort()).toEqual(['g1', 'g2', 'g3']);
    for (const touched of reports) shown = withItems(shown, await readItems(db, touched ?? []));
    const byId = (items: typeof shown) => [...items].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(shown)).toEqual(byId(await view(db)));
    expect(shown.find((i) => i.id === 'g0')).toBe(untouched);
    expect(shown.find((i) => i.id === 'g1')?.unsent).toBe(false);
  });
});

describe('pull', () => {
  it('reads a compact record back as the full one, kept conflicts in stamp order', () => {
    const full = serverGoal('My words', 20);
    const title = full.fields.title as FieldState;
    const worker = { person: OTHER, role: 'key_worker' as const, device: DEVICE };
    const kept = (ms: number): FieldState => ({
      value: { field: 'title', value: `suggested at ${ms}` },
      stamp: { hlc: { ms, count: 0 }, device: OTHER },
      base: title.stamp,
      author: worker,
    });
    const record = { ...full, conflicts: [kept(12), kept(11)] };
    const back = recordOf(compact(record));
    expect(back).toEqual({ ...record, conflicts: [kept(11), kept(12)] });
    // The author's device travels only when it differs from the stamp's.
    expect(compact(record).body[1][0][7]).toBe(DEVICE);
    expect(compact(record).body[0][0][7]).toBeNull();
  });

  it('reads a packed page back as full records, and refuses one that refers to what it does not hold', async () => {
    const title = serverGoal('My words', 20).fields.title as FieldState;
    const worker = { person: OTHER, role: 'key_worker' as const, device: DEVICE };
    const kept = (ms: number): FieldState => ({ value: { field: 'title', value: `suggested at ${ms}` }, stamp: { hlc: { ms, count: 0 }, device: OTHER }, base: title.stamp, author: worker });
    const records = [{ ...serverGoal('My words', 20), conflicts: [kept(12), kept(11)] }, { ...serverGoal('Another', 20), id: 'g2' }];
    const sent = page({ ...noChanges, records });
    expect(recordsOfPacked(sent)).toEqual([{ ...records[0], conflicts: [kept(11), kept(12)] }, records[1]]);
    // Each id once: two people, two devices; the two goals' fields share one write.
    expect([sent.people.length, sent.devices.length]).toEqual([2, 2]);
    expect(new Set(sent.records.flatMap((r) => r[5].map((f) => f[1]))).size).toBe(1);
    const broken = { ...sent, records: [[...sent.records[0].slice(0, 2), 7, ...sent.records[0].slice(3)] as PackedRecord] };
    expect(() => recordsOfPacked(broken)).toThrow("refers to person 7, which it doesn't hold");

    // Such a page is not stored, and nothing before it is lost.
    await db.put('records', serverGoal('kept'));
    fakeServer(() => ({ status: 200, json: broken }));
    const e = engine();
    await expect(e.pull()).rejects.toThrow("doesn't hold");
    expect(await db.getAll('records')).toEqual([serverGoal('kept')]);
    expect(await db.get('meta', 'cursor')).toBeUndefined();
    e.stop();
  });

  it('reads a lean page back as the packed one: fields as made take the record\'s creating write; a set it does not hold is refused', () => {
    const changed = serverGoal('Changed since', 5);
    changed.id = 'g2';
    changed.fields.visibility = { ...(changed.fields.visibility as FieldState), value: { field: 'visibility', value: 'worker' }, stamp: { hlc: { ms: 9, count: 0 }, device: OTHER } };
    const packed = page({ ...noChanges, records: [serverGoal('As made'), changed, { ...serverGoal('Also as made'), id: 'g3' }] });
    // As the server leaves out fields as made (never words), each set once.
    const sets: string[] = [];
    const lean: PackedPullResponse = {
      ...packed,
      records: packed.records.map(([id, kind, owner, created, touched, rows, kept]) => {
        const made = rows.filter(([v, w]) => w === created && v.field !== 'title').map(([v]) => v);
        const rest = rows.filter((r) => !made.includes(r[0]));
        const key = JSON.stringify(made);
        if (made.length > 0 && !sets.includes(key)) sets.push(key);
        return [id, kind, owner, created, touched, rest, kept, ...(made.length > 0 ? [sets.indexOf(key)] : [])] as PackedRecord;
      }),
      as_made: sets.map((k) => JSON.parse(k)),
    };
    expect(lean.as_made).toEqual([[{ field: 'visibility', value: 'private' }]]);
    expect(lean.records.map((r) => r[7])).toEqual([0, undefined, 0]);
    expect(recordsOfPacked(lean)).toEqual(recordsOfPacked(packed));
    const broken = { ...lean, as_made: [] };
    expect(() => recordsOfPacked(broken)).toThrow("refers to set of fields as made 0, which it doesn't hold");
  });

  it("says a full phone is full, and what to do, rather than that something went wrong", async () => {
    fakeServer((path) => (path.startsWith('/api/sync/pull') ? { status: 200, json: page({ records: [serverGoal('new words')], removed: [], cursor: 5, more: false, last_applied: 0 }) } : { status: 200, json: [] }));
    const states: SyncState[] = [];
    const e = engine({ states });
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await e.syncNow();
    const last = states[states.length - 1];
    expect(last.kind).toBe('failed');
    expect(last.kind === 'failed' && last.message).toBe(
      "This phone's storage is full, so Tandem can't bring in new things. Your changes are still saved on it. Make some space (delete photos, videos or apps you don't need).",
    );
    e.stop();
  });

  it('follows pages, applies removals and keeps the cursor', async () => {
    await db.put('records', { ...serverGoal('to be removed'), id: 'gone' });
    const pages = [
      { records: [serverGoal('page one')], removed: [], cursor: 5, more: true, last_applied: 0 },
      { records: [], removed: ['gone'], cursor: 9, more: false, last_applied: 0 },
    ].map(page);
    const calls = fakeServer(() => ({ status: 200, json: pages.shift() }));
    const e = engine();
    await e.pull();
    expect(calls.map((c) => c.path)).toEqual([`/api/sync/pull?since=0&device=${DEVICE}&limit=${PULL_PAGE}&form=lean`, `/api/sync/pull?since=5&device=${DEVICE}&limit=${PULL_PAGE}&form=lean`]);
    expect(await db.get('meta', 'cursor')).toBe(9);
    expect(await db.getAll('records')).toEqual([serverGoal('page one')]);
    e.stop();
  });

  it('asks for the next page as soon as a page\'s headers name it, before its body has arrived, never more than one ahead, and stores the pages in order', async () => {
    const pages = [
      { records: [serverGoal('page one')], removed: [], cursor: 5, more: true, last_applied: 0 },
      { records: [{ ...serverGoal('page two'), id: 'g2' }], removed: [], cursor: 7, more: true, last_applied: 0 },
      { records: [], removed: ['g1'], cursor: 9, more: false, last_applied: 0 },
    ].map(page);
    const told: string[] = [];
    // Each page's headers come at once; its body a moment after the next page has been asked
    // for (or, if it never is, late, and the test says so).
    const nextAsked: (() => void)[] = [];
    let heldTooLong = false;
    vi.stubGlobal('fetch', async (path: string) => {
      const i = told.push(`asked since ${new URLSearchParams(path.split('?')[1]).get('since')}`) && nextAsked.length;
      nextAsked[i - 1]?.();
      const body = pages[i];
      const released = new Promise<void>((resolve) => {
        nextAsked[i] = () => setTimeout(resolve, 30);
        if (!body.more) resolve();
        else setTimeout(() => resolve(void (heldTooLong = true)), 1000);
      });
      const stream = new ReadableStream({
        async start(controller) {
          await released;
          told.push(`page ${i} sent whole`);
          controller.enqueue(new TextEncoder().encode(JSON.stringify(body)));
          controller.close();
        },
      });
      return new Response(stream, { status: 200, headers: { 'content-type': 'application/json', ...(body.more ? { 'tandem-next-since': String(body.cursor) } : {}) } });
    });
    const e = engine();
    await e.pull();
    expect(heldTooLong).toBe(false);
    // The third page is asked for only once the first is whole: two at most on the way at once.
    expect(told.slice(0, 4)).toEqual(['asked since 0', 'asked since 5', 'page 0 sent whole', 'asked since 7']);
    expect(told.slice(4).sort()).toEqual(['page 1 sent whole', 'page 2 sent whole']);
    // The last page took back what the first brought: applied in order, it is gone.
    expect(await db.getAll('records')).toEqual([{ ...serverGoal('page two'), id: 'g2' }]);
    expect(await db.get('meta', 'cursor')).toBe(9);
    e.stop();
  });

  it('shows what a long catch-up has stored every second or so, and says more is on its way until the last page is in', async () => {
    const pages = [
      { records: [serverGoal('page one')], removed: [], cursor: 5, more: true, last_applied: 0 },
      { records: [{ ...serverGoal('page two'), id: 'g2' }], removed: [], cursor: 7, more: true, last_applied: 0 },
      { records: [{ ...serverGoal('page three'), id: 'g3' }], removed: [], cursor: 9, more: false, last_applied: 0 },
    ].map(page);
    // Each page takes 0.6 s to come.
    let now = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    fakeServer((path) => {
      if (!path.startsWith('/api/sync/pull')) return { status: 200, json: [] };
      now += 600;
      return { status: 200, json: pages.shift() };
    });
    const told: (string[] | undefined)[] = [];
    const e = new SyncEngine({ db, auth: { access: 'a1', refresh: async () => null }, onChange: (r) => told.push(r), onState: () => undefined, onSignedOut: () => undefined, channelName: `test-${n}` });
    await e.syncNow();
    // Told after the second page (1.2 s in) of both so far, then of the last at the end.
    expect(told).toEqual([['g1', 'g2'], ['g3']]);
    expect(await db.get('meta', CATCHING_UP)).toBeUndefined();
    e.stop();

    // Cut short with more to come: the store says it is not all there yet, and the next pull
    // carries on from where it was.
    await db.clear('records');
    await db.put('meta', 0, 'cursor');
    const cut = [{ records: [serverGoal('page one')], removed: [], cursor: 5, more: true, last_applied: 0 }].map(page);
    fakeServer((path) => (path.includes('since=5') ? 'network-down' : { status: 200, json: cut.shift() }));
    const again = engine();
    await expect(again.pull()).rejects.toThrow();
    expect([await db.get('meta', 'cursor'), await db.get('meta', CATCHING_UP)]).toEqual([5, true]);
    again.stop();
  });

  it('asks for the packed form from a server that does not know the lean one, the compact form from one that knows neither, and the full form from one that knows none (older replicas)', async () => {
    const refuse = (form: string) => ({ status: 400, json: { error: 'invalid_request', message: `the query isn't right: Failed to deserialize query string: form: unknown variant \`${form}\`, expected \`full\` or \`compact\`` } });
    const at = (since: number, form: string) => `/api/sync/pull?since=${since}&device=${DEVICE}&limit=${PULL_PAGE}${form}`;
    // As a server from before the lean form answers.
    const packedCalls = fakeServer((path) => (path.includes('form=lean') ? refuse('lean') : { status: 200, json: page({ ...noChanges, records: [serverGoal('from a server before lean')], cursor: 4 }) }));
    let e = engine();
    await e.pull();
    await e.pull();
    expect(packedCalls.map((c) => c.path)).toEqual([at(0, '&form=lean'), at(0, '&form=packed'), at(4, '&form=packed')]);
    expect(await db.getAll('records')).toEqual([serverGoal('from a server before lean')]);
    e.stop();

    // As a server from before the packed form answers.
    await db.clear('records');
    await db.put('meta', 0, 'cursor');
    const compactCalls = fakeServer((path) =>
      path.includes('form=lean') || path.includes('form=packed') ? refuse(path.includes('lean') ? 'lean' : 'packed') : { status: 200, json: { ...noChanges, records: [compact(serverGoal('from an older server'))], cursor: 4 } as CompactPullResponse },
    );
    e = engine();
    await e.pull();
    await e.pull();
    expect(compactCalls.map((c) => c.path)).toEqual([at(0, '&form=lean'), at(0, '&form=packed'), at(0, '&form=compact'), at(4, '&form=compact')]);
    expect(await db.getAll('records')).toEqual([serverGoal('from an older server')]);
    e.stop();

    await db.clear('records');
    await db.put('meta', 0, 'cursor');
    const fullCalls = fakeServer((path) =>
      path.includes('form=') ? { status: 400, json: { error: 'invalid_request', message: 'unknown field `form`, expected one of `since`, `device`, `limit`' } } : { status: 200, json: { ...noChanges, records: [serverGoal('from an older one still')], cursor: 4 } },
    );
    e = engine();
    await e.pull();
    await e.pull();
    expect(fullCalls.map((c) => c.path)).toEqual([at(0, '&form=lean'), at(0, '&form=packed'), at(0, '&form=compact'), at(0, ''), at(4, '')]);
    expect(await db.getAll('records')).toEqual([serverGoal('from an older one still')]);
    e.stop();
  });

  it('rebuilds from the start when it finds its store emptied, rather than trusting the cursor', async () => {
    await db.put('meta', 40, 'cursor');
    const calls = fakeServer(() => ({ status: 200, json: page({ ...noChanges, records: [serverGoal('back again')], cursor: 41 }) }));
    const e = engine();
    await e.pull();
    expect(calls[0].path).toContain('since=0');
    expect(await db.count('records')).toBe(1);
    e.stop();
  });

  it('never moves the clock back past an edit made while the page was on its way', async () => {
    vi.stubGlobal('fetch', async () => {
      // The young person saves while the pull is in flight.
      await edit(db, { id: 'g2', kind: 'goal', owner: ME }, [{ field: 'title', value: 'typed meanwhile' }], 9_000);
      return new Response(JSON.stringify(page({ ...noChanges, records: [serverGoal('older', 5)], cursor: 3 })), { status: 200 });
    });
    const e = engine();
    await e.pull();
    expect(await db.get('meta', 'clock')).toEqual({ ms: 9_000, count: 0 });
    const next = await edit(db, { id: 'g2', kind: 'goal', owner: ME }, [{ field: 'title', value: 'and again' }], 9_000);
    expect(next.op.hlc).toEqual({ ms: 9_000, count: 1 });
    e.stop();
  });
});

describe('a server restored from a backup (it has gone back in time)', () => {
  const WORKER = '0190a000-0000-7000-8000-0000000000w1';
  /** A record as this phone last pulled it: `title` written by `by` at `ms`. */
  function held(id: string, title: string, ms: number, by = ME): ServerRecord {
    const g = serverGoal(title, ms);
    const author = { person: by, role: by === ME ? ('young_person' as const) : ('key_worker' as const), device: OTHER };
    const fields = Object.fromEntries(Object.entries(g.fields).map(([k, f]) => [k, { ...f!, author }]));
    return { ...g, id, created_by: author, fields };
  }

  /** A server that holds `records`, `lastApplied` of this device's operations and changes up to
   *  `head`: it refuses a cursor past its head and operations that skip ahead, as the real one. */
  function restoredServer(records: ServerRecord[], lastApplied: number, head: number, opts: { pageSize?: number; dropPages?: number[] } = {}) {
    const state = { lastApplied, pushed: [] as PushRequest[], pulls: [] as string[] };
    const pageSize = opts.pageSize ?? records.length;
    const dropPages = [...(opts.dropPages ?? [])];
    vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
      const answer = (status: number, json: unknown) => new Response(JSON.stringify(json), { status });
      if (path.includes('/api/sync/push')) {
        const req = JSON.parse(String(init.body)) as PushRequest;
        state.pushed.push(req);
        let blocked = false;
        const results = req.ops.map((op) => {
          if (blocked || op.seq > state.lastApplied + 1) {
            blocked = true;
            return { seq: op.seq, status: 'out_of_order' as const, reason: 'send the missing ones first', fields: [] };
          }
          state.lastApplied = Math.max(state.lastApplied, op.seq);
          return { seq: op.seq, status: 'applied' as const, reason: null, fields: [] };
        });
        return answer(200, { results, last_applied: state.lastApplied });
      }
      if (path.includes('/api/sync/pull')) {
        state.pulls.push(path);
        const since = Number(new URL(path, 'http://x').searchParams.get('since'));
        if (since > head) return answer(409, { error: 'cursor_ahead', message: "this server's changes end before that cursor" });
        // Records carry change numbers 1, 2, 3, … in this fake; the cursor is the last one sent.
        const from = since < records.length ? since : records.length;
        if (from > 0 && from < records.length && dropPages[0] === from) {
          dropPages.shift();
          throw new TypeError('Failed to fetch');
        }
        const sent = records.slice(from, from + pageSize);
        const more = from + sent.length < records.length;
        return answer(200, page({ records: sent, removed: [], cursor: more ? from + sent.length : Math.max(head, since), more, last_applied: state.lastApplied }));
      }
      return answer(200, []);
    });
    return state;
  }

  async function phoneThatHeld(records: ServerRecord[], acknowledgedUpTo: number, cursor: number) {
    for (const r of records) await db.put('records', r);
    await db.put('meta', acknowledgedUpTo, 'seq');
    await db.put('meta', cursor, 'cursor');
  }

  const sentTitles = (state: { pushed: PushRequest[] }) =>
    state.pushed.flatMap((p) => p.ops.flatMap((o) => o.changes.filter((c) => c.set.field === 'title').map((c) => `${o.record}:${c.set.value}`)));

  it("gives back what reached the server after the backup, only this person's words, and sends what is unsent after them", async () => {
    // The server kept an older title of g1 and all of g3; it never had g2 or the worker's g4.
    const server = restoredServer([held('g1', 'Old words', 5), held('g3', 'Unchanged', 4)], 1, 5);
    await phoneThatHeld([held('g1', 'Newer words', 8), held('g2', 'A goal made after the backup', 9), held('g3', 'Unchanged', 4), held('g4', "A worker's suggestion", 9, WORKER)], 3, 9);
    await edit(db, { id: 'g5', kind: 'goal', owner: ME }, [{ field: 'title', value: 'Written offline' }]);
    const states: SyncState[] = [];
    const e = engine({ states });
    await e.syncNow();

    expect(states.at(-1)).toMatchObject({ kind: 'idle', unsent: 0 });
    expect(await db.count('outbox')).toBe(0);
    // Numbered on from what the server has: nothing refused, every number once, in order.
    // (The first push, numbered 4 as before the restore, was refused; that is how it was found.)
    expect(server.pushed[0].ops.map((o) => o.seq)).toEqual([4]);
    const seqs = server.pushed.slice(1).flatMap((p) => p.ops.map((o) => o.seq));
    expect(seqs).toEqual(Array.from({ length: server.lastApplied - 1 }, (_, i) => i + 2));
    const sent = sentTitles(server);
    expect(sent).toContain('g5:Written offline');
    expect(sent).toContain('g1:Newer words');
    expect(sent).toContain('g2:A goal made after the backup');
    // What the server still has is not sent again, and the worker's words never go as this person's.
    expect(sent.some((t) => t.startsWith('g3:') || t.startsWith('g4:'))).toBe(false);
    // The worker's suggestion the server lost is not shown as stored; the worker's device gives it back.
    expect(await db.get('records', 'g4')).toBeUndefined();
    // The unsent edit goes before what is given back (it is newer than anything given back).
    expect(sent.indexOf('g5:Written offline')).toBeLessThan(sent.indexOf('g1:Newer words'));
    // A record the server lacked comes back as new: its first write is based on nothing.
    const g2 = server.pushed.flatMap((p) => p.ops).find((o) => o.record === 'g2')!;
    expect(g2.changes.every((c) => c.base === null)).toBe(true);
    e.stop();
  });

  it('a round cut short while giving back carries on from the copy held before, not the one overwritten', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // Two pages; the second is lost on the way the first time, after the first (with the
    // server's older g1) was written over this phone's copy.
    const server = restoredServer([held('g1', 'Old words', 5), held('g2', 'Unchanged', 4)], 0, 50, { pageSize: 1, dropPages: [1] });
    await phoneThatHeld([held('g1', 'Newer words', 8), held('g2', 'Unchanged', 4)], 2, 90);
    const states: SyncState[] = [];
    const e = engine({ states });
    await e.syncNow();
    expect(states.at(-1)).toMatchObject({ kind: 'waiting' });
    expect(sentTitles(server)).toEqual([]);
    await vi.advanceTimersByTimeAsync(backoff(0, () => 0.5));
    await vi.waitFor(() => expect(sentTitles(server)).toEqual(['g1:Newer words']));
    await vi.waitFor(async () => expect(await db.get('meta', 'restore-snapshot')).toBeUndefined());
    e.stop();
  });

  it('finds it from the count of its operations when others have written past its cursor since', async () => {
    const server = restoredServer([held('g1', 'Old words', 5)], 0, 50);
    await phoneThatHeld([held('g1', 'Newer words', 8)], 2, 9);
    const e = engine();
    await e.syncNow();
    expect(server.pulls.some((p) => p.includes('since=0'))).toBe(true);
    expect(sentTitles(server)).toEqual(['g1:Newer words']);
    expect(server.pushed.flatMap((p) => p.ops.map((o) => o.seq))).toEqual([1]);
    e.stop();
  });

  it('finds it from a push told to send numbers it was told were stored', async () => {
    const server = restoredServer([held('g1', 'Old words', 5)], 0, 50);
    await phoneThatHeld([held('g1', 'Old words', 5)], 6, 50);
    await edit(db, { id: 'g1', kind: 'goal', owner: ME }, [{ field: 'title', value: 'Typed today' }]);
    const e = engine();
    await e.syncNow();
    expect(await db.count('outbox')).toBe(0);
    expect(server.pushed.map((p) => p.ops.map((o) => o.seq))).toEqual([[7], [1]]);
    expect(sentTitles(server)).toEqual(['g1:Typed today', 'g1:Typed today']);
    e.stop();
  });

  it('tells a restored server (another generation) from a session ended on purpose, and is unsure without signal', async () => {
    const session = { person: ME, role: 'young_person' as const, displayName: 'Ash', refreshToken: 'r1', sharedDevice: false, generation: 'aaaa' };
    let generation = 'aaaa';
    let down = false;
    vi.stubGlobal('fetch', async () => {
      if (down) throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify({ status: 'ok', database: 'ok', generation }), { status: 200 });
    });
    expect(await serverWasRestored(session)).toBe(false);
    generation = 'bbbb';
    expect(await serverWasRestored(session)).toBe(true);
    // No signal, or a session from before generations were told: forget, as always.
    down = true;
    expect(await serverWasRestored(session)).toBe(false);
    down = false;
    expect(await serverWasRestored({ ...session, generation: undefined })).toBe(false);
  });

  it('a server that has not gone back is never taken for one', async () => {
    const calls = fakeServer((path, body) => (path.includes('push') ? { status: 200, json: applyAll(body) } : { status: 200, json: page({ ...noChanges, records: [serverGoal('one')], cursor: 12 }) }));
    await edit(db, { id: 'g1', kind: 'goal', owner: ME }, [{ field: 'title', value: 'one' }]);
    const e = engine();
    await e.syncNow();
    await edit(db, { id: 'g1', kind: 'goal', owner: ME }, [{ field: 'title', value: 'two' }]);
    await e.syncNow();
    expect(calls.filter((c) => c.path.includes('pull')).map((c) => new URL(c.path, 'http://x').searchParams.get('since'))).toEqual(['0', '12']);
    expect(calls.filter((c) => c.path.includes('push')).map((c) => (c.body as PushRequest).ops.map((o) => o.seq))).toEqual([[1], [2]]);
    e.stop();
  });
});

/** A fetch that answers as a stalled connection does: never, until the caller gives up. */
function stalled(init?: RequestInit): Promise<Response> {
  return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
}

/** An answer whose body arrives in `chunks`, one every `everyMs`, then stops (ending only if
 *  `end`); aborting the request breaks the body, as a browser's fetch does. */
function trickle(init: RequestInit | undefined, chunks: string[], everyMs: number, end: boolean): Response {
  const bytes = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(out) {
      init?.signal?.addEventListener('abort', () => out.error(new DOMException('aborted', 'AbortError')));
      chunks.forEach((c, i) => setTimeout(() => out.enqueue(bytes.encode(c)), everyMs * (i + 1)));
      if (end) setTimeout(() => out.close(), everyMs * (chunks.length + 1));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

describe('a connection that stalls (one bar of signal, between masts)', () => {
  it('gives up on a push that gets no answer, keeps it, and sends it again: the server stores it once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pushes: PushRequest[] = [];
    vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
      // Once the second push is stored, the server counts it.
      if (!path.includes('push')) return new Response(JSON.stringify({ ...emptyPull, last_applied: pushes.length > 1 ? 1 : 0 }), { status: 200 });
      pushes.push(JSON.parse(String(init.body)));
      if (pushes.length === 1) return stalled(init);
      return new Response(JSON.stringify(applyAll(pushes.at(-1))), { status: 200 });
    });
    await edit(db, { id: 'a', kind: 'statement', owner: ME }, [{ field: 'text', value: 'typed on the bus' }]);
    const states: SyncState[] = [];
    const e = engine({ states });
    const round = e.syncNow();
    await vi.waitFor(() => expect(pushes).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(STALL_MS - 1_000);
    // Still trying: nothing has been said about it yet, and nothing is lost.
    expect(states.some((st) => st.kind === 'waiting')).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    await round;
    expect(states.at(-1)).toMatchObject({ kind: 'waiting', cause: 'offline', unsent: 1 });
    expect(await db.count('outbox')).toBe(1);
    await vi.advanceTimersByTimeAsync(backoff(0, () => 0.5));
    await vi.waitFor(async () => expect(await db.count('outbox')).toBe(0));
    // The same operation number both times: the server applies it once.
    expect(pushes.map((p) => p.ops.map((o) => o.seq))).toEqual([[1], [1]]);
    e.stop();
  });

  it('reads a slow answer that keeps moving to the end, however long it takes in all', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const json = JSON.stringify({ ...emptyPull, cursor: 77 });
    const parts = [json.slice(0, 10), json.slice(10, 30), json.slice(30)];
    vi.stubGlobal('fetch', async (_: string, init: RequestInit) => trickle(init, parts, STALL_MS - 5_000, true));
    const answer = request<CompactPullResponse>(null, 'GET', '/api/sync/pull?since=0');
    await vi.advanceTimersByTimeAsync((STALL_MS - 5_000) * 4);
    expect((await answer).cursor).toBe(77);
  });

  it('gives up on an answer that stops half way, as no signal', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    vi.stubGlobal('fetch', async (_: string, init: RequestInit) => trickle(init, ['{"records":[{"id'], 1_000, false));
    const answer = request<CompactPullResponse>(null, 'GET', '/api/sync/pull?since=0').catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000 + STALL_MS + 1_000);
    const failure = await answer;
    expect(failure).toBeInstanceOf(ApiFailure);
    expect((failure as ApiFailure).failure).toMatchObject({ kind: 'retry', cause: 'offline' });
  });

  it('drops a live-update stream that falls silent and opens it again, and hears changes on the new one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let streams = 0;
    let pulls = 0;
    vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
      if (path.includes('events')) {
        streams++;
        // The first stream hears one keep-alive and then nothing; the second tells of a change.
        return streams === 1 ? trickle(init, [':\n\n'], 1_000, false) : trickle(init, ['event: changes\ndata: 5\n\n'], 1_000, false);
      }
      if (path.includes('pull')) pulls++;
      return new Response(JSON.stringify(emptyPull), { status: 200 });
    });
    const e = engine();
    e.listen();
    await vi.advanceTimersByTimeAsync(1_000 + EVENTS_SILENT_MS - 2_000);
    expect(streams).toBe(1);
    await vi.advanceTimersByTimeAsync(3_000 + backoff(0, () => 0.5));
    expect(streams).toBe(2);
    const before = pulls;
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(pulls).toBeGreaterThan(before));
    e.stop();
  });

  it('reads what an event tells of: one numbered change of one copy of the data, or nothing it could skip', () => {
    expect(toldOf('event: changes\ndata: {"cursor":12,"generation":"g1"}')).toEqual({ cursor: 12, generation: 'g1' });
    // On connect, for an alert or an account the server names no change (a number above all).
    expect(toldOf('event: changes\ndata: {"cursor":9223372036854775807,"generation":"g1"}')).toBeNull();
    expect(toldOf('event: people\ndata: {"cursor":12,"generation":"g1"}')).toBeNull();
    // An older server: no generation, or the bare cursor.
    expect(toldOf('event: changes\ndata: {"cursor":12}')).toBeNull();
    expect(toldOf('event: changes\ndata: 12')).toBeNull();
    expect(toldOf('event: changes\ndata: {"cursor":')).toBeNull();
  });

  it('skips the pull for a change this store already holds, and pulls for a later one, another copy of the data, or with an edit to send', async () => {
    await db.put('meta', { person: 'me', role: 'young_person', displayName: 'Ash', refreshToken: 'r', sharedDevice: false, generation: 'g1' }, 'session');
    await db.put('meta', 40, 'cursor');
    await db.put('meta', 'device-1', 'device');
    let told: string[] = [];
    const asked = { pull: 0, push: 0 };
    vi.stubGlobal('fetch', async (path: string) => {
      if (path.includes('events')) {
        // Every message at once, then the stream stays open.
        const body = new ReadableStream<Uint8Array>({ start: (out) => out.enqueue(new TextEncoder().encode(told.join(''))) });
        return new Response(body, { status: 200 });
      }
      if (path.includes('pull')) asked.pull++;
      if (path.includes('push')) {
        asked.push++;
        return new Response('{"results":[]}', { status: 400 });
      }
      if (path.includes('alerts')) return new Response('[]', { status: 200 });
      return new Response(JSON.stringify({ ...emptyPull, cursor: 40 }), { status: 200 });
    });
    const change = (cursor: number, generation = 'g1') => `event: changes\ndata: {"cursor":${cursor},"generation":"${generation}"}\n\n`;
    const hear = async (...messages: string[]) => {
      told = messages;
      asked.pull = 0;
      const e = engine();
      e.listen();
      return e;
    };
    // The notice of this phone's own push, which it has pulled: nothing to fetch. (A round takes
    // milliseconds here; the wait is long enough for one to have happened if it were asked for.)
    let e = await hear(change(38), change(40));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(asked.pull).toBe(0);
    e.stop();
    for (const message of [
      change(41),
      // Another copy of the data (restored from a backup) numbers its changes afresh.
      change(30, 'restored'),
      // Not about one change (on connect, an alert): always pulled for.
      'event: changes\ndata: {"cursor":9223372036854775807,"generation":"g1"}\n\n',
      'event: people\ndata: {"cursor":12,"generation":"g1"}\n\n',
    ]) {
      e = await hear(message);
      await vi.waitFor(() => expect(asked.pull).toBeGreaterThan(0));
      e.stop();
    }
    expect(asked.push).toBe(0);
    // An edit of its own to send: the round goes on to send it.
    await edit(db, { id: 'g1', kind: 'goal', owner: 'me' }, [{ field: 'title', value: 'Get a job' }]);
    e = await hear(change(12));
    await vi.waitFor(() => expect(asked.push).toBeGreaterThan(0));
    e.stop();
  });

  it('opens the live stream again as soon as signal is back, not after the minute its wait has grown to', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let online = false;
    let streams = 0;
    vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
      if (!online) throw new TypeError('Failed to fetch');
      if (path.includes('events')) {
        streams++;
        return trickle(init, [':\n\n'], 1_000, false);
      }
      return new Response(JSON.stringify(emptyPull), { status: 200 });
    });
    const e = engine();
    e.listen();
    // Two minutes out of reach: the stream's wait is now 45 s (a minute's cap, jittered).
    await vi.advanceTimersByTimeAsync(120_000);
    expect(streams).toBe(0);
    online = true;
    e.resume();
    await vi.advanceTimersByTimeAsync(10);
    expect(streams).toBe(1);
    e.stop();
  });

  it('opens the live stream again once the server answers a sync round; a stream the server closed waits its turn', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let up = false;
    let streams = 0;
    vi.stubGlobal('fetch', async (path: string, init: RequestInit) => {
      if (path.includes('events')) {
        streams++;
        // Down: refused, as by a load balancer with no replica. Up: a stream something on the
        // way closes after two seconds.
        return up ? trickle(init, [':\n\n'], 1_000, true) : new Response('{}', { status: 503 });
      }
      return new Response(up ? JSON.stringify(emptyPull) : '{}', { status: up ? 200 : 503 });
    });
    const e = engine();
    e.listen();
    await vi.advanceTimersByTimeAsync(120_000);
    const refused = streams;
    up = true;
    await e.syncNow();
    await vi.advanceTimersByTimeAsync(10);
    expect(streams).toBe(refused + 1);
    // The stream is closed; a round answered now doesn't make it reconnect at once (that would
    // loop as fast as rounds go), only its own short wait does.
    await vi.advanceTimersByTimeAsync(2_000);
    await e.syncNow();
    await vi.advanceTimersByTimeAsync(10);
    expect(streams).toBe(refused + 1);
    await vi.advanceTimersByTimeAsync(backoff(0, () => 0.5));
    expect(streams).toBe(refused + 2);
    e.stop();
  });
});

describe('backoff', () => {
  it('grows, is capped at a minute, and is jittered', () => {
    expect(backoff(0, () => 0)).toBe(500);
    expect(backoff(0, () => 1)).toBe(1000);
    expect(backoff(3, () => 0.5)).toBe(6000);
    expect(backoff(30, () => 1)).toBe(60_000);
  });
});

describe('what a person has seen and put away on this device', () => {
  it('merge person by person, keeping the later of each; an older read never takes a look back', () => {
    const shown = { kai: 20, mo: 5 };
    expect(laterLooks(shown, { kai: 10 })).toBe(shown);
    expect(laterLooks(shown, { kai: 30, ash: 1 })).toEqual({ kai: 30, mo: 5, ash: 1 });
    expect(laterLooks({}, {})).toEqual({});
  });

  it('stored at once from two pages both stay, and a later look is not lowered by an earlier one', async () => {
    await Promise.all([storeLook(db, { kai: 10 }), storeLook(db, { mo: 7 })]);
    await storeLook(db, { kai: 4 });
    expect(await db.get('meta', 'looked')).toEqual({ kai: 10, mo: 7 });
  });

  it("a key worker's looks from the server are read by person, and only later looks made here are told back", () => {
    const caseload = [{ id: 'kai', looked_at: 20 }, { id: 'mo' }, { id: 'ash', looked_at: 50 }];
    expect(looksIn(caseload)).toEqual({ kai: 20, ash: 50 });
    // Looked at Kai and Mo here while out of reach; Ash on another device after this one.
    expect(looksToTell({ kai: 30, mo: 4, ash: 40, gone: 99 }, caseload)).toEqual([['kai', 30], ['mo', 4]]);
    expect(looksToTell({ kai: 20, mo: 0 }, caseload)).toEqual([]);
  });

  it('notices put away here are told to the server unless it has them, and only about records still held', () => {
    const mine = ['r1/title/5.0/d1', 'r1/why/6.0/d1', 'r2/text/7.1/d2', 'gone/text/8.0/d3'];
    // The server has the first (put away on another device too); "gone" is a young person's
    // record this worker's device dropped when the assignment ended.
    expect(putAwayToTell(mine, ['r1/title/5.0/d1', 'r9/text/1.0/d9'], new Set(['r1', 'r2', 'r9']))).toEqual(['r1/why/6.0/d1', 'r2/text/7.1/d2']);
    expect(putAwayToTell(mine, mine, new Set(['r1', 'r2', 'gone']))).toEqual([]);
  });

  it('notices put away from two tabs at once both stay put away', async () => {
    await Promise.all([storePutAway(db, ['a']), storePutAway(db, ['b', 'a'])]);
    expect(((await db.get('meta', 'put-away')) as string[]).sort()).toEqual(['a', 'b']);
  });
});
