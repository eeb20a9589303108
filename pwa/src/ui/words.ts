// Plain words, in one place, so they can be read and checked together (aim: reading age 9).
import type { FieldValue, Visibility } from '../generated/tandem';
import type { SyncState } from '../sync/engine';
import type { DeviceSignIn, WorkingHours } from '../context';

const NAMES = new Intl.Collator('en-GB', { sensitivity: 'base', numeric: true });
/** People in the order a reader looks for them: by name, whatever its capitals or accents
 *  ("ash" before "New starter"; the database's order puts every capital first). */
export function byName(a: { display_name: string }, b: { display_name: string }): number {
  return NAMES.compare(a.display_name, b.display_name);
}

/** Whether a name holds what was typed to find it, whatever the capitals or accents of either:
 *  "zoe" finds "Zoë", "EMILE" finds "Émile". */
export function nameHas(name: string, typed: string): boolean {
  const plain = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  return plain(name).includes(plain(typed.trim()));
}

/** A number of minutes as said aloud: "30 minutes", "an hour", "4 hours". */
export function minutes(n: number): string {
  if (n % 60 !== 0) return `${n} minutes`;
  return n === 60 ? 'an hour' : `${n / 60} hours`;
}

/** Letters of the scripts written right to left (Hebrew, Arabic, Syriac, Thaana, N'Ko and the
 *  rest of those blocks, with their presentation forms). */
const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u{10800}-\u{10fff}\u{1e800}-\u{1efff}]/u;

/** A name (or someone's words) set inside one of Tandem's sentences, kept in its own direction:
 *  a name in Arabic script followed by a number, a bracket or another name would otherwise pull
 *  them into its right-to-left order ("سارة (2)" shown as "(2) سارة"). Only words with
 *  right-to-left letters are wrapped, in Unicode's first-strong isolate (U+2068 … U+2069, what
 *  `<bdi>` does where an element can't go), so other names stay exactly as typed. */
export function isolate(words: string): string {
  return RIGHT_TO_LEFT.test(words) ? `\u2068${words}\u2069` : words;
}

export function names(list: string[]): string {
  if (list.length === 0) return 'your worker';
  const each = list.map(isolate);
  if (each.length === 1) return each[0];
  return `${each.slice(0, -1).join(', ')} and ${each[each.length - 1]}`;
}

// With no key worker, "my worker" reaches nobody yet: say so, not "you and your worker".
export function whoCanSee(v: Visibility, workers: string[]): string {
  const none = workers.length === 0;
  switch (v) {
    case 'private':
      return 'Only you';
    case 'worker':
      return none ? 'Only you for now. You have no key worker just now; when you get one, they will see it' : `You and ${names(workers)}`;
    case 'team':
      return none ? 'You and the drop-in team. You have no key worker just now' : `You, ${workers.map(isolate).join(', ')} and the drop-in team`;
  }
}

export function shareChoice(v: Visibility): string {
  return v === 'private' ? 'Just me' : v === 'worker' ? 'Me and my worker' : 'Me, my worker and drop-in staff';
}

export function syncWords(s: SyncState, online: boolean): { text: string; tone: 'ok' | 'wait' | 'problem' } {
  const n = s.unsent;
  const changes = n === 1 ? '1 change' : `${n} changes`;
  switch (s.kind) {
    case 'sending':
      return { text: n > 0 ? `Sending ${changes}…` : 'Checking for updates…', tone: 'wait' };
    case 'waiting':
      // Only say "signal" when there was no answer: if the server answered "not now", the
      // person's signal is fine and they should not go looking for a better one.
      if (s.cause === 'server') {
        return { text: n > 0 ? `Saved on this phone. Tandem can't take ${changes} just now; it will keep trying.` : "Tandem can't answer just now; it will keep trying.", tone: 'wait' };
      }
      return { text: n > 0 ? `Saved on this phone. Waiting for signal to send ${changes}.` : 'No signal just now. Nothing is waiting to be sent.', tone: 'wait' };
    case 'failed':
      return { text: s.message, tone: 'problem' };
    case 'idle':
      if (n > 0) return { text: online ? `Saved on this phone. ${changes} to send.` : `Saved on this phone. Waiting for signal to send ${changes}.`, tone: 'wait' };
      return { text: s.lastSent ? 'Everything is sent.' : 'Everything is saved.', tone: 'ok' };
  }
}

/** The date where the young person is (a rating at half past midnight in summer is today's, not
 * yesterday's as a UTC date would make it), as the server stores it: YYYY-MM-DD. */
export function localDate(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

export interface SeenEntry {
  who_name: string;
  role: string;
  /** `copy`: the service made a copy of everything held about them (a subject access request). */
  action: 'read' | 'change' | 'copy';
  records: number;
  at: number;
}

/** One day of the access log: who looked or changed, and how often, in plain words. */
export interface SeenDay {
  day: string;
  lines: string[];
}

/** The access log (newest first) as days, each saying once per person and kind what they did:
 *  a worker's laptop and phone each fetching the same things is one line, not a list. */
export function seenDays(entries: SeenEntry[], now = new Date()): SeenDay[] {
  type Tally = { who: string; action: SeenEntry['action']; times: number; records: number };
  const days: { day: string; tally: Map<string, Tally> }[] = [];
  for (const e of entries) {
    const day = dayWords(new Date(e.at), now);
    if (days[days.length - 1]?.day !== day) days.push({ day, tally: new Map() });
    const { tally } = days[days.length - 1];
    const who = e.role === 'drop_in_staff' ? `${isolate(e.who_name)} (drop-in staff)` : isolate(e.who_name);
    const key = `${who}\u0000${e.action}`;
    const t = tally.get(key) ?? { who, action: e.action, times: 0, records: 0 };
    t.times += 1;
    t.records += e.records;
    tally.set(key, t);
  }
  return days.map(({ day, tally }) => ({ day, lines: [...tally.values()].map(seenLine) }));
}

/** What the access log calls each kind of entry, for the screen and the saved copy. */
export function seenVerb(action: SeenEntry['action']): string {
  return action === 'read' ? 'looked at' : action === 'copy' ? 'made a copy of everything of yours, with' : 'changed';
}

function seenLine(t: { who: string; action: SeenEntry['action']; times: number; records: number }): string {
  if (t.action === 'copy') {
    const when = t.times === 1 ? '' : t.times === 2 ? ' twice' : ` ${t.times} times`;
    return `The service made a copy of everything of yours${when}, for a request to see what it holds about you`;
  }
  const verb = seenVerb(t.action);
  if (t.times === 1) return `${t.who} ${verb} ${t.records === 1 ? '1 of your things' : `${t.records} of your things`}`;
  return `${t.who} ${verb} your things ${t.times === 2 ? 'twice' : `${t.times} times`}`;
}

/** Said where a young person's list is empty only because this phone hasn't fetched anything
 *  yet: "nothing here" would tell them their words are gone. */
export const GETTING = 'Getting your things… They show here as soon as they arrive.';

/** What a staff member's caseload card says of someone's shared things: `allIn` once the last
 *  pull page is stored (until then a count is only what has come so far). */
export function sharedWords(n: number, withWhom: 'you' | 'the team', allIn: boolean): string {
  if (!allIn && n === 0) return 'Checking what they have shared…';
  return `${n === 1 ? '1 thing' : `${n} things`} shared with ${withWhom}${allIn ? '' : ' so far'}`;
}

/** A rating's day (`YYYY-MM-DD`, the rater's own calendar) as "today", "yesterday" or "on
 *  Saturday 28 November". */
/** Ratings in order of day, whatever order they are stored in (a phone whose clock was wrong
 *  for a day): where a goal started is its earliest day. */
export function ratingsByDay<R extends { date: string }>(ratings: R[]): R[] {
  return [...ratings].sort((a, b) => a.date.localeCompare(b.date));
}

export function ratingDay(date: string, now = new Date()): string {
  const [y, m, d] = date.split('-').map(Number);
  return y && m && d ? onDay(new Date(y, m - 1, d), now) : `on ${date}`;
}

/** A rating's day on its own, as a label: "Yesterday", "Saturday 28 November". */
export function ratingDayName(date: string, now = new Date()): string {
  const [y, m, d] = date.split('-').map(Number);
  return y && m && d ? dayWords(new Date(y, m - 1, d), now) : date;
}

/** A day inside a sentence: "today", "yesterday", "on Tuesday 1 December". */
export function onDay(d: Date, now = new Date()): string {
  const words = dayWords(d, now);
  return words === 'Today' || words === 'Yesterday' ? words.toLowerCase() : `on ${words}`;
}

/** A moment as "today at 7:32 PM", "yesterday at 11:50 PM", "on Monday 30 November at 9:05 AM". */
export function atTime(ms: number, now = new Date()): string {
  const d = new Date(ms);
  return `${onDay(d, now)} at ${d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })}`;
}

/** When a young person pressed "I don't feel safe", for the worker told of it: with when it
 *  reached Tandem too, if that was a quarter of an hour or more later (pressed with no signal). */
export function alertWhen(raisedAt: number, receivedAt: number, now = new Date()): string {
  if (receivedAt - raisedAt < 15 * 60_000) return atTime(raisedAt, now);
  return `pressed ${atTime(raisedAt, now)}; it reached Tandem ${atTime(receivedAt, now)}`;
}

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Whether `now` is outside the service's working hours, in the service's time zone wherever
 *  the phone is set; null if the phone can't tell (a time zone it doesn't know). */
export function outOfHours(h: WorkingHours, now = new Date()): boolean | null {
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone: h.time_zone, weekday: 'long', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(now);
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    const day = DAYS.indexOf(part('weekday')) + 1;
    const minute = Number(part('hour')) * 60 + Number(part('minute'));
    return !(h.days.includes(day) && minute >= h.start_minute && minute < h.end_minute);
  } catch {
    return null;
  }
}

/** Working hours in words: "Monday to Friday, 9am to 5pm". */
export function hoursWords(h: WorkingHours): string {
  const days = [...h.days].sort((a, b) => a - b);
  const runs: number[][] = [];
  for (const d of days) {
    const last = runs[runs.length - 1];
    if (last && last[last.length - 1] === d - 1) last.push(d);
    else runs.push([d]);
  }
  const said = days.length === 7 ? ['every day'] : runs.flatMap((r) => (r.length >= 3 ? [`${DAYS[r[0] - 1]} to ${DAYS[r[r.length - 1] - 1]}`] : r.map((d) => DAYS[d - 1])));
  const list = said.length === 1 ? said[0] : `${said.slice(0, -1).join(', ')} and ${said[said.length - 1]}`;
  return `${list}, ${clock(h.start_minute)} to ${clock(h.end_minute)}`;
}

/** A time of day as people say it: "9am", "5:30pm", "midday", "midnight". */
function clock(minute: number): string {
  if (minute === 0 || minute === 1440) return 'midnight';
  if (minute === 720) return 'midday';
  const [h, m] = [Math.floor(minute / 60), minute % 60];
  return `${h % 12 || 12}${m ? `:${String(m).padStart(2, '0')}` : ''}${h < 12 ? 'am' : 'pm'}`;
}

function dayWords(d: Date, now: Date): string {
  const start = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const ago = Math.round((start(now) - start(d)) / 86_400_000);
  if (ago === 0) return 'Today';
  if (ago === 1) return 'Yesterday';
  return d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', ...(d.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }) });
}

/** What a field is, said as part of a sentence ("both changed the small steps"). */
export function fieldName(field: FieldValue['field']): string {
  const names: { [K in FieldValue['field']]: string } = {
    title: 'the goal',
    why: 'why it matters',
    steps: 'the small steps',
    ratings: 'how it is going',
    status: 'where you are with it',
    text: 'the words',
    noticed_by: 'who noticed it',
    meeting: 'the meeting',
    visibility: 'who can see it',
    deleted: 'whether it is kept',
    accepted: 'whether it was accepted',
  };
  return names[field];
}

/** A field's value in words, whatever its kind: lists and choices read as sentences, not code. */
export function valueWords(v: FieldValue): string {
  switch (v.field) {
    case 'steps':
      return v.value.length === 0 ? 'no steps' : v.value.map((s) => `${s.text}${s.done ? ' (done)' : ''}`).join('; ');
    case 'ratings': {
      // Goal-based outcomes are read as movement: where it started as well as where it is.
      const byDay = ratingsByDay(v.value);
      const first = byDay[0];
      const last = byDay[byDay.length - 1];
      if (!last) return 'no ratings';
      const latest = `${last.score} out of 10 ${ratingDay(last.date)}`;
      return first === last ? latest : `${latest}, from ${first.score} ${ratingDay(first.date)}`;
    }
    case 'status':
      return { active: 'working on it', achieved: 'done it', paused: 'taking a break', let_go: 'let it go' }[v.value];
    case 'noticed_by':
      return { me: 'they noticed it', my_worker: 'their worker noticed it', someone_else: 'someone else noticed it' }[v.value];
    case 'meeting':
      return v.value ?? 'no meeting';
    case 'visibility':
      return shareChoice(v.value);
    case 'deleted':
      return v.value ? 'deleted' : 'kept';
    case 'accepted':
      return v.value ? 'accepted' : 'not accepted';
    default:
      return v.value;
  }
}

/** A kind of device with "a" or "an": "An Android phone (Chrome)", "A Mac (Safari)", "An iPhone". */
export function withArticle(kind: string): string {
  return `${/^[AEIOUi]/.test(kind) ? 'An' : 'A'} ${kind}`;
}

/** The full stop after someone's words in a sentence, unless their words end one already: “Can
 *  we meet?”. reads as a slip. */
export function stopAfter(words: string): string {
  return /[.!?…]["'”’)]*\s*$/.test(words) ? '' : '.';
}

/** Which device a sign-in is, in words (`inSentence`: to go after other words). */
export function deviceName(s: DeviceSignIn, inSentence = false): string {
  const name = s.this_device
    ? 'This device'
    : s.tablet
      ? `The shared tablet "${s.tablet}"`
      : s.device_kind
        ? withArticle(s.device_kind)
        : 'Another device';
  return inSentence ? name.charAt(0).toLowerCase() + name.slice(1) : name;
}
