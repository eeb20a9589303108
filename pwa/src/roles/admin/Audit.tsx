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
  /** Saved as a spreadsheet: its file name. */
  const [saved, setSaved] = useState<string | null>(null);
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
    setSaved(null);
    void load(person, []);
  }, [person]);
  const save = async () => {
    setSaved(null);
    const made = await call<{ file_name: string; csv: string }>('POST', '/api/admin/audit/export', person ? { person } : {});
    if (!made) return;
    const url = URL.createObjectURL(new Blob([made.csv], { type: 'text/csv;charset=utf-8' }));
    const link = Object.assign(document.createElement('a'), { href: url, download: made.file_name });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setSaved(made.file_name);
    // The saving is itself an entry: show it.
    void load(person, []);
  };
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
      <div class="stack narrow">
        <button type="button" class="secondary" onClick={() => void save()}>Save {person ? 'these entries' : 'the whole log'} as a spreadsheet (CSV)</button>
        <p role="status">
          {saved && `Saved as ${saved}. It names staff and young people: keep it as safely as the service's other records, and delete it when the review is done. The log says you saved it.`}
        </p>
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
