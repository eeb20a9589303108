// Adding a service's staff from a list: pasted, checked line by line with a first password
// suggested for each, sent in one go (all are added or nobody is), then a slip for each person to
// hand over in person.
import { useState } from 'preact/hooks';
import { ROLE_WORDS, Problem, useCall } from './shared';
import { MOST_AT_ONCE, type ListedStaff, problemsByPosition, readStaffList } from './staffList';
import { suggestPassword } from './suggest';
import { sentence } from '../../ui/useSubmit';

interface Checked extends ListedStaff {
  password: string;
}

/** Who was added, with the first password each is given: kept only until the admin says done. */
export interface Slip {
  display_name: string;
  name: string;
  password: string;
}

export function AddSeveral({ onAdded }: { onAdded: (slips: Slip[]) => Promise<void> }) {
  const { call, problem } = useCall();
  const [text, setText] = useState('');
  const [checked, setChecked] = useState<Checked[] | null>(null);
  const [busy, setBusy] = useState(false);
  /** The checked list the server last refused: its answer stands until the list is checked again. */
  const [refusedList, setRefusedList] = useState<Checked[] | null>(null);

  const check = (e: Event) => {
    e.preventDefault();
    setChecked(readStaffList(text).map((row) => ({ ...row, password: suggestPassword() })));
  };
  const rows = checked ?? [];
  const tooMany = rows.length > MOST_AT_ONCE;
  // The server's refusal names lines by their place in the list sent: shown beside each.
  const answer = checked !== null && refusedList === checked ? problem : null;
  const refused = answer ? problemsByPosition(answer) : new Map<number, string>();
  const problemsOf = (row: Checked, i: number) => [...row.problems, ...(refused.has(i) ? [sentence(refused.get(i) ?? '')] : [])];
  const toMend = rows.filter((r, i) => problemsOf(r, i).length > 0).length;
  const ready = rows.length > 0 && !tooMany && toMend === 0;

  const add = async () => {
    if (!checked || !ready) return;
    setBusy(true);
    const people = checked.map(({ role, name, display_name, password }) => ({ role, name, display_name, password }));
    const made = await call<{ ids: string[] }>('POST', '/api/admin/people/several', { people });
    setBusy(false);
    if (!made) {
      setRefusedList(checked);
      return;
    }
    setText('');
    setChecked(null);
    await onAdded(checked.map(({ display_name, name, password }) => ({ display_name, name, password })));
  };

  if (!checked) {
    return (
      <form class="stack" onSubmit={check}>
        <label for="staff-list">Their names, one person a line</label>
        <p class="hint" id="staff-list-hint">
          After each name you can put their role (key worker, drop-in staff or admin; key worker if you leave it out) and the name they sign in
          with (made from their name if you leave it out), separated by commas. Or copy these columns from a spreadsheet and paste them here.
          At most {MOST_AT_ONCE} at a time.
        </p>
        <textarea
          id="staff-list"
          rows={6}
          dir="auto"
          spellcheck={false}
          aria-describedby="staff-list-hint"
          placeholder={'Rowan Ellis, key worker\nJo Byrne, drop-in staff, jo.b'}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          required
        />
        <button type="submit">Check the list</button>
      </form>
    );
  }
  return (
    <section class="stack" aria-labelledby="staff-list-checked">
      <h3 id="staff-list-checked" tabIndex={-1} ref={(h) => h?.focus()}>
        {rows.length === 1 ? '1 person to add' : `${rows.length} people to add`}
      </h3>
      <p role="status">
        {rows.length === 0
          ? 'There is nobody on the list.'
          : tooMany
            ? `That is more than ${MOST_AT_ONCE}: add the first ${MOST_AT_ONCE}, then the rest.`
            : toMend > 0
              ? `Nobody has been added yet. ${toMend === 1 ? '1 line needs' : `${toMend} lines need`} changing first: what is wrong is said beside ${toMend === 1 ? 'it' : 'each'}.`
              : 'Nobody has been added yet. Each gets the first password shown, and chooses their own when they first sign in.'}
      </p>
      {refused.size === 0 && <Problem text={answer} />}
      {rows.length > 0 && (
        <div class="table-scroll">
          <table class="table table--stack">
            <caption class="visually-hidden">The people on the list</caption>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Sign-in name</th><th scope="col">First password</th><th scope="col">Line</th></tr>
            </thead>
            <tbody>
              {rows.map((row, i) => {
                const wrong = problemsOf(row, i);
                return (
                  <tr key={row.line}>
                    <td>
                      {row.display_name || '(no name)'}
                      {wrong.map((w) => <p class="problem" key={w}>{w}</p>)}
                    </td>
                    <td data-label="Role">{row.role ? ROLE_WORDS[row.role] : '?'}</td>
                    <td data-label="Sign-in name">{row.name}</td>
                    <td data-label="First password">{row.password}</td>
                    <td data-label="Line">{row.line}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div class="row">
        {ready && (
          <button type="button" disabled={busy} onClick={() => void add()}>
            {busy ? 'Adding…' : rows.length === 1 ? 'Add this person' : `Add these ${rows.length} people`}
          </button>
        )}
        <button type="button" class={ready ? 'link-button' : undefined} onClick={() => setChecked(null)}>Change the list</button>
      </div>
    </section>
  );
}

/** What staff take away from the admin: how to sign in the first time, and nothing else. */
export function Slips({ slips, onDone }: { slips: Slip[]; onDone: () => void }) {
  const address = location.origin;
  return (
    <section class="stack" aria-labelledby="slips-title">
      <h1 id="slips-title" tabIndex={-1} ref={(h) => h?.focus()}>
        {slips.length === 1 ? '1 staff member added' : `${slips.length} staff members added`}
      </h1>
      <div class="card notice no-print" role="status">
        <p>
          Give each person their first password in person (print the slips and cut them apart, or read them out). These passwords are not shown
          again. Each person chooses their own password as soon as they first sign in.
        </p>
        <div class="row">
          <button type="button" onClick={() => window.print()}>Print the slips</button>
          <button type="button" class="secondary" onClick={onDone}>Done</button>
        </div>
      </div>
      <ul class="slips">
        {slips.map((s) => (
          <li class="card print-section" key={s.name}>
            <p><strong>Tandem: signing in for the first time</strong></p>
            <dl class="slip">
              <dt>For</dt><dd>{s.display_name}</dd>
              <dt>Go to</dt><dd>{address}</dd>
              <dt>Sign-in name</dt><dd class="slip__secret">{s.name}</dd>
              <dt>First password</dt><dd class="slip__secret">{s.password}</dd>
            </dl>
            <p class="hint">You will choose your own password straight away. Then throw this slip away.</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
