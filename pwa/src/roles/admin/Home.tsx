// The console's home: what is still to set up, and where each task is.
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx, type SupportLine } from '../../context';
import { type AlertSummary, waited } from './Safety';
import { type Assigned, type Person, UNUSED_DAYS, unusedStaff } from './shared';

export function AdminHome() {
  const ctx = useContext(Ctx);
  /** What the service has decided so far, and how many young people have no key worker. */
  const [found, setFound] = useState<{ duty: boolean; helplines: boolean; alone: number; waiting: AlertSummary | null; unused: number } | null>(null);
  const [numbers, setNumbers] = useState<ServiceNumbers | null>(null);
  useEffect(() => void ctx.api<ServiceNumbers>('GET', '/api/admin/numbers').then(setNumbers, () => undefined), []);
  // What a young person in crisis would meet unprepared, until the service decides it.
  useEffect(() => {
    void Promise.all([
      ctx.api<{ duty_worker: string | null }>('GET', '/api/admin/settings'),
      ctx.api<SupportLine[]>('GET', '/api/admin/support-lines'),
      ctx.api<Assigned[]>('GET', '/api/admin/assignments?without_key_worker=true'),
      ctx.api<AlertSummary>('GET', '/api/admin/alerts/summary?days=365'),
      ctx.api<Person[]>('GET', '/api/admin/people?staff=true'),
    ]).then(([settings, lines, alone, alerts, staff]) => setFound({
      duty: settings.duty_worker !== null,
      helplines: lines.length > 0,
      alone: alone.length,
      // An alert nobody has seen for an hour: the service should find out why.
      waiting: (alerts.longest_wait_minutes ?? 0) >= 60 ? alerts : null,
      unused: unusedStaff(staff).length,
    }))
      // No signal: the tiles still work, and say so when used.
      .catch(() => setFound({ duty: true, helplines: true, alone: 0, waiting: null, unused: 0 }));
  }, []);
  const alertsToSetUp = found !== null && (!found.duty || !found.helplines);
  return (
    <section aria-busy={found === null}>
      <h1>Running the service</h1>
      <p>You manage people, assignments and devices. You never see what young people write.</p>
      {numbers && <p id="service-numbers">{numbersWords(numbers)}</p>}
      {found?.waiting && (
        <div class="card notice" role="status" id="alerts-waiting">
          <p>
            {found.waiting.not_seen_yet === 1 ? 'An alert from a young person has' : `${found.waiting.not_seen_yet} alerts from young people have`} not been
            seen by anyone yet, the longest for {waited(found.waiting.longest_wait_minutes ?? 0)}.
          </p>
          <button type="button" onClick={() => ctx.go({ name: 'alert-routing' })}>See how alerts are answered</button>
        </div>
      )}
      <nav aria-label="Admin" class="tiles">
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'people' })}>People</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'assignments' })}>Assignments and hand-overs</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'tablets' })}>Shared tablets</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'alert-routing' })}>Safety alerts</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'audit' })}>Audit log</button>
      </nav>
      {/* After the tiles: it arrives a moment after them, and above them it pushed a tile from
          under a finger about to tap it. */}
      {found && (alertsToSetUp || found.alone > 0) && (
        <div class="card notice" role="status">
          <p><strong>Still to set up</strong></p>
          <ul>
            {!found.duty && <li>Nobody is named to hear "I don't feel safe" from a young person with no key worker.</li>}
            {!found.helplines && <li>No helplines are named for young people to call or text at any hour.</li>}
            {found.alone > 0 && (
              <li>
                {found.alone === 1 ? '1 young person has' : `${found.alone} young people have`} no key worker: nobody sees what they share with "my worker", and {found.duty ? 'the duty worker' : 'nobody'} hears if they don't feel safe.
              </li>
            )}
          </ul>
          <div class="row">
            {alertsToSetUp && <button type="button" onClick={() => ctx.go({ name: 'alert-routing' })}>Set up safety alerts</button>}
            {found.alone > 0 && <button type="button" onClick={() => ctx.go({ name: 'assignments' })}>Give them a key worker</button>}
          </div>
        </div>
      )}
      {found && found.unused > 0 && (
        <div class="card notice" role="status" id="staff-to-review">
          <p>
            <strong>To review:</strong> {found.unused === 1 ? '1 staff member has' : `${found.unused} staff members have`} not used Tandem for{' '}
            {UNUSED_DAYS} days or more. If they have left, deactivate them.
          </p>
          <button type="button" onClick={() => ctx.go({ name: 'people', review: true })}>Review staff</button>
        </div>
      )}
    </section>
  );
}

/** `GET /api/admin/numbers`: counts, never who. */
interface ServiceNumbers {
  young_people: number;
  young_people_active: number;
  invited: number;
  cases_closed: number;
  staff: number;
}

/** The service in a sentence or two. */
export function numbersWords(n: ServiceNumbers): string {
  const some = (k: number, one: string, many: string) => (k === 1 ? `1 ${one}` : `${k} ${many}`);
  const joined = `${some(n.young_people, 'young person has', 'young people have')} joined${n.young_people > 0 ? ` (${n.young_people_active} used Tandem in the last 30 days)` : ''}.`;
  const waiting = n.invited > 0 ? ` ${some(n.invited, 'is', 'are')} invited and not joined yet.` : '';
  const closed = n.cases_closed > 0 ? ` ${some(n.cases_closed, 'case is', 'cases are')} closed.` : '';
  return `${joined}${waiting}${closed} ${some(n.staff, 'staff member', 'staff members')}.`;
}
