// People: staff and young people by name and role, adding, inviting, deactivating, and whether
// staff are asked for two-step sign-in.
import { useEffect, useState } from 'preact/hooks';
import { type Person, type Assigned, ROLE_WORDS, status, useCall, Problem, PEOPLE_SHOWN, Found, usePeople, UNUSED_DAYS, unusedStaff } from './shared';
import { byName, nameHas } from '../../ui/words';
import { Disclosure } from '../../ui/Disclosure';
import { SECRET_HINT } from '../../screens/ChangePassword';
import { suggestPassword } from './suggest';
import { AddSeveral, type Slip, Slips } from './AddSeveral';

/** `review`: opened to review staff who haven't used Tandem for months (from the home screen). */
export function People({ review = false }: { review?: boolean }) {
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
  /** Staff just added from a list, with their first passwords, until the admin has handed them out. */
  const [slips, setSlips] = useState<Slip[] | null>(null);
  const [find, setFind] = useState('');
  /** Only staff who haven't used Tandem for months: a review of who still needs an account. */
  const [reviewing, setReviewing] = useState(review);
  const workers = (people ?? []).filter((p) => p.role === 'key_worker' && !p.deactivated);
  const unused = unusedStaff(people ?? []);
  const matching = (reviewing ? unused : people ?? []).filter((p) => nameHas(p.display_name, find)).sort(byName);
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

  if (slips) return <Slips slips={slips} onDone={() => setSlips(null)} />;
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
          <p>For staff who forgot theirs, or lost the phone with their authenticator app. They are signed out everywhere, two-step sign-in is turned off, and they choose their own password when they next sign in (and can set two-step sign-in up again).</p>
          {resetting.person.sso_linked && (
            <p>
              They have linked their organisation account. If the service asks linked staff to sign in only with it, the link is removed too, so this
              password lets them in (for someone the organisation gave a new account); they link it again under "Your account".
            </p>
          )}
          <FirstPassword
            id="reset-password"
            label="A first password for them (at least 10 characters; give it to them in person)"
            value={resetting.password}
            onInput={(password) => setResetting({ ...resetting, password })}
          />
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
        {(unused.length > 0 || reviewing) && (
          <div class="card notice stack" id="unused-staff">
            <p>
              {unused.length === 0
                ? `Every staff member has used Tandem in the last ${UNUSED_DAYS} days.`
                : `${unused.length === 1 ? '1 staff member has' : `${unused.length} staff members have`} not used Tandem for ${UNUSED_DAYS} days or more.`}{' '}
              Someone who has left and still has an account is a way in that nobody is watching: deactivate them. Nothing of theirs is deleted.
            </p>
            <label class="row">
              <input type="checkbox" checked={reviewing} onChange={(e) => setReviewing(e.currentTarget.checked)} />
              Show only staff who haven't used it for {UNUSED_DAYS} days
            </label>
          </div>
        )}
        <div class="stack narrow">
          <label for="find-person">Find someone by name</label>
          <input dir="auto" id="find-person" type="search" autocomplete="off" value={find} onInput={(e) => setFind(e.currentTarget.value)} />
        </div>
        <Found matching={matching.length} shown={shown.length} finding={find.trim() !== ''} />
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
        <input dir="auto" id="staff-name" autocapitalize="none" autocorrect="off" spellcheck={false} autocomplete="off" value={staff.name} onInput={(e) => setStaff({ ...staff, name: e.currentTarget.value })} required />
        <label for="staff-display">Name others see</label>
        <input dir="auto" id="staff-display" autocomplete="off" value={staff.display_name} onInput={(e) => setStaff({ ...staff, display_name: e.currentTarget.value })} required />
        <FirstPassword
          id="staff-password"
          label="First password (at least 10 characters; give it to them in person)"
          value={staff.password}
          onInput={(password) => setStaff({ ...staff, password })}
        />
        <button type="submit">Add staff member</button>
      </form>
      <Disclosure summary="Add several staff at once, from a list">
        <AddSeveral onAdded={async (added) => { setSlips(added); await load(); }} />
      </Disclosure>

      <h2>Invite a young person</h2>
      <form class="stack narrow" onSubmit={invite}>
        <label for="invitee-name">What staff call them until they choose their own name</label>
        <input dir="auto" id="invitee-name" autocomplete="off" value={invitee.display_name} onInput={(e) => setInvitee({ ...invitee, display_name: e.currentTarget.value })} required maxLength={60} />
        <label for="invitee-worker">Key worker</label>
        <select id="invitee-worker" value={invitee.worker} onChange={(e) => setInvitee({ ...invitee, worker: e.currentTarget.value })}>
          <option value="">Nobody yet</option>
          {workers.map((w) => <option key={w.id} value={w.id}>{w.display_name}</option>)}
        </select>
        <button type="submit">Make an invite code</button>
      </form>

      <StaffSso onChanged={load} />
      <StaffTwoStep onChanged={load} />
    </section>
  );
}

/** Whether every staff member is asked for two-step sign-in (a code from an authenticator app
 *  after their password). The list above says who has it. */
function StaffTwoStep({ onChanged }: { onChanged: () => Promise<void> }) {
  const { call, problem } = useCall();
  const [required, setRequired] = useState<boolean | null>(null);
  useEffect(() => void call<{ required: boolean }>('GET', '/api/admin/staff-two-step').then((p) => p && setRequired(p.required)), []);
  const change = async (to: boolean) => {
    const now = await call<{ required: boolean }>('PUT', '/api/admin/staff-two-step', { required: to });
    if (now) {
      setRequired(now.required);
      await onChanged();
    }
  };
  return (
    <section class="stack narrow" aria-labelledby="staff-two-step-title">
      <h2 id="staff-two-step-title">Two-step sign-in for staff</h2>
      <p>
        Staff accounts reach young people's records. With two-step sign-in, signing in asks for a code from an authenticator
        app as well as the password. Each staff member can turn it on under "Your account"; the list above says who has.
      </p>
      <Problem text={problem} />
      {required === null ? null : required ? (
        <>
          <p role="status">Every staff member is asked for it: one without it who signs in must set it up before anything else.</p>
          <button type="button" onClick={() => void change(false)}>Stop asking every staff member</button>
        </>
      ) : (
        <>
          <p role="status">Staff choose for themselves.</p>
          <button type="button" onClick={() => void change(true)}>Ask every staff member for it</button>
          <p class="hint">
            Staff without it are asked to set it up the next time Tandem talks to the server, before anything else; nothing they have written is
            lost. Turn it on for your own account first, under "Your account".
          </p>
        </>
      )}
    </section>
  );
}

/** `GET /api/admin/staff-sso`. */
interface StaffSsoPolicy {
  available: boolean;
  name: string | null;
  only: boolean;
  linked: number;
  session_hours: number;
  trusts_second_step: boolean;
  /** Whether the latest sign-in through it named its session (`sid`); null before any. */
  latest_named_its_session: boolean | null;
  /** What stops staff signing in with it just now (its settings can't be read), if anything. */
  problem: string | null;
}

/** Where the service has set up signing in with the organisation's account: whether staff who
 *  have linked theirs may still use their password. Only the organisation's sign-in then lets
 *  them in, so disabling their account there when they leave is enough. */
function StaffSso({ onChanged }: { onChanged: () => Promise<void> }) {
  const { call, problem } = useCall();
  const [policy, setPolicy] = useState<StaffSsoPolicy | null>(null);
  useEffect(() => void call<StaffSsoPolicy>('GET', '/api/admin/staff-sso').then((p) => p && setPolicy(p)), []);
  if (!policy?.available) return <Problem text={problem} />;
  const change = async (only: boolean) => {
    const now = await call<StaffSsoPolicy>('PUT', '/api/admin/staff-sso', { only });
    if (now) {
      setPolicy(now);
      await onChanged();
    }
  };
  const staff = policy.linked === 1 ? '1 staff member has' : `${policy.linked} staff members have`;
  return (
    <section class="stack narrow" aria-labelledby="staff-sso-title">
      <h2 id="staff-sso-title">Signing in with {policy.name}</h2>
      {policy.problem && (
        <p class="problem" role="alert">
          Staff can't sign in with {policy.name} just now: Tandem can't read its settings ({policy.problem}). Check the server's --sso-issuer, and
          that this server can reach that address.
        </p>
      )}
      <p>
        Staff can link their {policy.name} account under "Your account" and sign in with it; the list above says who has ({staff}). Someone who
        leaves and can no longer sign in to {policy.name} can't sign in to Tandem through it either.
      </p>
      <Problem text={problem} />
      {policy.only ? (
        <>
          <p role="status">Staff who have linked it sign in only with {policy.name}: their Tandem password no longer lets them in.</p>
          <button type="button" onClick={() => void change(false)}>Let them use their password too</button>
        </>
      ) : (
        <>
          <p role="status">Staff who have linked it can also sign in with their Tandem password.</p>
          <button type="button" onClick={() => void change(true)}>Ask them to sign in only with {policy.name}</button>
          <p class="hint">
            Then disabling someone's {policy.name} account when they leave is enough to stop them signing in to Tandem: their password is refused, and
            devices signed in with it are asked to sign in again. Staff who haven't linked theirs still sign in with their password.
          </p>
        </>
      )}
      <p class="hint">
        {policy.trusts_second_step
          ? `${policy.name} is trusted to ask everyone for a second step, so Tandem's two-step sign-in is not asked after it.`
          : `Where ${policy.name} says it asked for a second step, Tandem doesn't ask for its own; where it doesn't say, staff with two-step sign-in type their code after it.`}
      </p>
      <Disclosure summary={`Addresses to give whoever looks after ${policy.name}`}>
        <dl class="addresses">
          <dt>Sign-in return address (redirect URI)</dt>
          <dd>
            <code>{location.origin}/api/auth/sso/callback</code>
          </dd>
          <dt>Back-channel logout address</dt>
          <dd>
            <code>{location.origin}/api/auth/sso/logout</code>
          </dd>
          <dt>Front-channel logout address (Microsoft Entra ID's only kind)</dt>
          <dd>
            <code>{location.origin}/api/auth/sso/frontchannel-logout</code>
          </dd>
        </dl>
        <p class="hint">
          With the back-channel address, signing someone out at {policy.name}, or ending their sessions there when they leave, signs them out of
          Tandem at once. The front-channel address does it only when they sign out there in the browser they used for Tandem. Without either, a
          sign-in through {policy.name} lasts up to {policy.session_hours} hours before it is asked again.
        </p>
        {policy.latest_named_its_session === false && (
          <p class="hint">
            The latest sign-in through {policy.name} didn't say which of its sessions it was, so signing out there can't end it here. For Microsoft
            Entra ID, add the optional claim "sid" to the ID token (the app registration's Token configuration).
          </p>
        )}
      </Disclosure>
    </section>
  );
}

/** A first password an admin gives in person: typed, or suggested (four random words), and
 *  then shown, since the admin reads it out or writes it down. */
function FirstPassword({ id, label, value, onInput }: { id: string; label: string; value: string; onInput: (password: string) => void }) {
  const [shown, setShown] = useState(false);
  return (
    <>
      <label for={id}>{label}</label>
      <p class="hint" id={`${id}-hint`}>
        {SECRET_HINT.password} Or let Tandem suggest one.
      </p>
      <div class="row">
        <input
          id={id}
          // Preact's typings tie `type` to the rest of an input's attributes; both types take these.
          type={(shown ? 'text' : 'password') as 'text'}
          autocomplete="new-password"
          autocapitalize="none"
          spellcheck={false}
          aria-describedby={`${id}-hint`}
          value={value}
          onInput={(e) => onInput(e.currentTarget.value)}
          required
          minLength={10}
        />
        <button type="button" class="secondary" onClick={() => { onInput(suggestPassword()); setShown(true); }}>
          Suggest one
        </button>
      </div>
    </>
  );
}
