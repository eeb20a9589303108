// Safety alerts: who is told when a young person with no key worker says they don't feel safe,
// when the duty worker is told of an alert nobody has seen, and who young people can talk to now.
import { useEffect, useState } from 'preact/hooks';
import { type SupportLine, type WorkingHours } from '../../context';
import { hoursWords, minutes } from '../../ui/words';
import { useCall, Problem, usePeople } from './shared';
import { problemWords } from '../../ui/useSubmit';

interface AlertSettings {
  duty_worker: string | null;
  escalate_after_minutes: number | null;
}

const ESCALATE_AFTER = [15, 30, 60, 120, 240];

export function AlertRouting() {
  const { call, problem } = useCall();
  const { people } = usePeople(call);
  const [settings, setSettings] = useState<AlertSettings | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => void call<AlertSettings>('GET', '/api/admin/settings').then((s) => s && setSettings(s)), []);
  const workers = (people ?? []).filter((p) => p.role === 'key_worker' && !p.deactivated);
  const duty = workers.find((w) => w.id === settings?.duty_worker);
  const change = (to: Partial<AlertSettings>) => {
    setSettings((s) => s && { ...s, ...to });
    setSaved(false);
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    if (!settings) return;
    // With nobody on duty there is nobody else to tell.
    const body = { ...settings, escalate_after_minutes: settings.duty_worker ? settings.escalate_after_minutes : null };
    const stored = await call<AlertSettings>('PUT', '/api/admin/settings', body);
    if (stored) {
      setSettings(stored);
      setSaved(true);
    }
  };
  const afters = settings?.escalate_after_minutes && !ESCALATE_AFTER.includes(settings.escalate_after_minutes)
    ? [...ESCALATE_AFTER, settings.escalate_after_minutes].sort((a, b) => a - b)
    : ESCALATE_AFTER;
  return (
    <section>
      <h1>Safety alerts</h1>
      <p>When a young person presses "I don't feel safe right now", their key workers are told. Choose who is told when a young person has no key worker: a duty worker. If nobody is chosen, the app tells the young person that Tandem can't tell anyone for them, and to tell a member of staff.</p>
      <Problem text={problem} />
      {settings === undefined ? <p>Loading…</p> : (
        <form class="stack narrow" onSubmit={save}>
          <label for="duty">Duty worker</label>
          <select id="duty" value={settings.duty_worker ?? ''} aria-describedby={duty ? 'duty-told' : undefined} onChange={(e) => change({ duty_worker: e.currentTarget.value || null })}>
            <option value="">Nobody</option>
            {workers.map((w) => <option key={w.id} value={w.id}>{w.display_name}</option>)}
          </select>
          {/* Whether the duty worker would hear of an alert with Tandem closed, or only on opening it. */}
          {duty && (
            <p class="hint" id="duty-told">
              {duty.alert_devices > 0
                ? `${duty.display_name} is told with Tandem closed too, on ${duty.alert_devices === 1 ? '1 device' : `${duty.alert_devices} devices`}.`
                : `${duty.display_name} sees alerts when Tandem is open. To be told with it closed, they turn on notifications under "Your account" on the device they carry on duty.`}
            </p>
          )}
          <label for="escalate">When a young person's key workers haven't seen their alert, tell the duty worker too</label>
          <select id="escalate" value={settings.escalate_after_minutes ?? ''} disabled={!settings.duty_worker} aria-describedby="escalate-hint"
            onChange={(e) => change({ escalate_after_minutes: e.currentTarget.value ? Number(e.currentTarget.value) : null })}>
            <option value="">Never</option>
            {afters.map((m) => <option key={m} value={m}>{`After ${minutes(m)}`}</option>)}
          </select>
          <p class="hint" id="escalate-hint">{settings.duty_worker ? 'Young people are told this before they send an alert.' : 'Choose a duty worker first.'}</p>
          <button type="submit">Save</button>
          {saved && <p role="status">Saved.</p>}
        </form>
      )}
      <WorkingHoursForm />
      <AlertsAnswered />
      <SupportLines />
    </section>
  );
}

const DAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
/** Every half hour of the day, as 24-hour clock times. */
const HALF_HOURS = Array.from({ length: 49 }, (_, i) => i * 30);
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** When the service's workers are at work: a young person who says they don't feel safe outside
 *  them is told their worker may not see it until then. */
function WorkingHoursForm() {
  const { ctx } = useCall();
  const [problem, setProblem] = useState<string | null>(null);
  const [hours, setHours] = useState<WorkingHours | undefined>(undefined);
  /** Whether the service has set hours (the form starts from a suggestion until it does). */
  const [isSet, setIsSet] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Not `useCall`: "no set hours" (null) is an answer here, not a failure.
  const ask = async (method: string, body?: WorkingHours | null): Promise<{ hours: WorkingHours | null } | undefined> => {
    setProblem(null);
    try {
      return { hours: await ctx.api<WorkingHours | null>(method, '/api/admin/working-hours', body) };
    } catch (e) {
      setProblem(problemWords(e, 'This needs a connection. Try again in a moment.'));
      return undefined;
    }
  };
  useEffect(() => {
    void ask('GET').then((r) => {
      if (!r) return;
      setIsSet(r.hours !== null);
      setHours(r.hours ?? { days: [1, 2, 3, 4, 5], start_minute: 540, end_minute: 1020, time_zone: here });
    });
  }, []);
  const change = (to: Partial<WorkingHours>) => {
    setHours((h) => h && { ...h, ...to });
    setSaved(null);
  };
  const store = async (body: WorkingHours | null) => {
    setSaved(null);
    const r = await ask('PUT', body);
    if (!r) return;
    setIsSet(r.hours !== null);
    setSaved(r.hours ? `Saved: ${hoursWords(r.hours)} (${r.hours.time_zone}).` : 'Saved: no set hours.');
  };
  return (
    <section aria-labelledby="hours-title">
      <h2 id="hours-title">Working hours</h2>
      <p>When your workers are at work. A young person who says they don't feel safe outside these hours is told their worker may not see it until then, and shown the helplines below.</p>
      {hours !== undefined && !isSet && !saved && <p>None are set yet, so young people are told nothing about them. Below is a suggestion until you save.</p>}
      {hours === undefined ? <p>{problem ? '' : 'Loading…'}</p> : (
        <form class="stack narrow" onSubmit={(e) => { e.preventDefault(); void store(hours); }}>
          <fieldset>
            <legend>Days workers are in</legend>
            {DAY_NAMES.map((name, i) => (
              <label key={name} class="check">
                <input type="checkbox" checked={hours.days.includes(i + 1)}
                  onChange={(e) => change({ days: e.currentTarget.checked ? [...hours.days, i + 1] : hours.days.filter((d) => d !== i + 1) })} />
                {name}
              </label>
            ))}
          </fieldset>
          <label for="hours-start">From</label>
          <select id="hours-start" value={hours.start_minute} onChange={(e) => change({ start_minute: Number(e.currentTarget.value) })}>
            {HALF_HOURS.slice(0, -1).map((m) => <option key={m} value={m}>{hhmm(m)}</option>)}
          </select>
          <label for="hours-end">Until</label>
          <select id="hours-end" value={hours.end_minute} onChange={(e) => change({ end_minute: Number(e.currentTarget.value) })}>
            {HALF_HOURS.slice(1).map((m) => <option key={m} value={m}>{m === 1440 ? 'midnight' : hhmm(m)}</option>)}
          </select>
          <label for="hours-zone">Time zone</label>
          <input id="hours-zone" value={hours.time_zone} autocomplete="off" aria-describedby="hours-zone-hint" onInput={(e) => change({ time_zone: e.currentTarget.value })} />
          <p class="hint" id="hours-zone-hint">As the time zone database names it, such as Europe/London. This computer's is {here}.</p>
          <div class="row">
            <button type="submit">Save working hours</button>
            <button type="button" class="link-button" onClick={() => void store(null)}>Set no hours</button>
          </div>
        </form>
      )}
      <Problem text={problem} />
      {saved && <p role="status">{saved}</p>}
    </section>
  );
}

export interface AlertSummary {
  since: number;
  raised: number;
  seen_in_15_minutes: number;
  seen_in_15_to_60_minutes: number;
  seen_in_1_to_24_hours: number;
  seen_after_a_day: number;
  not_seen_yet: number;
  told_duty_worker: number;
  longest_wait_minutes: number | null;
}

/** A wait in words: "25 minutes", "3 hours", "2 days". */
export function waited(m: number): string {
  if (m < 60) return m < 1 ? 'less than a minute' : m === 1 ? 'a minute' : `${m} minutes`;
  const h = Math.floor(m / 60);
  if (h < 48) return h === 1 ? 'an hour' : `${h} hours`;
  return `${Math.floor(h / 24)} days`;
}

const PERIODS = [30, 90, 365];

/** Whether alerts were answered as young people are told they will be: counts and waits, no
 *  names (the young person was told who would know). */
function AlertsAnswered() {
  const { call, problem } = useCall();
  const [days, setDays] = useState(90);
  const [summary, setSummary] = useState<AlertSummary | null>(null);
  useEffect(() => void call<AlertSummary>('GET', `/api/admin/alerts/summary?days=${days}`).then((s) => s && setSummary(s)), [days]);
  const rows: [string, keyof AlertSummary][] = [
    ['Seen within 15 minutes', 'seen_in_15_minutes'],
    ['Seen within the hour', 'seen_in_15_to_60_minutes'],
    ['Seen within a day', 'seen_in_1_to_24_hours'],
    ['Seen more than a day later', 'seen_after_a_day'],
    ['Not seen yet', 'not_seen_yet'],
  ];
  return (
    <section aria-labelledby="answered-title" id="alerts-answered" aria-busy={summary === null}>
      <h2 id="answered-title">How alerts were answered</h2>
      <p>How long young people's alerts waited before a worker saw them. It never says who pressed it.</p>
      <div class="stack narrow">
        <label for="answered-days">Over the last</label>
        <select id="answered-days" value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          {PERIODS.map((d) => <option key={d} value={d}>{d === 365 ? 'year' : `${d} days`}</option>)}
        </select>
      </div>
      <Problem text={problem} />
      {summary && summary.not_seen_yet > 0 && summary.longest_wait_minutes !== null && (
        <p class="card notice" role="status">
          {summary.not_seen_yet === 1 ? '1 alert is' : `${summary.not_seen_yet} alerts are`} waiting to be seen, the longest for{' '}
          {waited(summary.longest_wait_minutes)} so far. Check that key workers{summary.told_duty_worker > 0 ? ' and the duty worker' : ''} are
          looking at Tandem.
        </p>
      )}
      {summary && (summary.raised === 0 ? (
        <p>No alerts reached Tandem in this time.</p>
      ) : (
        <table class="table narrow">
          <caption>{summary.raised === 1 ? '1 alert' : `${summary.raised} alerts`} reached Tandem in this time</caption>
          <tbody>
            {rows.map(([words, key]) => (
              <tr key={key}>
                <th scope="row">{words}</th>
                <td>{summary[key]}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">The duty worker told because nobody had seen it in time</th>
              <td>{summary.told_duty_worker}</td>
            </tr>
          </tbody>
        </table>
      ))}
      <p class="hint">Counted from when each alert reached Tandem (a phone with no signal sends it later). Alerts of young people whose accounts were deleted went with them.</p>
    </section>
  );
}

const MAX_LINES = 4;
const NO_LINE: SupportLine = { name: '', reach: 'call', number: '', note: '' };

/** Helplines shown to young people beside "I don't feel safe right now" (and kept on their phones). */
function SupportLines() {
  const { call, problem } = useCall();
  const [lines, setLines] = useState<SupportLine[] | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => void call<SupportLine[]>('GET', '/api/admin/support-lines').then((l) => l && setLines(l)), []);
  const change = (i: number, to: Partial<SupportLine>) => {
    setLines((ls) => ls && ls.map((l, j) => (j === i ? { ...l, ...to } : l)));
    setSaved(false);
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const stored = await call<SupportLine[]>('PUT', '/api/admin/support-lines', lines);
    if (stored) {
      setLines(stored);
      setSaved(true);
    }
  };
  return (
    <>
      <h2>Someone to talk to now</h2>
      <p>An alert waits until a worker looks. Name up to {MAX_LINES} helplines that answer at any hour: young people see them with "I don't feel safe right now", and can call or text them with one tap, even with no signal for Tandem.</p>
      <Problem text={problem} />
      {lines === null ? <p>Loading…</p> : (
        <form class="stack narrow" onSubmit={save}>
          {lines.length === 0 && <p>None yet: young people are only told to call 999 or tell a member of staff.</p>}
          {lines.map((l, i) => (
            <fieldset class="card card--form stack" key={i}>
              <legend>Helpline {i + 1}</legend>
              <label for={`line-name-${i}`}>Name</label>
              <input dir="auto" id={`line-name-${i}`} value={l.name} maxLength={60} required onInput={(e) => change(i, { name: e.currentTarget.value })} />
              <label for={`line-reach-${i}`}>How young people reach it</label>
              <select id={`line-reach-${i}`} value={l.reach} onChange={(e) => change(i, { reach: e.currentTarget.value as SupportLine['reach'] })}>
                <option value="call">call it</option>
                <option value="text">text it</option>
              </select>
              <label for={`line-number-${i}`}>Number</label>
              <input id={`line-number-${i}`} value={l.number} inputMode="tel" maxLength={24} required pattern="\+?[0-9 ]+" onInput={(e) => change(i, { number: e.currentTarget.value })} />
              <label for={`line-note-${i}`}>What to know first (when it is open, who it is for, what to text)</label>
              <input dir="auto" id={`line-note-${i}`} value={l.note} maxLength={140} onInput={(e) => change(i, { note: e.currentTarget.value })} />
              <button type="button" class="link-button" onClick={() => { setLines(lines.filter((_, j) => j !== i)); setSaved(false); }}>
                Remove <span class="visually-hidden">helpline {i + 1}</span>
              </button>
            </fieldset>
          ))}
          {lines.length < MAX_LINES && (
            <button type="button" class="link-button" onClick={() => { setLines([...lines, NO_LINE]); setSaved(false); }}>Add a helpline</button>
          )}
          <button type="submit">Save helplines</button>
          {saved && <p role="status">Saved. Young people see these the next time they open Tandem with signal.</p>}
        </form>
      )}
    </>
  );
}
