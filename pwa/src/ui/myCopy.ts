// A young person's own copy of their things: their words and choices in plain fields, readable
// without Tandem (not the app's internal records, which carry device ids and clocks).
import type { GoalStatus, NoticedBy, Rating, Step } from '../generated/tandem';
import type { AlertStatus } from '../sync/alerts';
import type { Item } from '../sync/local';
import { type SeenEntry, seenVerb, shareChoice, valueWords } from './words';

const NOTICED: Record<NoticedBy, string> = { me: 'I noticed it', my_worker: 'My worker noticed it', someone_else: 'Someone else noticed it' };

export interface MyCopy {
  exported: string;
  strengths: { text: string; who_noticed?: string; who_can_see: string; written_by: string }[];
  goals: { title: string; why?: string; where_i_am: string; steps: Step[]; ratings: Rating[]; who_can_see: string; written_by: string }[];
  statements: { text: string; meeting?: string; who_can_see: string; written_by: string }[];
  /** Each time they said they didn't feel safe, and who saw it. */
  times_i_said_i_did_not_feel_safe: { when: string; seen_by?: string; seen?: string }[];
  /** The access log, or why it is not in this copy. */
  who_has_seen: { who: string; did: string; how_many_things: number; when: string }[] | string;
}

/** Said in a copy made without the access log (it is only on the server). */
export const SEEN_NEEDS_SIGNAL = 'Not in this copy: it was made without signal. Download again when you are online to include it.';

/** `names`: display names of the people who may have written words (their workers); `alerts`:
 *  the "I don't feel safe" alerts this device knows of; `seen`: the access log, null if it could
 *  not be fetched. */
export function myCopy(items: Item[], names: { [person: string]: string }, alerts: AlertStatus[], seen: SeenEntry[] | null, exported: Date): MyCopy {
  const of = (kind: Item['kind']) => items.filter((i) => i.kind === kind);
  const byWhom = (i: Item, field: 'text' | 'title') => {
    const writer = i.writers[field];
    return !writer || writer.person === i.owner ? 'Me' : (names[writer.person] ?? 'A worker');
  };
  const canSee = (i: Item) => shareChoice(i.visibility);
  const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return {
    exported: exported.toISOString(),
    strengths: of('strength').map((i) => ({
      text: String(i.values.text ?? ''),
      ...(i.values.noticed_by ? { who_noticed: NOTICED[i.values.noticed_by as NoticedBy] } : {}),
      who_can_see: canSee(i),
      written_by: byWhom(i, 'text'),
    })),
    goals: of('goal').map((i) => ({
      title: String(i.values.title ?? ''),
      ...(i.values.why ? { why: String(i.values.why) } : {}),
      where_i_am: sentence(valueWords({ field: 'status', value: (i.values.status as GoalStatus | undefined) ?? 'active' })),
      steps: ((i.values.steps as Step[] | undefined) ?? []).map((s) => ({ text: s.text, done: s.done })),
      ratings: ((i.values.ratings as Rating[] | undefined) ?? []).map((r) => ({ date: r.date, score: r.score })),
      who_can_see: canSee(i),
      written_by: byWhom(i, 'title'),
    })),
    statements: of('statement').map((i) => ({
      text: String(i.values.text ?? ''),
      ...(i.values.meeting ? { meeting: String(i.values.meeting) } : {}),
      who_can_see: canSee(i),
      written_by: byWhom(i, 'text'),
    })),
    times_i_said_i_did_not_feel_safe: alerts.map((a) => ({
      when: new Date(a.raised_at).toISOString(),
      ...(a.seen_at ? { seen_by: a.seen_by_name ?? 'A worker', seen: new Date(a.seen_at).toISOString() } : {}),
    })),
    who_has_seen: seen
      ? seen.map((e) => ({
          who: e.role === 'drop_in_staff' ? `${e.who_name} (drop-in staff)` : e.who_name,
          did: seenVerb(e.action),
          how_many_things: e.records,
          when: new Date(e.at).toISOString(),
        }))
      : SEEN_NEEDS_SIGNAL,
  };
}
