// A person's signed-in devices, and ending them (a lost phone, someone leaving).
import { useEffect, useState } from 'preact/hooks';
import { withArticle } from '../../ui/words';
import { type SessionRow, when, useCall, Problem, usePeople } from './shared';

/** The kind of device, and the end of its own id to tell two of a kind apart. */
function deviceName(s: SessionRow): string {
  if (s.tablet) return `Shared tablet "${s.tablet}"`;
  return s.device_kind ? `${withArticle(s.device_kind)}, device ${s.device.slice(-6)}` : `Device ${s.device.slice(-6)}`;
}

export function Sessions({ id }: { id: string }) {
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
