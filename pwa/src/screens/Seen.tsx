// "Who has seen my stuff": the young person's access log, in plain words, a day at a time.
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx, type AccessEntry } from '../context';
import { problemWords } from '../ui/useSubmit';
import { seenDays } from '../ui/words';

export function Seen() {
  const ctx = useContext(Ctx);
  const [log, setLog] = useState<AccessEntry[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const load = () => {
    setProblem(null);
    ctx.accessLog().then(setLog, (e) => setProblem(problemWords(e, 'This needs signal. Try again when you are online.')));
  };
  useEffect(load, []);
  // Signal came back while this was open: ask again rather than leave the problem showing.
  useEffect(() => {
    if (ctx.online && problem && !log) load();
  }, [ctx.online]);
  return (
    <section>
      <h1>Who has seen my things</h1>
      <p>
        Every time a worker, or staff at the drop-in, looks at or changes your things, it shows here. So does a copy of everything the service
        holds about you, if one is ever made (you, or someone for you, can ask the service for one).
      </p>
      {problem && (
        <div class="row">
          <p>{problem}</p>
          <button type="button" onClick={load}>Try again</button>
        </div>
      )}
      {log && log.length === 0 && <p>Nobody has looked yet.</p>}
      {log &&
        seenDays(log).map((d) => (
          <section key={d.day} aria-label={d.day}>
            <h2>{d.day}</h2>
            <ul class="cards">
              {d.lines.map((line) => (
                <li class="card" key={line}>{line}</li>
              ))}
            </ul>
          </section>
        ))}
    </section>
  );
}
