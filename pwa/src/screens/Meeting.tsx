// The meeting page: the statements a young person marked for a meeting, in their own words,
// headed as theirs, apart from anything a worker wrote. Print-ready for the table.
import { useContext } from 'preact/hooks';
import { Ctx } from '../context';
import { asWritten } from '../ui/scripts';

export function meetingsOf(items: { kind: string; owner: string; values: { meeting?: unknown } }[], owner: string): string[] {
  const names = items.filter((i) => i.kind === 'statement' && i.owner === owner && typeof i.values.meeting === 'string').map((i) => String(i.values.meeting));
  return [...new Set(names)].sort();
}

export function Meeting({ owner, meeting }: { owner: string; meeting: string }) {
  const ctx = useContext(Ctx);
  const mine = ctx.session.person === owner;
  const name = mine ? ctx.session.displayName : (ctx.caseload.find((p) => p.id === owner)?.display_name ?? 'The young person');
  const statements = ctx.items.filter((i) => i.kind === 'statement' && i.owner === owner && i.values.meeting === meeting && !i.suggestion);
  const own = statements.filter((i) => !i.writers.text || i.writers.text.person === owner);
  const others = statements.filter((i) => i.writers.text && i.writers.text.person !== owner);
  return (
    <article class="meeting">
      <p class="no-print">
        <button type="button" class="link-button" onClick={() => ctx.go(mine ? { name: 'statements' } : { name: 'person', id: owner })}>← Back</button>
        <button type="button" onClick={() => window.print()}>Print this page</button>
      </p>
      <h1 {...asWritten(meeting)} />
      <h2>What <bdi>{name}</bdi> wants this meeting to know, in {mine ? 'my' : 'their'} own words</h2>
      {own.length === 0 ? <p>Nothing marked for this meeting yet.</p> : (
        <ul class="meeting__words">
          {own.map((s) => <li key={s.id} {...asWritten(String(s.values.text ?? ''))} />)}
        </ul>
      )}
      {others.length > 0 && (
        <section class="meeting__others">
          <h2>Written by a worker (not <bdi>{name}</bdi>'s words)</h2>
          <ul>{others.map((s) => <li key={s.id} {...asWritten(String(s.values.text ?? ''))} />)}</ul>
        </section>
      )}
    </article>
  );
}
