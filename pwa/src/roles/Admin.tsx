// The admin console: people, assignments and hand-overs, devices and sessions, and the audit
// log. Admins manage people and never see anything a young person wrote: nothing here syncs.
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { Ctx, type Route, type SupportLine } from '../context';
import { problemWords } from '../ui/useSubmit';
import { minutes } from '../ui/words';
import { forgetThisTablet, registerThisTablet, thisTablet, type TabletRegistration } from '../sync/tablet';

interface Person {
  id: string;
  role: 'young_person' | 'key_worker' | 'drop_in_staff' | 'admin';
  display_name: string;
  joined: boolean;
  needs_new_secret: boolean;
  deactivated: boolean;
  case_closed_at: number | null;
  erased_at: number | null;
}
interface Assigned {
  young_person: string;
  display_name: string;
  workers: { id: string; display_name: string }[];
}
interface SessionRow {
  id: string;
  device: string;
  tablet: string | null;
  started_at: number;
  last_seen_at: number | null;
}
interface AuditRow {
  id: number;
  at: number;
  actor_name: string | null;
  action: string;
  subject_name: string | null;
  detail: string;
}

const ROLE_WORDS: Record<Person['role'], string> = {
  young_person: 'Young person',
  key_worker: 'Key worker',
  drop_in_staff: 'Drop-in staff',
  admin: 'Admin',
};
const when = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** What the people list says of someone. A password or PIN lost in a restore comes first: they
 *  can't sign in until they have a new one. */
function status(p: Person): string {
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
  return 'Active';
}

export function AdminScreens({ route }: { route: Route }) {
  switch (route.name) {
    case 'people':
      return <People />;
    case 'assignments':
      return <Assignments />;
    case 'sessions':
      return <Sessions id={route.id} />;
    case 'audit':
      return <Audit />;
    case 'alert-routing':
      return <AlertRouting />;
    case 'tablets':
      return <Tablets />;
    default:
      return <AdminHome />;
  }
}

/** Calls the API and keeps a plain-words problem for the screen. */
function useCall() {
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

function Problem({ text }: { text: string | null }) {
  return text ? <p class="problem" role="alert">{text}</p> : null;
}

function AdminHome() {
  const ctx = useContext(Ctx);
  /** What the service has decided so far, and how many young people have no key worker. */
  const [found, setFound] = useState<{ duty: boolean; helplines: boolean; alone: number } | null>(null);
  // What a young person in crisis would meet unprepared, until the service decides it.
  useEffect(() => {
    void Promise.all([
      ctx.api<{ duty_worker: string | null }>('GET', '/api/admin/settings'),
      ctx.api<SupportLine[]>('GET', '/api/admin/support-lines'),
      ctx.api<Assigned[]>('GET', '/api/admin/assignments?without_key_worker=true'),
    ]).then(([settings, lines, alone]) => setFound({ duty: settings.duty_worker !== null, helplines: lines.length > 0, alone: alone.length }))
      // No signal: the tiles still work, and say so when used.
      .catch(() => setFound({ duty: true, helplines: true, alone: 0 }));
  }, []);
  const alertsToSetUp = found !== null && (!found.duty || !found.helplines);
  return (
    <section aria-busy={found === null}>
      <h1>Running the service</h1>
      <p>You manage people, assignments and devices. You never see what young people write.</p>
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
      <nav aria-label="Admin" class="tiles">
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'people' })}>People</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'assignments' })}>Assignments and hand-overs</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'tablets' })}>Shared tablets</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'alert-routing' })}>Safety alerts</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'audit' })}>Audit log</button>
      </nav>
    </section>
  );
}

/** The most rows a list of people draws at once. */
const PEOPLE_SHOWN = 100;

/** What a search of a list of people found, said as it changes. */
function Found({ matching, shown, finding }: { matching: number; shown: number; finding: boolean }) {
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

function usePeople(call: ReturnType<typeof useCall>['call']) {
  const [people, setPeople] = useState<Person[] | null>(null);
  const load = async () => setPeople((await call<Person[]>('GET', '/api/admin/people')) ?? people);
  useEffect(() => void load(), []);
  return { people, load };
}

function People() {
  const { call, problem, ctx } = useCall();
  const { people, load } = usePeople(call);
  const [code, setCode] = useState<{ name: string; code: string } | null>(null);
  /** A step that is hard to undo, waiting for the admin to say yes having read what it does. */
  const [asking, setAsking] = useState<{ person: Person; step: 'deactivate' | 'close' } | null>(null);
  /** A key worker who is leaving: the young people they support, and who takes them on. */
  const [leaving, setLeaving] = useState<{ theirs: string[]; to: string } | null>(null);
  const [staff, setStaff] = useState({ role: 'key_worker', name: '', display_name: '', password: '' });
  const [invitee, setInvitee] = useState({ display_name: '', worker: '' });
  /** A staff member who forgot their password, and the first one the admin is giving them. */
  const [resetting, setResetting] = useState<{ person: Person; password: string } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [find, setFind] = useState('');
  const workers = (people ?? []).filter((p) => p.role === 'key_worker' && !p.deactivated);
  const wanted = find.trim().toLowerCase();
  const matching = (people ?? []).filter((p) => p.display_name.toLowerCase().includes(wanted));
  // A service with thousands of people: a page of them at a time is quick to draw and to read.
  const shown = matching.slice(0, PEOPLE_SHOWN);

  const addStaff = async (e: Event) => {
    e.preventDefault();
    if (await call('POST', '/api/admin/people', staff)) {
      setStaff({ role: 'key_worker', name: '', display_name: '', password: '' });
      await load();
    }
  };
  const invite = async (e: Event) => {
    e.preventDefault();
    const made = await call<{ code: string }>('POST', '/api/admin/invites', { display_name: invitee.display_name, workers: invitee.worker ? [invitee.worker] : [] });
    if (made) {
      setCode({ name: invitee.display_name, code: made.code });
      setInvitee({ display_name: '', worker: '' });
      await load();
    }
  };
  const setCase = async (p: Person, closed: boolean) => {
    if (await call('POST', `/api/admin/people/${p.id}/${closed ? 'close-case' : 'reopen-case'}`)) await load();
  };
  const setActive = async (p: Person, active: boolean, handOverTo = '') => {
    const to = handOverTo ? `?hand_over_to=${handOverTo}` : '';
    if (await call('POST', `/api/admin/people/${p.id}/${active ? 'reactivate' : 'deactivate'}${to}`)) await load();
  };
  const askToDeactivate = async (p: Person) => {
    setLeaving(null);
    setAsking({ person: p, step: 'deactivate' });
    if (p.role !== 'key_worker') return;
    const table = await call<Assigned[]>('GET', `/api/admin/assignments?key_worker=${p.id}`);
    const theirs = (table ?? []).map((row) => row.display_name);
    setLeaving({ theirs, to: '' });
  };
  const newPassword = async (e: Event) => {
    e.preventDefault();
    if (!resetting) return;
    const { person, password } = resetting;
    if (await call('POST', `/api/admin/people/${person.id}/new-password`, { password })) {
      setResetting(null);
      setDone(`${person.display_name} can sign in with that password now, and will choose their own straight away. Every device they were signed in on has been signed out.`);
    }
  };
  const newCode = async (p: Person) => {
    const made = await call<{ code: string }>('POST', `/api/admin/people/${p.id}/new-invite`);
    if (made) setCode({ name: p.display_name, code: made.code });
  };

  return (
    <section>
      <h1>People</h1>
      <Problem text={problem} />
      {code && (
        <div class="card notice" role="status">
          <p>Code for {code.name} (works once, for 7 days; it is not shown again). If they joined before, it lets them choose a new PIN.</p>
          <p class="invite-card__code" data-testid="admin-invite-code">{code.code}</p>
          <button type="button" onClick={() => setCode(null)}>Done</button>
        </div>
      )}
      {done && (
        <div class="card notice" role="status">
          <p>{done}</p>
          <button type="button" onClick={() => setDone(null)}>OK</button>
        </div>
      )}
      {resetting && (
        <form class="card notice stack" aria-labelledby="resetting-title" onSubmit={newPassword}>
          <h2 id="resetting-title" tabIndex={-1} ref={(h) => h?.focus()}>A new password for {resetting.person.display_name}</h2>
          <p>For staff who forgot theirs. They are signed out everywhere, and choose their own password when they next sign in.</p>
          <label for="reset-password">A first password for them (at least 10 characters; give it to them in person)</label>
          <input id="reset-password" type="password" autocomplete="new-password" value={resetting.password} onInput={(e) => setResetting({ ...resetting, password: e.currentTarget.value })} required minLength={10} />
          <div class="row">
            <button type="submit">Set this password</button>
            <button type="button" class="link-button" onClick={() => setResetting(null)}>Cancel</button>
          </div>
        </form>
      )}
      {asking && (
        <div class="card notice stack" role="alertdialog" aria-labelledby="asking-title" aria-describedby="asking-what">
          <h2 id="asking-title" tabIndex={-1} ref={(h) => h?.focus()}>{asking.step === 'deactivate' ? `Deactivate ${asking.person.display_name}?` : `Close ${asking.person.display_name}'s case?`}</h2>
          <p id="asking-what">
            {asking.step === 'close'
              ? 'Their phone tells them, and offers them a copy of their things. At the end of the service’s retention period everything of theirs is erased for good. You can reopen the case before then.'
              : asking.person.role === 'key_worker'
                ? 'They are signed out everywhere and can’t sign in. The young people they support stop being theirs, unless you hand them over to another key worker here; each is told who can see their shared things now.'
                : 'They are signed out everywhere and can’t sign in, and any invite code of theirs stops working. Nothing of theirs is deleted; you can reactivate them.'}
          </p>
          {asking.step === 'deactivate' && asking.person.role === 'key_worker' && (
            leaving === null ? <p aria-busy="true">Finding who they support…</p> : leaving.theirs.length === 0 ? <p>They support nobody now.</p> : (
              <div class="stack">
                <p>They support {leaving.theirs.length === 1 ? '1 young person' : `${leaving.theirs.length} young people`}: {leaving.theirs.join(', ')}.</p>
                <label for="hand-over-to">Hand them over to</label>
                <select id="hand-over-to" value={leaving.to} onChange={(e) => setLeaving({ ...leaving, to: e.currentTarget.value })}>
                  <option value="">Nobody for now (a safety alert from them goes to the duty worker, if one is named)</option>
                  {workers.filter((w) => w.id !== asking.person.id).map((w) => <option key={w.id} value={w.id}>{w.display_name}</option>)}
                </select>
              </div>
            )
          )}
          <div class="row">
            <button type="button" onClick={() => { const a = asking; setAsking(null); void (a.step === 'close' ? setCase(a.person, true) : setActive(a.person, false, leaving?.to)); }}>
              {asking.step === 'deactivate' ? 'Yes, deactivate' : 'Yes, close the case'}
            </button>
            <button type="button" class="link-button" onClick={() => setAsking(null)}>Cancel</button>
          </div>
        </div>
      )}
      {people === null ? <p>Loading…</p> : (
        <>
        <div class="stack narrow">
          <label for="find-person">Find someone by name</label>
          <input id="find-person" type="search" autocomplete="off" value={find} onInput={(e) => setFind(e.currentTarget.value)} />
        </div>
        <Found matching={matching.length} shown={shown.length} finding={wanted !== ''} />
        <div class="table-scroll">
        <table class="table table--stack">
          <caption class="visually-hidden">Everyone in the service</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {shown.map((p) => (
              <tr key={p.id}>
                <td>{p.display_name}</td>
                <td data-label="Role">{ROLE_WORDS[p.role]}</td>
                <td data-label="Status">{status(p)}</td>
                <td><div class="row">
                  <button type="button" onClick={() => ctx.go({ name: 'sessions', id: p.id })}>Devices <span class="visually-hidden">of {p.display_name}</span></button>
                  {p.role === 'young_person' && !p.deactivated && (
                    <button type="button" onClick={() => void newCode(p)}>
                      {p.joined ? 'New code (forgotten PIN)' : 'New invite code'} <span class="visually-hidden">for {p.display_name}</span>
                    </button>
                  )}
                  {p.role !== 'young_person' && !p.deactivated && p.id !== ctx.session.person && (
                    <button type="button" onClick={() => { setDone(null); setResetting({ person: p, password: '' }); }}>
                      New password <span class="visually-hidden">for {p.display_name}</span>
                    </button>
                  )}
                  {p.id !== ctx.session.person && (
                    <button type="button" onClick={() => (p.deactivated ? void setActive(p, true) : void askToDeactivate(p))}>
                      {p.deactivated ? 'Reactivate' : 'Deactivate'} <span class="visually-hidden">{p.display_name}</span>
                    </button>
                  )}
                  {p.role === 'young_person' && p.joined && (
                    <button type="button" onClick={() => (p.case_closed_at ? void setCase(p, false) : setAsking({ person: p, step: 'close' }))}>
                      {p.case_closed_at ? 'Reopen case' : 'Close case'} <span class="visually-hidden">of {p.display_name}</span>
                    </button>
                  )}
                </div></td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
        </>
      )}

      <h2>Add staff</h2>
      <form class="stack narrow" onSubmit={addStaff}>
        <label for="staff-role">Role</label>
        <select id="staff-role" value={staff.role} onChange={(e) => setStaff({ ...staff, role: e.currentTarget.value })}>
          <option value="key_worker">Key worker</option>
          <option value="drop_in_staff">Drop-in staff</option>
          <option value="admin">Admin</option>
        </select>
        <label for="staff-name">Sign-in name</label>
        <input id="staff-name" autocomplete="off" value={staff.name} onInput={(e) => setStaff({ ...staff, name: e.currentTarget.value })} required />
        <label for="staff-display">Name others see</label>
        <input id="staff-display" autocomplete="off" value={staff.display_name} onInput={(e) => setStaff({ ...staff, display_name: e.currentTarget.value })} required />
        <label for="staff-password">First password (at least 10 characters; give it to them in person)</label>
        <input id="staff-password" type="password" autocomplete="new-password" value={staff.password} onInput={(e) => setStaff({ ...staff, password: e.currentTarget.value })} required minLength={10} />
        <button type="submit">Add staff member</button>
      </form>

      <h2>Invite a young person</h2>
      <form class="stack narrow" onSubmit={invite}>
        <label for="invitee-name">What staff call them until they choose their own name</label>
        <input id="invitee-name" autocomplete="off" value={invitee.display_name} onInput={(e) => setInvitee({ ...invitee, display_name: e.currentTarget.value })} required maxLength={60} />
        <label for="invitee-worker">Key worker</label>
        <select id="invitee-worker" value={invitee.worker} onChange={(e) => setInvitee({ ...invitee, worker: e.currentTarget.value })}>
          <option value="">Nobody yet</option>
          {workers.map((w) => <option key={w.id} value={w.id}>{w.display_name}</option>)}
        </select>
        <button type="submit">Make an invite code</button>
      </form>
    </section>
  );
}

function Assignments() {
  const { call, problem } = useCall();
  const { people } = usePeople(call);
  const [table, setTable] = useState<Assigned[] | null>(null);
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [find, setFind] = useState('');
  const load = async () => setTable((await call<Assigned[]>('GET', '/api/admin/assignments')) ?? table);
  const wanted = find.trim().toLowerCase();
  const named = (y: Assigned) => [y.display_name, ...y.workers.map((w) => w.display_name)].some((n) => n.toLowerCase().includes(wanted));
  // Those with no key worker first: they are the ones to act on.
  const matching = (table ?? []).filter(named).sort((a, b) => Number(a.workers.length > 0) - Number(b.workers.length > 0));
  const shown = matching.slice(0, PEOPLE_SHOWN);
  useEffect(() => void load(), []);
  const workers = (people ?? []).filter((p) => p.role === 'key_worker' && !p.deactivated);
  const pick = (key: string) => choice[key] ?? '';
  const act = async (path: string, body: unknown) => {
    if (await call('POST', path, body)) {
      setChoice({});
      await load();
    }
  };

  return (
    <section>
      <h1>Assignments and hand-overs</h1>
      <p>A key worker sees what a young person shares with "my worker". When a worker changes, the young person is told who can now see.</p>
      <Problem text={problem} />
      {table === null ? <p>Loading…</p> : (
        <>
        <div class="stack narrow">
          <label for="find-assigned">Find a young person or key worker by name</label>
          <input id="find-assigned" type="search" autocomplete="off" value={find} onInput={(e) => setFind(e.currentTarget.value)} />
        </div>
        <Found matching={matching.length} shown={shown.length} finding={wanted !== ''} />
        <ul class="cards">
          {shown.map((y) => (
            <li class="card" key={y.young_person}>
              <h2>{y.display_name}</h2>
              {y.workers.length === 0 ? <p>No key worker: assign one. Until then a safety alert from them goes to the duty worker, if one is named.</p> : y.workers.map((w) => (
                <div class="row" key={w.id}>
                  <span>Key worker: {w.display_name}</span>
                  <label for={`to-${y.young_person}-${w.id}`} class="visually-hidden">Hand {y.display_name} over from {w.display_name} to</label>
                  <select id={`to-${y.young_person}-${w.id}`} value={pick(`${y.young_person}-${w.id}`)} onChange={(e) => setChoice({ ...choice, [`${y.young_person}-${w.id}`]: e.currentTarget.value })}>
                    <option value="">Choose a worker…</option>
                    {workers.filter((o) => !y.workers.some((x) => x.id === o.id)).map((o) => <option key={o.id} value={o.id}>{o.display_name}</option>)}
                  </select>
                  <button type="button" disabled={!pick(`${y.young_person}-${w.id}`)} onClick={() => void act('/api/admin/assignments/hand-over', { young_person: y.young_person, from: w.id, to: pick(`${y.young_person}-${w.id}`) })}>
                    Hand over <span class="visually-hidden">{y.display_name} from {w.display_name}</span>
                  </button>
                  <button type="button" onClick={() => void act('/api/admin/assignments/end', { worker: w.id, young_person: y.young_person })}>
                    End <span class="visually-hidden">{w.display_name}'s assignment to {y.display_name}</span>
                  </button>
                </div>
              ))}
              <div class="row">
                <label for={`add-${y.young_person}`} class="visually-hidden">Add a key worker for {y.display_name}</label>
                <select id={`add-${y.young_person}`} value={pick(y.young_person)} onChange={(e) => setChoice({ ...choice, [y.young_person]: e.currentTarget.value })}>
                  <option value="">Add a key worker…</option>
                  {workers.filter((o) => !y.workers.some((x) => x.id === o.id)).map((o) => <option key={o.id} value={o.id}>{o.display_name}</option>)}
                </select>
                <button type="button" disabled={!pick(y.young_person)} onClick={() => void act('/api/admin/assignments', { worker: pick(y.young_person), young_person: y.young_person })}>
                  Assign <span class="visually-hidden">to {y.display_name}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
        </>
      )}
    </section>
  );
}

/** A registered tablet by its name; any other device by the end of the id it gave itself. */
function deviceName(s: SessionRow): string {
  return s.tablet ? `Shared tablet "${s.tablet}"` : `Device ${s.device.slice(-6)}`;
}

function Sessions({ id }: { id: string }) {
  const { call, problem } = useCall();
  const { people } = usePeople(call);
  const [list, setList] = useState<SessionRow[] | null>(null);
  const load = async () => setList((await call<SessionRow[]>('GET', `/api/admin/people/${id}/sessions`)) ?? list);
  useEffect(() => void load(), [id]);
  const who = people?.find((p) => p.id === id)?.display_name ?? 'This person';
  const endOne = async (s: SessionRow) => {
    if (await call('POST', `/api/admin/people/${id}/sessions/${s.id}/end`)) await load();
  };
  const endAll = async () => {
    if (await call('POST', `/api/admin/people/${id}/revoke`)) await load();
  };
  return (
    <section>
      <h1>{who}: signed-in devices</h1>
      <p>End a device's session when a phone is lost or someone leaves: it is signed out the next time it connects.</p>
      <Problem text={problem} />
      {list === null ? <p>Loading…</p> : list.length === 0 ? <p>No signed-in devices.</p> : (
        <>
          <ul class="cards">
            {list.map((s) => (
              <li class="card" key={s.id}>
                <p>{deviceName(s)}: signed in {when(s.started_at)}{s.last_seen_at ? `, last seen ${when(s.last_seen_at)}` : ''}</p>
                <button type="button" onClick={() => void endOne(s)}>End this session <span class="visually-hidden">on {deviceName(s)}</span></button>
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => void endAll()}>End every session of {who}</button>
        </>
      )}
    </section>
  );
}

/** Entries a page of the audit log holds; "Show earlier" asks for the next. */
const AUDIT_PAGE = 200;

function Audit() {
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
          {(people ?? []).map((p) => <option key={p.id} value={p.id}>{p.display_name} ({ROLE_WORDS[p.role]})</option>)}
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

interface AlertSettings {
  duty_worker: string | null;
  escalate_after_minutes: number | null;
}

const ESCALATE_AFTER = [15, 30, 60, 120, 240];

function AlertRouting() {
  const { call, problem } = useCall();
  const { people } = usePeople(call);
  const [settings, setSettings] = useState<AlertSettings | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => void call<AlertSettings>('GET', '/api/admin/settings').then((s) => s && setSettings(s)), []);
  const workers = (people ?? []).filter((p) => p.role === 'key_worker' && !p.deactivated);
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
          <select id="duty" value={settings.duty_worker ?? ''} onChange={(e) => change({ duty_worker: e.currentTarget.value || null })}>
            <option value="">Nobody</option>
            {workers.map((w) => <option key={w.id} value={w.id}>{w.display_name}</option>)}
          </select>
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
      <SupportLines />
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
              <input id={`line-name-${i}`} value={l.name} maxLength={60} required onInput={(e) => change(i, { name: e.currentTarget.value })} />
              <label for={`line-reach-${i}`}>How young people reach it</label>
              <select id={`line-reach-${i}`} value={l.reach} onChange={(e) => change(i, { reach: e.currentTarget.value as SupportLine['reach'] })}>
                <option value="call">call it</option>
                <option value="text">text it</option>
              </select>
              <label for={`line-number-${i}`}>Number</label>
              <input id={`line-number-${i}`} value={l.number} inputMode="tel" maxLength={24} required pattern="\+?[0-9 ]+" onInput={(e) => change(i, { number: e.currentTarget.value })} />
              <label for={`line-note-${i}`}>What to know first (when it is open, who it is for, what to text)</label>
              <input id={`line-note-${i}`} value={l.note} maxLength={140} onInput={(e) => change(i, { note: e.currentTarget.value })} />
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

interface TabletRow {
  id: string;
  name: string;
  registered_at: number;
  last_seen_at: number | null;
}

/** Registered shared tablets, and registering the device the admin is holding as one. */
function Tablets() {
  const { call, problem } = useCall();
  const [list, setList] = useState<TabletRow[] | null>(null);
  const [here, setHere] = useState<TabletRegistration | null | undefined>(undefined);
  const [name, setName] = useState('');
  const load = async () => {
    setList((await call<TabletRow[]>('GET', '/api/admin/tablets')) ?? list);
    setHere(await thisTablet());
  };
  useEffect(() => void load(), []);
  const register = async (e: Event) => {
    e.preventDefault();
    const made = await call<TabletRegistration>('POST', '/api/admin/tablets', { name });
    if (!made) return;
    await registerThisTablet(made);
    setName('');
    await load();
  };
  const remove = async (t: TabletRow) => {
    if (!(await call('POST', `/api/admin/tablets/${t.id}/remove`))) return;
    if (here?.id === t.id) await forgetThisTablet();
    await load();
  };
  return (
    <section>
      <h1>Shared tablets</h1>
      <p>A registered tablet shows its name when someone signs in, and every sign-in on it is a shared one: nothing is kept after sign-out, and it locks when left alone. Remove a tablet that is lost: everyone signed in on it is signed out.</p>
      <Problem text={problem} />
      {here === undefined ? null : here ? (
        <p class="card notice" role="status">This device is registered as <strong>{here.name}</strong>. Sign out and hand it over.</p>
      ) : (
        <form class="card card--form stack narrow" onSubmit={register}>
          <label for="tablet-name">Register this device as a shared tablet, named</label>
          <input id="tablet-name" value={name} maxLength={60} placeholder="Front desk tablet" onInput={(e) => setName(e.currentTarget.value)} required />
          <button type="submit">Register this device</button>
        </form>
      )}
      {list === null ? <p>Loading…</p> : list.length === 0 ? <p>No shared tablets yet.</p> : (
        <ul class="cards">
          {list.map((t) => (
            <li class="card" key={t.id}>
              <p><strong>{t.name}</strong>: registered {when(t.registered_at)}{t.last_seen_at ? `, last used ${when(t.last_seen_at)}` : ', not used yet'}</p>
              <button type="button" onClick={() => void remove(t)}>Remove <span class="visually-hidden">{t.name}</span></button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
