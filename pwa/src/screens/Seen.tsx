// "Who has seen my stuff": the young person's access log, in plain words.
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx, type AccessEntry } from '../context';

export function Seen() {
  const ctx = useContext(Ctx);
  const [log, setLog] = useState<AccessEntry[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    ctx.accessLog().then(setLog, () => setProblem('This needs signal. Try again when you are online.'));
  }, []);
  return (
    <section>
      <h1>Who has seen my things</h1>
      <p>Every time a worker looks at or changes your things, it shows here.</p>
      {problem && <p>{problem}</p>}
      {log && log.length === 0 && <p>Nobody has looked yet.</p>}
      {log && log.length > 0 && (
        <ul class="cards">
          {log.map((e, i) => (
            <li class="card" key={i}>
              {e.who_name} {e.action === 'read' ? 'looked at' : 'changed'} {e.records === 1 ? '1 thing' : `${e.records} things`} on {new Date(e.at).toLocaleString()}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
