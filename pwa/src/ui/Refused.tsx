// Changes the server could not take (the young person stopped sharing the thing meanwhile, or a
// rule was broken), shown with what was written, so nothing typed disappears without a word.
import { useContext } from 'preact/hooks';
import type { FieldValue } from '../generated/tandem';
import { Ctx } from '../context';
import { isolate } from './words';

const CHANGED: Partial<Record<FieldValue['field'], string>> = {
  visibility: 'who can see it',
  deleted: 'removing it',
  status: 'how it is going',
  ratings: 'a rating',
  accepted: 'keeping a suggestion',
  noticed_by: 'who noticed it',
};

/** The words a change carried, or, for a change with none, what it changed. */
function described(changes: FieldValue[]): string {
  const words = changes.flatMap((c) => (c.field === 'steps' ? c.value.map((s) => s.text) : typeof c.value === 'string' ? [c.value] : []));
  if (words.length > 0) return `What you wrote: ${words.map(isolate).join(' / ')}`;
  return `What you changed: ${changes.map((c) => CHANGED[c.field] ?? c.field).join(', ')}`;
}

/** Every refused change, or only those to `owner`'s things. */
export function Refused({ owner }: { owner?: string }) {
  const ctx = useContext(Ctx);
  const refused = owner ? ctx.rejected.filter((r) => r.op.owner === owner) : ctx.rejected;
  if (refused.length === 0) return null;
  return (
    <section aria-labelledby="refused">
      <h2 id="refused">Changes that couldn't be sent</h2>
      <ul class="cards">
        {refused.map((r) => (
          <li class="card" key={r.seq}>
            <p>{r.reason}</p>
            <p class="card__text">{described(r.op.changes.map((c) => c.set))}</p>
            <button type="button" onClick={() => ctx.dismissRejected(r.seq)}>OK, remove this note</button>
          </li>
        ))}
      </ul>
    </section>
  );
}
