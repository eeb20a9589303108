// A key worker's view: the young people they support and what each has chosen to share.
// The young person's words are shown as theirs; the worker can suggest, not overwrite.
import { useContext } from 'preact/hooks';
import { Ctx } from '../context';
import { AddItem, Authorship, textOf } from './Items';

export function Caseload() {
  const ctx = useContext(Ctx);
  return (
    <section>
      <h1>Young people you support</h1>
      {ctx.caseload.length === 0 ? <p>Nobody is assigned to you yet.</p> : (
        <ul class="cards">
          {ctx.caseload.map((p) => {
            const shared = ctx.items.filter((i) => i.owner === p.id);
            return (
              <li class="card" key={p.id}>
                <h2>{p.display_name}</h2>
                <p>{shared.length === 1 ? '1 thing shared with you' : `${shared.length} things shared with you`}</p>
                <button type="button" onClick={() => ctx.go({ name: 'person', id: p.id })}>Open <span class="visually-hidden">{p.display_name}</span></button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

export function Person({ id }: { id: string }) {
  const ctx = useContext(Ctx);
  const person = ctx.caseload.find((p) => p.id === id);
  const items = ctx.items.filter((i) => i.owner === id);
  const kept = items.flatMap((i) => i.conflicts.filter((c) => c.author.person === ctx.session.person).map((c) => ({ i, c })));
  const group = (kind: string, title: string) => (
    <>
      <h2>{title}</h2>
      <ul class="cards">
        {items.filter((i) => i.kind === kind).map((i) => (
          <li class="card" key={i.id}>
            <Authorship item={i} field={kind === 'goal' ? 'title' : 'text'} />
            {i.suggestion && <span class="tag tag--worker">Your suggestion, waiting</span>}
            <p class="card__text">{textOf(i)}</p>
          </li>
        ))}
      </ul>
    </>
  );
  return (
    <section>
      <button type="button" class="link-button" onClick={() => ctx.go({ name: 'home' })}>← All young people</button>
      <h1>{person?.display_name ?? 'Young person'}</h1>
      {kept.length > 0 && (
        <div class="card notice" role="status">
          <h2>Your version was kept as a suggestion</h2>
          {kept.map(({ i, c }) => (
            <p key={`${i.id}${c.stamp.hlc.ms}`}>You wrote “{String(c.value.value)}”; {person?.display_name ?? 'they'} wrote “{textOf(i)}”, and their words stay.</p>
          ))}
        </div>
      )}
      {group('strength', 'Strengths')}
      {group('goal', 'Goals')}
      {group('statement', 'What they want you to know')}
      <AddItem kind="strength" owner={id} />
    </section>
  );
}
