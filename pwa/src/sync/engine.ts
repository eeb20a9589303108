// The sync engine: pushes the outbox, pulls changes, listens for live notices.
//
// One tab at a time syncs: each round runs under a Web Lock, and reads the outbox inside it,
// so two open tabs never send the same edit twice. Other tabs hear about changes over a
// BroadcastChannel and re-read IndexedDB.
import type { Author, CompactPullResponse, FieldName, FieldResult, Hlc, Operation, PackedPullResponse, PullResponse, PushRequest, PushResponse, Record as ServerRecord } from '../generated/tandem';
import { PROTOCOL_VERSION, PUSH_BODY_MAX, SCHEMA_VERSION } from '../generated/tandem';
import { ApiFailure, type Auth, backoff, request } from './api';
import { CATCHING_UP, type Db, isStorageFull, MAKE_SPACE, type OutboxEntry, readMeta, whileOpen } from './db';
import { refreshAlerts, sendAlerts } from './alerts';
import { coalesced } from './coalesce';
import { recordOf, recordsOfPacked } from './compact';
import { later } from './hlc';
import { acknowledged, renumberOutbox, RESTORE_SNAPSHOT, toGiveBack } from './restored';
import { uuidv7 } from './ids';
import { edit, ownListMends, storedOnServer } from './local';

/** How a pull's answer is laid out: `lean`, `packed` and `compact` are smaller (see compact.ts). */
type PullForm = 'lean' | 'packed' | 'compact' | 'full';

/** Records a pull asks for at once, the most the server gives: on a weak signal each page is a
 *  round trip of half a second or more, and a packed page of 500 is about 200 kB, what a
 *  compact page of 200 was. */
export const PULL_PAGE = 500;

export type SyncState =
  | { kind: 'idle'; unsent: number; lastSent: number | null }
  | { kind: 'sending'; unsent: number }
  | { kind: 'waiting'; unsent: number; cause: 'offline' | 'server'; message: string }
  | { kind: 'failed'; unsent: number; message: string };

export interface EngineOptions {
  db: Db;
  auth: Auth;
  /** The store changed: `records` are the ids whose stored copy or unsent edits changed
   * (undefined: anything may have). */
  onChange: (records?: string[]) => void;
  onState: (s: SyncState) => void;
  onSignedOut: () => void;
  /** The server said who this person works with, or their account, changed (or it may have:
   * the stream was lost and is back). */
  onPeople?: () => void;
  /** The server no longer takes this version's changes: get the new version of the app now, so
   *  the person is offered "Update now" instead of waiting for the browser's next check. */
  onUpdateNeeded?: () => void;
  channelName?: string;
  random?: () => number;
}

/** How often a long pull shows what it has stored so far. */
const SHOW_EVERY_MS = 1000;

/** Three of the server's keep-alives (every 15 s, `http/sync.rs`) missed: the stream is dead. */
export const EVENTS_SILENT_MS = 45_000;
const PUSH_BATCH = 200;
/** Bytes of operations in one push: half the most a server takes, leaving room for the rest of
 *  the request. A week offline of long statements in any script still goes, a push at a time. */
const PUSH_BYTES = PUSH_BODY_MAX / 2;

/** The oldest entries that fit in one push: at most `maxOps`, and at most `maxBytes` of JSON
 *  (always at least one: no single change is near the limit, as the app holds back long words). */
export function takeBatch<T extends { op: Operation }>(entries: T[], maxBytes: number, maxOps = PUSH_BATCH): T[] {
  const utf8 = new TextEncoder();
  const out: T[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = utf8.encode(JSON.stringify(e.op)).length + 1;
    if (out.length > 0 && (out.length >= maxOps || bytes + size > maxBytes)) break;
    out.push(e);
    bytes += size;
  }
  return out;
}

/** What one pull brought: the records it sent, those it took away, and the server's count of this
 *  device's operations. */
interface Pulled {
  records: Set<string>;
  removed: Set<string>;
  lastApplied: number;
}

/** What a live event told of: change `cursor` of the copy of the data named `generation`. */
export interface Told {
  cursor: number;
  generation: string;
}

/** Reads one server-sent message: what it told of, or null when it is not about one numbered
 *  change this store could already hold (on connect, an alert, an account, an older server). */
export function toldOf(message: string): Told | null {
  const data = message
    .split('\n')
    .find((l) => l.startsWith('data:'))
    ?.slice(5);
  if (!data || !message.includes('event: changes')) return null;
  try {
    const { cursor, generation } = JSON.parse(data) as { cursor?: unknown; generation?: unknown };
    return typeof cursor === 'number' && Number.isSafeInteger(cursor) && typeof generation === 'string' && generation
      ? { cursor, generation }
      : null;
  } catch {
    return null;
  }
}

export class SyncEngine {
  private attempt = 0;
  /** Lowered when something on the way (a proxy) refuses a push as too large. */
  private pushBytes = PUSH_BYTES;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private channel: BroadcastChannel | null;
  private events: AbortController | null = null;
  /** The live stream's wait before it reconnects, ended early when there is reason to think it
   * would connect now: signal came back, or the server answered a sync round after refusing or
   * failing to answer the stream (not after a stream that connected and was closed, which would
   * otherwise reconnect as fast as a round takes). */
  private streamWait: { end: () => void; refused: boolean } | null = null;
  /** The forms of a pull this server may know, best first: one that refuses a form (a replica
   * from before it, while an organisation replaces its replicas one by one) is asked in the next. */
  private pullForms: PullForm[] = ['lean', 'packed', 'compact', 'full'];
  lastSent: number | null = null;
  /** What the screen was last told of this engine's state. */
  private said: SyncState['kind'] | null = null;

  constructor(private o: EngineOptions) {
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(o.channelName ?? 'tandem');
    if (this.channel) this.channel.onmessage = (e: MessageEvent) => o.onChange(Array.isArray(e.data) ? (e.data as string[]) : undefined);
  }

  /** Records this round has changed in the store, so the screen re-reads only those. */
  private touched = new Set<string>();
  /** Pulled records holding a young person's own steps or ratings that dropped from sight. */
  private mendable = new Set<string>();
  /** When the screen was last told what this round stored. */
  private toldAt = 0;
  /** Words the server had forgotten were written back this round (see restored.ts). */
  private gaveBack = false;
  private restoring = false;

  /** Tells other tabs that the store changed, and this one unless it has shown the change itself. */
  announce({ shownHere = false, records }: { shownHere?: boolean; records?: string[] } = {}) {
    // Stopped (signed out): the channel is closed and the store is going.
    if (this.stopped) return;
    this.channel?.postMessage(records ?? null);
    if (!shownHere) this.o.onChange(records);
  }

  private rounds = coalesced(
    () => this.withLock(() => this.round()),
    () => !this.stopped,
  );

  /** Why the next round runs: `'round'` when anything but a live event asked (a save, signal
   *  back, a retry), else the highest change the events told of. */
  private asked: 'round' | Told | null = null;

  private ask(why: 'round' | Told) {
    const was = this.asked;
    this.asked =
      was === 'round' || why === 'round' || (was && was.generation !== why.generation)
        ? 'round'
        : { generation: why.generation, cursor: Math.max(was?.cursor ?? 0, why.cursor) };
  }

  /** Runs a sync round soon; rounds never overlap, and a request during one runs another after. */
  async syncNow(): Promise<void> {
    this.ask('round');
    await this.runRounds();
  }

  /** A live event told of a change (`null`: of something that is not one numbered change). */
  private heard(told: Told | null): Promise<void> {
    this.ask(told ?? 'round');
    return this.runRounds();
  }

  private async runRounds(): Promise<void> {
    // The store closed for good under a round (another tab signed out): nothing is left to sync.
    if (!this.stopped) await whileOpen(this.o.db, () => this.rounds());
  }

  /** Whether this store already reaches the change the events told of, in the same copy of the
   *  data, with nothing of its own waiting: then a round would only fetch what is here (the
   *  notice of this phone's own push, which its round has pulled; another tab's pull). */
  private async holds(told: Told): Promise<boolean> {
    const tx = this.o.db.transaction(['meta', 'outbox']);
    const meta = tx.objectStore('meta');
    const [cursor, session, alerts, givingBack, unsent] = await Promise.all([
      meta.get('cursor'),
      meta.get('session'),
      meta.get('alerts-pending'),
      meta.count(RESTORE_SNAPSHOT),
      tx.objectStore('outbox').count(),
    ]);
    return (
      typeof cursor === 'number' &&
      cursor >= told.cursor &&
      (session as { generation?: string } | undefined)?.generation === told.generation &&
      unsent === 0 &&
      givingBack === 0 &&
      !((alerts as unknown[] | undefined)?.length)
    );
  }

  private async withLock(f: () => Promise<void>) {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (locks) await locks.request('tandem-sync', f);
    else await f();
  }

  private async round() {
    // Stopped while waiting for the sync lock (signed out in this tab or another).
    if (this.stopped) return;
    const asked = this.asked ?? 'round';
    this.asked = null;
    if (asked !== 'round' && (await this.holds(asked))) return;
    this.touched = new Set();
    this.mendable = new Set();
    this.toldAt = Date.now();
    try {
      const unsent = await this.o.db.count('outbox');
      // Nothing to send and all well when last said: the check runs without saying so (at
      // opening the live stream asks for a second round at once, and the status would go from
      // "Everything is sent." to "Checking for updates…" and back, each read out by a screen reader).
      if (unsent > 0 || this.said !== 'idle') this.tell({ kind: 'sending', unsent });
      const session = (await readMeta(this.o.db.transaction('meta').store, uuidv7)).session;
      // Alerts first: they matter more than anything else waiting to be sent. What is known
      // of them is asked for beside the push and pull, not before: on a weak signal each
      // request one after another is a round trip of half a second or more.
      if (session) await sendAlerts(this.o.db, this.o.auth, session.role);
      const alertsKnown = session ? settled(refreshAlerts(this.o.db, this.o.auth, session.role)) : undefined;
      const synced = await settled((async () => {
        await this.push();
        if (unsent > 0) await this.saySent();
        await this.pull();
      })());
      // Told as a round one after another would have told it: the alerts' failure first.
      for (const outcome of [await alertsKnown, synced]) if (outcome && !outcome.ok) throw outcome.error;
      const gaveBack = this.gaveBack;
      this.gaveBack = false;
      if (gaveBack || (session?.role === 'young_person' && (await this.mendLists(session.person)))) {
        await this.push();
        await this.pull();
      }
      this.attempt = 0;
      // The server answers again: a live stream it didn't answer needn't wait out its backoff.
      if (this.streamWait?.refused) this.streamWait.end();
      const left = await this.o.db.count('outbox');
      // Nothing waiting and the server just answered: everything is on the server, whichever
      // tab happened to send it.
      if (left === 0) this.lastSent = Date.now();
      this.tell({ kind: 'idle', unsent: left, lastSent: this.lastSent });
    } catch (e) {
      // Signed out while this round ran: its store is closing, and there is nobody to tell.
      if (this.stopped) return;
      const left = await this.o.db.count('outbox');
      if (!(e instanceof ApiFailure)) {
        const message = isStorageFull(e)
          ? `This phone's storage is full, so Tandem can't bring in new things. Your changes are still saved on it. ${MAKE_SPACE}.`
          : 'Something went wrong while sending. Your changes are still saved on this phone, and Tandem will try again by itself.';
        this.tell({ kind: 'failed', unsent: left, message });
        this.retryLater();
        return;
      }
      const f = e.failure;
      if (f.kind === 'retry') {
        this.tell({ kind: 'waiting', unsent: left, cause: f.cause, message: f.message });
        this.retryLater();
      } else if (f.kind === 'sign-in') {
        this.tell({ kind: 'failed', unsent: left, message: 'Please sign in again to send your changes. They are still saved here.' });
        this.o.onSignedOut();
      } else if (f.kind === 'update-needed') {
        this.o.onUpdateNeeded?.();
        this.tell({
          kind: 'failed',
          unsent: left,
          message: 'Tandem needs updating before it can send. Your changes are still saved here. Tap Update now when it appears, or close Tandem and open it again.',
        });
      } else {
        this.tell({ kind: 'failed', unsent: left, message: f.message });
      }
    }
    this.announce({ records: [...this.touched] });
  }

  private tell(state: SyncState) {
    this.said = state.kind;
    this.o.onState(state);
  }

  /** Says what a push took before the pull after it: on a weak signal that pull is another round
   *  trip or more, and until then the screen would still say "Sending" and "Saved on this phone"
   *  of words the server already has. */
  private async saySent() {
    const left = await this.o.db.count('outbox');
    if (left === 0) this.lastSent = Date.now();
    this.tell(left === 0 ? { kind: 'idle', unsent: 0, lastSent: this.lastSent } : { kind: 'sending', unsent: left });
    this.showTouched();
  }

  /** Tells the screen (and other tabs) what this round has stored so far, and starts counting again. */
  private showTouched() {
    this.announce({ records: [...this.touched] });
    this.touched = new Set();
    this.toldAt = Date.now();
  }

  /** Signal is back: start the retries again from the shortest wait, not from where a long
   * time offline had pushed them (the first try may still meet the network waking up). */
  resume(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    this.streamWait?.end();
    void this.syncNow();
  }

  private retryLater() {
    if (this.timer || this.stopped) return;
    const delay = backoff(this.attempt++, this.o.random);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.syncNow();
    }, delay);
  }

  /** Sends this person's unsent operations, oldest first, in batches. */
  async push(): Promise<void> {
    const db = this.o.db;
    for (;;) {
      const meta = await readMeta(db.transaction('meta').store, uuidv7);
      if (!meta.session) return;
      const mine = (await db.getAll('outbox')).filter((e) => e.person === meta.session?.person).sort((a, b) => a.seq - b.seq);
      if (mine.length === 0) return;
      const batch = takeBatch(mine, this.pushBytes);
      const body: PushRequest = { protocol: PROTOCOL_VERSION, schema: SCHEMA_VERSION, device: meta.device, ops: batch.map((e) => e.op) };
      let answer: PushResponse;
      try {
        answer = await request<PushResponse>(this.o.auth, 'POST', '/api/sync/push', body);
      } catch (e) {
        // Too large for something on the way: send less at a time, at once.
        if (e instanceof ApiFailure && e.failure.kind === 'rejected' && e.failure.status === 413 && batch.length > 1) {
          this.pushBytes = Math.max(1, Math.floor(this.pushBytes / 2));
          continue;
        }
        throw e;
      }
      // Told to send numbers it was already told were stored: the server has gone back in time.
      if (answer.last_applied < batch[0].seq - 1 && answer.results.some((r) => r.status === 'out_of_order')) {
        await this.afterRestore();
        continue;
      }
      const tx = db.transaction(['outbox', 'rejected', 'records'], 'readwrite');
      const author: Author = { person: meta.session.person, role: meta.session.role, device: meta.device };
      const stored = async (entry: OutboxEntry, fields?: FieldResult[]) => {
        const records = tx.objectStore('records');
        const now = storedOnServer(await records.get(entry.op.record), entry, author, fields);
        if (now) await records.put(now);
      };
      const answered = new Set<number>();
      for (const result of answer.results) {
        const entry = batch.find((e) => e.seq === result.seq);
        if (!entry || result.status === 'out_of_order') continue;
        answered.add(entry.seq);
        if (result.status === 'rejected') {
          await tx.objectStore('rejected').put({ ...entry, reason: result.reason ?? 'The server would not take this change.' });
        } else {
          // An answer that doesn't list its fields' versions stands as applied, at the operation's clock.
          await stored(entry, result.fields.length > 0 ? result.fields : undefined);
        }
        await tx.objectStore('outbox').delete(entry.seq);
        this.touched.add(entry.op.record);
      }
      // Anything the server already has (a lost response) is done too.
      for (const entry of batch) {
        if (entry.seq > answer.last_applied || answered.has(entry.seq)) continue;
        await stored(entry);
        await tx.objectStore('outbox').delete(entry.seq);
        this.touched.add(entry.op.record);
      }
      await tx.done;
      if (answer.results.some((r) => r.status === 'out_of_order')) {
        throw new ApiFailure({ kind: 'rejected', status: 409, code: 'out_of_order', message: 'Some changes are waiting for earlier ones.' });
      }
      if (batch.length === mine.length) return;
    }
  }

  /** Writes back steps or ratings a young person's other device added at the same time (see
   *  `ownListMends`), for records this round touched. True if it wrote anything. */
  private async mendLists(me: string): Promise<boolean> {
    if (this.mendable.size === 0) return false;
    const db = this.o.db;
    // What is still waiting to be sent is replayed on top anyway; mend once it has gone.
    const waiting = new Set((await db.getAll('outbox')).map((e) => e.op.record));
    let wrote = false;
    for (const id of this.mendable) {
      const r = waiting.has(id) ? undefined : await db.get('records', id);
      const mends = r ? ownListMends(r, me) : [];
      if (!r || mends.length === 0) continue;
      await edit(db, { id: r.id, kind: r.kind, owner: r.owner }, mends);
      wrote = true;
    }
    this.mendable.clear();
    return wrote;
  }

  /** Pulls every page after the cursor. An empty store rebuilds from the start, never deletes.
   *  `fromStart`: every page from the first, finding what the server has now. */
  async pull(fromStart = false): Promise<Pulled> {
    const db = this.o.db;
    const metaStore = db.transaction('meta').store;
    const [stored, givingBack] = await Promise.all([readMeta(metaStore, uuidv7), metaStore.count(RESTORE_SNAPSHOT)]);
    let meta = stored;
    if (fromStart || (meta.cursor > 0 && (await db.count('records')) === 0)) meta = { ...meta, cursor: 0 };
    const pulled: Pulled = { records: new Set(), removed: new Set(), lastApplied: 0 };
    // A round that was giving words back was cut short: carry on with it.
    if (!fromStart && givingBack > 0) {
      await this.afterRestore();
      return pulled;
    }
    // The next page, asked for as soon as this one's headers name it: on a weak signal it is on
    // its way while this one arrives, a round trip sooner than asking once all of it has. Never
    // more than one ahead of the page arriving (`before`: the page before this one, arrived
    // whole): pages arriving side by side share the signal, so each would be whole only near the
    // end, and a signal lost part-way would leave none of them stored.
    const ahead = new Map<number, Promise<PullResponse>>();
    const ask = (since: number, before: Promise<unknown>): Promise<PullResponse> => {
      const page: Promise<PullResponse> = this.pullPage(since, meta.device, (next) => {
        void before.then(
          () => {
            const later = ask(next, page);
            // Not awaited if this pull stops first (a restore found): its failure is nobody's.
            later.catch(() => undefined);
            ahead.set(next, later);
          },
          // The page before failed: this pull stops there, and asks for nothing more.
          () => undefined,
        );
      });
      return page;
    };
    for (let first = true; ; first = false) {
      let page: PullResponse;
      try {
        const asked = ahead.get(meta.cursor);
        ahead.delete(meta.cursor);
        page = await (asked ?? ask(meta.cursor, Promise.resolve()));
      } catch (e) {
        if (fromStart || !(e instanceof ApiFailure && e.failure.kind === 'rejected' && e.failure.code === 'cursor_ahead')) throw e;
        await this.afterRestore();
        return pulled;
      }
      // Fewer of this device's operations than it was told were stored: gone back in time too.
      // (Never so while the server counts every number this device has given out.)
      if (first && !fromStart && meta.session && page.last_applied < meta.seq && page.last_applied < (await acknowledged(db, meta.session.person))) {
        await this.afterRestore();
        return pulled;
      }
      pulled.lastApplied = page.last_applied;
      const tx = db.transaction(['records', 'meta'], 'readwrite');
      // Read the clock again inside this transaction: an edit made while the page was on its
      // way has moved it on, and writing back the older one would let the clock run backwards.
      let clock = ((await tx.objectStore('meta').get('clock')) as Hlc | undefined) ?? meta.clock;
      // Every write asked for at once, not one after another: IndexedDB keeps them in order
      // within the transaction, and waiting for each answer in turn made a first sync of 1,000
      // records wait for 1,000 round trips to the browser's storage.
      const writes: Promise<unknown>[] = [];
      for (const r of page.records) {
        this.touched.add(r.id);
        pulled.records.add(r.id);
        if (meta.session?.role === 'young_person' && ownListMends(r, meta.session.person).length > 0) this.mendable.add(r.id);
        writes.push(tx.objectStore('records').put(r));
        for (const f of Object.values(r.fields)) if (f) clock = later(clock, f.stamp.hlc);
      }
      for (const id of page.removed) {
        this.touched.add(id);
        pulled.removed.add(id);
        writes.push(tx.objectStore('records').delete(id));
      }
      writes.push(
        tx.objectStore('meta').put(page.cursor, 'cursor'),
        tx.objectStore('meta').put(clock, 'clock'),
        // Until the last page is in, no screen says "nothing here": it may be on the next page.
        page.more ? tx.objectStore('meta').put(true, CATCHING_UP) : tx.objectStore('meta').delete(CATCHING_UP),
      );
      await Promise.all([...writes, tx.done]);
      meta = { ...meta, cursor: page.cursor, clock };
      if (!page.more) return pulled;
      // A long catch-up (a first sync on a weak signal, a large caseload): what is in shows now
      // and then, not only once the last page is.
      if (Date.now() - this.toldAt >= SHOW_EVERY_MS) {
        this.showTouched();
      }
    }
  }

  /** The server has gone back in time (restored from a backup): number the unsent operations
   *  from where it is, pull everything it has, and write back what this person wrote that it
   *  lacks. Nothing is lost if it stops half way: the words stay in the outbox, and the copy
   *  from before the pull stays in `RESTORE_SNAPSHOT`, from which the next round carries on. */
  private async afterRestore(): Promise<void> {
    // Behind again straight after pulling from the start: not something a restore explains.
    if (this.restoring) throw new ApiFailure({ kind: 'retry', cause: 'server', message: 'The server is not ready just now.' });
    this.restoring = true;
    try {
      const db = this.o.db;
      const before = ((await db.get('meta', RESTORE_SNAPSHOT)) as ServerRecord[] | undefined) ?? (await db.getAll('records'));
      await db.put('meta', before, RESTORE_SNAPSHOT);
      const pulled = await this.pull(true);
      const session = (await readMeta(db.transaction('meta').store, uuidv7)).session;
      if (!session) return;
      if (pulled.lastApplied < (await acknowledged(db, session.person))) await renumberOutbox(db, pulled.lastApplied);
      const unsent = new Map<string, Set<FieldName>>();
      for (const entry of await db.getAll('outbox')) {
        const fields = unsent.get(entry.op.record) ?? new Set<FieldName>();
        for (const c of entry.op.changes) fields.add(c.set.field);
        unsent.set(entry.op.record, fields);
      }
      for (const r of before) {
        // What this person may no longer see stays gone.
        if (pulled.removed.has(r.id)) continue;
        const now = pulled.records.has(r.id) ? await db.get('records', r.id) : undefined;
        const back = toGiveBack(r, now, session.person, unsent.get(r.id) ?? new Set());
        // Not on the server at all: not shown as stored; it comes back below as a new record
        // if this person wrote any of it, or from whoever did.
        if (!now) await db.delete('records', r.id);
        if (back.length > 0) await edit(db, { id: r.id, kind: r.kind, owner: r.owner }, back);
        if (!now || back.length > 0) this.touched.add(r.id);
      }
      await db.delete('meta', RESTORE_SNAPSHOT);
      this.gaveBack = true;
    } finally {
      this.restoring = false;
    }
  }

  /** One page, in the smallest form this server knows, as records. `onNext` is told the next
   *  page's `since` as soon as the answer's headers arrive, when more wait. */
  private async pullPage(since: number, device: string, onNext: (since: number) => void): Promise<PullResponse> {
    const path = `/api/sync/pull?since=${since}&device=${device}&limit=${PULL_PAGE}`;
    const options = {
      onHeaders: (headers: Headers) => {
        // Sent by servers since pages were asked for ahead; from an older one, none is.
        const next = Number(headers.get('tandem-next-since') ?? '');
        if (Number.isSafeInteger(next) && next > since) onNext(next);
      },
    };
    for (;;) {
      const form = this.pullForms[0];
      try {
        if (form === 'lean' || form === 'packed') {
          const page = await request<PackedPullResponse>(this.o.auth, 'GET', `${path}&form=${form}`, undefined, options);
          return { ...page, records: recordsOfPacked(page) };
        }
        if (form === 'compact') {
          const page = await request<CompactPullResponse>(this.o.auth, 'GET', `${path}&form=compact`, undefined, options);
          return { ...page, records: page.records.map(recordOf) };
        }
        return await request<PullResponse>(this.o.auth, 'GET', path, undefined, options);
      } catch (e) {
        const f = e instanceof ApiFailure ? e.failure : null;
        if (form === 'full' || f?.kind !== 'rejected' || f.status !== 400 || !f.message.includes('form')) throw e;
        this.pullForms.shift();
      }
    }
  }

  /** Listens for "changes after cursor N" and pulls; reconnects with backoff. */
  listen() {
    if (this.events || typeof fetch === 'undefined') return;
    const controller = new AbortController();
    this.events = controller;
    let attempt = 0;
    const connect = async () => {
      while (!controller.signal.aborted) {
        let refused = true;
        try {
          const resp = await fetch('/api/sync/events', {
            headers: {
              'tandem-protocol': String(PROTOCOL_VERSION),
              'tandem-schema': String(SCHEMA_VERSION),
              ...(this.o.auth.access ? { authorization: `Bearer ${this.o.auth.access}` } : {}),
            },
            signal: controller.signal,
          });
          if (resp.status === 401) await this.o.auth.refresh();
          if (resp.ok && resp.body) {
            refused = false;
            attempt = 0;
            // Connected (or back): whatever changed before the stream was listening was not
            // heard, so ask once now; from here on each change comes as an event.
            this.o.onPeople?.();
            const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
            // The server writes at least every 15 s; a stream silent for longer has died on the
            // way (a phone moving between masts often gets no word of it), so the screen would
            // stop being live without knowing. Cancelling ends the read and we connect again.
            let silent = setTimeout(() => void reader.cancel(), EVENTS_SILENT_MS);
            let buffer = '';
            try {
              for (;;) {
                const { value, done } = await reader.read();
                if (done) break;
                clearTimeout(silent);
                silent = setTimeout(() => void reader.cancel(), EVENTS_SILENT_MS);
                // Messages end with a blank line; keep only an unfinished one.
                const messages = (buffer + value).split('\n\n');
                buffer = messages.pop() ?? '';
                let people = false;
                for (const message of messages) {
                  const aboutPeople = message.includes('event: people');
                  if (!aboutPeople && !message.includes('event: changes')) continue;
                  people ||= aboutPeople;
                  void this.heard(toldOf(message));
                }
                if (people) this.o.onPeople?.();
              }
            } finally {
              clearTimeout(silent);
            }
          }
        } catch {
          // Offline or aborted; try again below.
        }
        if (controller.signal.aborted) return;
        // After a long time out of reach the wait has grown to a minute; a worker's screen whose
        // signal is back should be live again at once, not a minute later.
        await new Promise<void>((resolve) => {
          const wait = {
            refused,
            end: () => {
              clearTimeout(waited);
              if (this.streamWait === wait) this.streamWait = null;
              resolve();
            },
          };
          const waited = setTimeout(wait.end, backoff(attempt++, this.o.random));
          this.streamWait = wait;
        });
      }
    };
    void connect();
  }

  stop() {
    this.stopped = true;
    this.events?.abort();
    this.streamWait?.end();
    this.events = null;
    if (this.timer) clearTimeout(this.timer);
    this.channel?.close();
  }
}

/** A promise's outcome as a value: two requests in flight together, neither failure unheard. */
async function settled(work: Promise<void>): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await work;
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}
