// Assignments: who works with whom, and handing over from one worker to another.
import { useEffect, useState } from 'preact/hooks';
import { type Assigned, useCall, Problem, PEOPLE_SHOWN, Found, usePeople } from './shared';
import { byName, nameHas } from '../../ui/words';

export function Assignments() {
  const { call, problem } = useCall();
  const { people } = usePeople(call);
  const [table, setTable] = useState<Assigned[] | null>(null);
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [find, setFind] = useState('');
  const load = async () => setTable((await call<Assigned[]>('GET', '/api/admin/assignments')) ?? table);
  const named = (y: Assigned) => [y.display_name, ...y.workers.map((w) => w.display_name)].some((n) => nameHas(n, find));
  // Those with no key worker first: they are the ones to act on.
  const matching = (table ?? []).filter(named).sort((a, b) => Number(a.workers.length > 0) - Number(b.workers.length > 0) || byName(a, b));
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
          <input dir="auto" id="find-assigned" type="search" autocomplete="off" value={find} onInput={(e) => setFind(e.currentTarget.value)} />
        </div>
        <Found matching={matching.length} shown={shown.length} finding={find.trim() !== ''} />
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
