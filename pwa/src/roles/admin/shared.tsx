// What the console's screens share: the API's shapes, plain words for roles and statuses, and
// calling the API with a problem to show.
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx } from '../../context';
import { problemWords } from '../../ui/useSubmit';

export interface Person {
  id: string;
  role: 'young_person' | 'key_worker' | 'drop_in_staff' | 'admin';
  display_name: string;
  joined: boolean;
  needs_new_secret: boolean;
  deactivated: boolean;
  /** Staff: signing in asks for a code from their authenticator app too. */
  two_step: boolean;
  /** Staff: they linked their organisation account, and can sign in with it. */
  sso_linked: boolean;
  /** Key workers: devices told of alerts with Tandem closed. */
  alert_devices: number;
  case_closed_at: number | null;
  erased_at: number | null;
  /** Staff: when they were added. */
  added_at: number | null;
  /** Staff: when they last used Tandem (signed in, or still signed in); null if never. */
  last_active_at: number | null;
}
export interface Assigned {
  young_person: string;
  display_name: string;
  workers: { id: string; display_name: string }[];
}
export interface SessionRow {
  id: string;
  device: string;
  device_kind?: string | null;
  tablet: string | null;
  started_at: number;
  last_seen_at: number | null;
}
export interface AuditRow {
  id: number;
  at: number;
  actor_name: string | null;
  action: string;
  subject_name: string | null;
  detail: string;
}

export const ROLE_WORDS: Record<Person['role'], string> = {
  young_person: 'Young person',
  key_worker: 'Key worker',
  drop_in_staff: 'Drop-in staff',
  admin: 'Admin',
};
export const when = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** What the people list says of someone. A password or PIN lost in a restore comes first: they
 *  can't sign in until they have a new one. */
export function status(p: Person): string {
  if (p.deactivated) return 'Deactivated';
  if (!p.joined) return 'Invited, not joined yet';
  if (p.needs_new_secret) {
    return p.role === 'young_person'
      ? 'Needs a new code: the PIN they chose was lost when the data was restored'
      : 'Needs a new password: theirs was lost when the data was restored';
  }
  if (p.case_closed_at) {
    const erased = p.erased_at ? `; everything of theirs is erased ${new Date(p.erased_at).toLocaleDateString(undefined, { dateStyle: 'medium' })} unless it is reopened` : '';
    return `Case closed ${when(p.case_closed_at)}${erased}`;
  }
  if (p.role !== 'young_person') {
    const ways = [p.sso_linked ? 'organisation sign-in linked' : null, p.two_step ? 'two-step sign-in on' : null].filter(Boolean);
    const used = p.last_active_at ? `last used Tandem ${day(p.last_active_at)}` : 'has not signed in yet';
    return `${ways.length > 0 ? `Active, ${ways.join(', ')}` : 'Active, password only'}; ${used}`;
  }
  return 'Active';
}

const day = (ms: number) => new Date(ms).toLocaleDateString(undefined, { dateStyle: 'medium' });

/** How long staff may go without using Tandem before the console asks whether they still need
 *  their account (someone who left and was never deactivated is a way in nobody watches). */
export const UNUSED_DAYS = 90;

/** Staff, not deactivated, who haven't used Tandem for `UNUSED_DAYS` (or were added that long
 *  ago and never have). */
export function unusedStaff(people: Person[], now = Date.now()): Person[] {
  const since = now - UNUSED_DAYS * 86_400_000;
  return people.filter((p) => p.role !== 'young_person' && !p.deactivated && (p.last_active_at ?? p.added_at ?? now) < since);
}
/** Calls the API and keeps a plain-words problem for the screen. */
export function useCall() {
  const ctx = useContext(Ctx);
  const [problem, setProblem] = useState<string | null>(null);
  const call = async <T,>(method: string, path: string, body?: unknown): Promise<T | null> => {
    setProblem(null);
    try {
      return await ctx.api<T>(method, path, body);
    } catch (e) {
      setProblem(problemWords(e, 'This needs a connection. Try again in a moment.'));
      return null;
    }
  };
  return { call, problem, ctx };
}

export function Problem({ text }: { text: string | null }) {
  return text ? <p class="problem" role="alert">{text}</p> : null;
}
export const PEOPLE_SHOWN = 100;

/** What a search of a list of people found, said as it changes. */
export function Found({ matching, shown, finding }: { matching: number; shown: number; finding: boolean }) {
  return (
    <p role="status">
      {matching === 0
        ? (finding ? 'Nobody has a name like that.' : '')
        : matching > shown
          ? `Showing ${shown} of ${matching}: type more of a name to find someone else.`
          : finding ? `${matching} found.` : ''}
    </p>
  );
}

export function usePeople(call: ReturnType<typeof useCall>['call']) {
  const [people, setPeople] = useState<Person[] | null>(null);
  const load = async () => setPeople((await call<Person[]>('GET', '/api/admin/people')) ?? people);
  useEffect(() => void load(), []);
  return { people, load };
}
