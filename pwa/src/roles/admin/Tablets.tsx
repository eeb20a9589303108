// Shared tablets: registering this one, naming and removing them.
import { useEffect, useState } from 'preact/hooks';
import { forgetThisTablet, registerThisTablet, thisTablet, type TabletRegistration } from '../../sync/tablet';
import { when, useCall, Problem } from './shared';

interface TabletRow {
  id: string;
  name: string;
  registered_at: number;
  last_seen_at: number | null;
}

/** Registered shared tablets, and registering the device the admin is holding as one. */
export function Tablets() {
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
          <input dir="auto" id="tablet-name" value={name} maxLength={60} placeholder="Front desk tablet" onInput={(e) => setName(e.currentTarget.value)} required />
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
