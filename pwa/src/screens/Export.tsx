// My data: a JSON file to keep, and a page to print.
import { useContext, useMemo } from 'preact/hooks';
import { Ctx } from '../context';
import { textOf } from './Items';

export function Export() {
  const ctx = useContext(Ctx);
  const mine = ctx.items.filter((i) => i.owner === ctx.session.person && !i.suggestion);
  const href = useMemo(() => URL.createObjectURL(new Blob([JSON.stringify({ exported: new Date().toISOString(), items: mine }, null, 2)], { type: 'application/json' })), [mine]);
  const section = (kind: string, title: string) => (
    <section class="print-section">
      <h2>{title}</h2>
      <ul>{mine.filter((i) => i.kind === kind).map((i) => <li key={i.id}>{textOf(i)}</li>)}</ul>
    </section>
  );
  return (
    <section>
      <h1>Save or print my things</h1>
      <div class="row no-print">
        <a class="button" href={href} download="my-tandem.json">Download my things</a>
        <button type="button" onClick={() => window.print()}>Print</button>
      </div>
      {section('strength', 'Good things about me')}
      {section('goal', 'My goals')}
      {section('statement', 'What I want you to know')}
    </section>
  );
}
