import { createContext } from 'preact';
import type { FieldValue, RecordKind } from './generated/tandem';
import type { RejectedEntry, Session } from './sync/db';
import type { SyncState } from './sync/engine';
import type { Item } from './sync/local';
import type { AlertStatus, PendingAlert } from './sync/alerts';

export type Route = { name: 'home' } | { name: 'account' } | { name: 'goals' } | { name: 'goal'; id: string } | { name: 'strengths' } | { name: 'statements' } | { name: 'from-worker' } | { name: 'seen' } | { name: 'export' } | { name: 'delete-account' } | { name: 'invite' } | { name: 'people'; review?: true } | { name: 'assignments' } | { name: 'audit' } | { name: 'alert-routing' } | { name: 'tablets' } | { name: 'sessions'; id: string } | { name: 'join'; code?: string } | { name: 'person'; id: string } | { name: 'meeting'; owner: string; meeting: string };

export interface PersonRef {
  id: string;
  display_name: string;
  /** In a key worker's caseload: false while their invite is unused. */
  joined?: boolean;
  /** In a key worker's caseload: when the service closed their case, and when it erases their things. */
  case_closed_at?: number;
  erase_at?: number;
  /** In a key worker's caseload, or drop-in staff's list: the latest change they had seen when
   *  they last looked at the young person's page, on any device of theirs. */
  looked_at?: number;
}

export interface Escalation {
  to: PersonRef;
  after_minutes: number;
}

/** A helpline the service names (`GET /api/admin/support-lines`). */
/** When the service's workers are at work (the API's `WorkingHours`). */
export interface WorkingHours {
  /** 1 (Monday) to 7 (Sunday). */
  days: number[];
  start_minute: number;
  end_minute: number;
  time_zone: string;
}

export interface SupportLine {
  name: string;
  reach: 'call' | 'text';
  /** Digits and spaces, perhaps a leading +. */
  number: string;
  note: string;
}

export interface AppCtx {
  session: Session;
  items: Item[];
  rejected: RejectedEntry[];
  workers: PersonRef[];
  caseload: PersonRef[];
  /** Who is told if the young person presses "I don't feel safe": their workers, or the duty worker. */
  alertsGoTo: PersonRef[];
  /** Who else is told if the young person's key workers haven't seen their alert in time. */
  alertsEscalate: Escalation | null;
  /** Helplines the service names, to talk to someone now (kept on the phone for when offline). */
  supportLines: SupportLine[];
  /** When the service's workers are at work, if it has said (kept on the phone for when offline). */
  workingHours: WorkingHours | null;
  sync: SyncState;
  online: boolean;
  go(route: Route): void;
  /** Saves changes to an item (on this phone at once; sent when there is signal). False if this
   *  device could not store them: nothing was saved, and the app says why. `drafts`: the keys of
   *  the drafts the words were typed in (`useDraft`), forgotten with the save, in its transaction. */
  save(item: { id: string; kind: RecordKind; owner: string } | Item, changes: FieldValue[], drafts?: string[]): Promise<boolean>;
  /** The young person's own thing they removed on this screen, until they put it back or move on. */
  removed: Item | null;
  /** Undoes that removal (false if this device could not store it, as for `save`). */
  putBack(): Promise<boolean>;
  forgetRemoved(): void;
  /** A new item's id, or null if it could not be saved (as for `save`); `owner` when it is
   *  someone else's (a worker's suggestion). */
  create(kind: RecordKind, changes: FieldValue[], opts?: { owner?: string; drafts?: string[] }): Promise<string | null>;
  dismissRejected(seq: number): Promise<void>;
  syncNow(): void;
  signOut(): void;
  /** Drop-in staff hand the tablet to a young person: sign out, then a shared-tablet sign-in. */
  lendTablet(): void;
  /** The signed-in person's own requests to the API (admin screens, invites). */
  api<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** A new PIN or password (needs signal); a lock screen on this device then asks for the new one. */
  changeSecret(current: string, next: string): Promise<void>;
  /** The name others see, and (with their PIN or password) a new name to sign in with. Needs signal. */
  changeNames(names: { display_name: string; name?: string; current?: string }): Promise<void>;
  accessLog(): Promise<AccessEntry[]>;
  /** When this worker last opened each young person's page (ms). */
  lastLooked: { [person: string]: number };
  /** Saved items with changes typed on this device and not saved yet. */
  drafted: ReadonlySet<string>;
  /** This device has fetched from the server at least once: until then, what others shared is
   *  not known here, and no count of it may say "none". */
  pulled: boolean;
  /** Who this person works with (a worker's caseload, the team's list) is known on this device:
   *  until then an empty list is not known to be empty. */
  meKnown: boolean;
  /** Collision notices put away on this device ("OK"), by `collisionKey`. */
  putAway: string[];
  putAwayNotices(keys: string[]): void;
  /** The worker has seen this young person's things up to `latest` (the newest change shown). */
  markLooked(person: string, latest: number): void;
  /** Joined on this device and not yet put away: their home says how Tandem works. */
  welcome: boolean;
  putAwayWelcome(): void;
  alerts: AlertStatus[];
  pendingAlerts: PendingAlert[];
  /** False if it could be neither sent nor kept on this device to send. */
  raiseAlert(): Promise<boolean>;
  markAlertSeen(id: string): Promise<void>;
  /** When the young person's case closed and when their things will be erased (ms), if so. */
  plan: { caseClosedAt: number | null; eraseAt: number | null };
  /** A lock code for Tandem on this phone (a young person's choice): asked for when it opens and
   *  after a minute away. */
  phoneLock: { on: boolean; turnOn(code: string): Promise<void>; turnOff(): Promise<void> };
  /** Deletes the young person's account (now, or after the cooling-off) and wipes this device;
   * resolves to what went wrong, in words they can act on, or null. */
  deleteAccount(now: boolean): Promise<string | null>;
}

export interface AccessEntry {
  who_name: string;
  role: string;
  /** `copy`: the service made a copy of everything held about them (a subject access request). */
  action: 'read' | 'change' | 'copy';
  records: number;
  at: number;
}

export const Ctx = createContext<AppCtx>(null as unknown as AppCtx);

/** What a card needs besides its item. It changes rarely, so on a phone holding hundreds of
 * records a save redraws the one card it changed, not every card on the screen. */
export interface CardCtxValue {
  me: string;
  workers: PersonRef[];
  save: AppCtx['save'];
  /** Words typed and not yet saved, kept on this device by `key` ('' forgets them); `hasDraft`:
   *  whether a saved item has a change kept (its card opens where the words were). */
  drafts: { read(key: string): Promise<string | undefined>; keep(key: string, words: string): Promise<void>; hasDraft(item: string): boolean };
}

export const CardCtx = createContext<CardCtxValue>(null as unknown as CardCtxValue);

/** Names one kept version of one field of one record, for putting its notice away. */
export function collisionKey(record: string, c: { value: { field: string }; stamp: { hlc: { ms: number; count: number }; device: string } }): string {
  return `${record}/${c.value.field}/${c.stamp.hlc.ms}.${c.stamp.hlc.count}/${c.stamp.device}`;
}

/** Does a kept version still say something other than what the record says now? Once the young
 *  person has taken the other side's version, there is nothing left to tell either of them. */
export function stillDiffers(values: { [field: string]: unknown }, kept: { field: string; value: unknown }): boolean {
  return !sameValue(values[kept.field], kept.value);
}

/** Equal as JSON values, whatever order their keys came in (a step is `{text, done}` on one side
 *  and may be `{done, text}` on the other). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const ra = a as { [k: string]: unknown };
  const rb = b as { [k: string]: unknown };
  return ka.length === kb.length && ka.every((k) => k in rb && sameValue(ra[k], rb[k]));
}

/** A device signed in as someone, as `/api/me/sessions` (and, for a young person, `/api/me`)
 *  names it. */
export interface DeviceSignIn {
  id: string;
  this_device: boolean;
  /** What kind of device it said it was at sign-in ("Android phone (Chrome)"), if it said. */
  device_kind?: string | null;
  tablet: string | null;
  started_at: number;
  last_seen_at: number | null;
}
