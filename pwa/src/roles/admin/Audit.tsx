// The audit log: every admin action, read-only.
import { useEffect, useRef, useState } from 'preact/hooks';
import { type AuditRow, ROLE_WORDS, when, useCall, Problem, usePeople } from './shared';
import { byName } from '../../ui/words';

const AUDIT_PAGE = 200;

export function Audit() {
  const { call, problem } = useCall();
  const { people } = usePeople(call);
  /** Whose entries: a person's id, or '' for everyone's. */
  const [person, setPerson] = useState('');
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const [more, setMore] = useState(false);
  // A page asked for before the choice of person changed is not shown under the new one.
  const asked = useRef(0);
  const load = async (who: string, shown: AuditRow[]) => {
    const mine = ++asked.current;
    const query = new URLSearchParams({ limit: String(AUDIT_PAGE) });
    if (who) query.set('person', who);
    const last = shown.at(-1);
    if (last) query.set('before', String(last.id));
    const page = await call<AuditRow[]>('GET', `/api/admin/audit?${query}`);
    if (!page || mine !== asked.current) return;
    setRows([...shown, ...page]);
    setMore(page.length === AUDIT_PAGE);
  };
  useEffect(() => {
    setRows(null);
    void load(person, []);
  }, [person]);
  return (
    <section>
      <h1>Audit log</h1>
      <p>Everything admins did, and everything erased. Nobody can change it. It never holds anything young people wrote.</p>
      <div class="stack narrow">
        <label for="audit-person">Whose entries</label>
        <select id="audit-person" value={person} onChange={(e) => setPerson(e.currentTarget.value)}>
          <option value="">Everyone's</option>
          {[...(people ?? [])].sort(byName).map((p) => <option key={p.id} value={p.id}>{p.display_name} ({ROLE_WORDS[p.role]})</option>)}
        </select>
      </div>
      <Problem text={problem} />
      {rows === null ? <p>Loading…</p> : rows.length === 0 ? <p>Nothing yet.</p> : (
        <ul class="cards" data-testid="audit-entries">
          {rows.map((r) => (
            <li class="card" key={r.id}>
              {when(r.at)}: {r.actor_name ?? 'The server'} {r.action}{r.subject_name ? ` (${r.subject_name})` : ''}. <span class="muted">{r.detail}</span>
            </li>
          ))}
        </ul>
      )}
      {rows !== null && more && <button type="button" onClick={() => void load(person, rows)}>Show earlier entries</button>}
    </section>
  );
}
