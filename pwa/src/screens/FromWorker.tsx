// Suggestions from my worker (accept, change, or no thanks), and notices where my words and a
// worker's collided (mine kept, theirs shown).
import { useContext } from 'preact/hooks';
import { collisionKey, Ctx, stillDiffers } from '../context';
import type { FieldValue } from '../generated/tandem';
import type { Item } from '../sync/local';
import { fieldName, valueWords } from '../ui/words';
import { fieldWords, textOf } from './Items';
import { asWritten } from '../ui/scripts';

type Conflict = Item['conflicts'][number];

/** My things' kept versions that `shows` picks out, less those put away on this device and those
 *  that now say what the thing says (taken, on either side). */
function noticesFor(items: Item[], me: string, putAway: string[], shows: (item: Item, c: Conflict) => boolean) {
  return items.flatMap((i) =>
    i.owner === me
      ? i.conflicts
          .filter((c) => shows(i, c) && !putAway.includes(collisionKey(i.id, c)) && stillDiffers(i.values, c.value))
          .map((c) => ({ item: i, conflict: c }))
      : [],
  );
}

/** Where a worker's version met mine and mine stayed (null writer: my own edit, not sent yet). */
export function collisionsFor(items: Item[], me: string, putAway: string[]) {
  return noticesFor(items, me, putAway, (i, c) => {
    const writer = i.writers[c.value.field];
    return c.author.person !== me && (writer === null || writer?.person === me);
  });
}

/** Where a worker wrote over my words (a title, a text, a why) and mine were kept for me (not
 *  empty ones). */
export function overwrittenFor(items: Item[], me: string, putAway: string[]) {
  return noticesFor(items, me, putAway, (i, c) => {
    const writer = i.writers[c.value.field];
    return c.author.person === me && ['title', 'text', 'why'].includes(c.value.field) && !!writer && writer.person !== me && String(c.value.value).trim() !== '';
  });
}

/** Fields whose other version can simply be taken: words and choices. Who can see a thing, and
 *  whether it is kept at all, are changed where they are shown, never from a notice. */
function takeable(field: FieldValue['field']): boolean {
  return !['visibility', 'deleted', 'accepted', 'ratings'].includes(field);
}

export function FromWorker() {
  const ctx = useContext(Ctx);
  const me = ctx.session.person;
  const suggestions = ctx.items.filter((i) => i.owner === me && i.suggestion);
  const collisions = collisionsFor(ctx.items, me, ctx.putAway);
  const overwritten = overwrittenFor(ctx.items, me, ctx.putAway);
  const workerName = (id: string) => ctx.workers.find((w) => w.id === id)?.display_name ?? 'Your worker';
  return (
    <section>
      <h1>From my worker</h1>
      <h2>Suggestions</h2>
      {suggestions.length === 0 ? <p>No suggestions right now.</p> : (
        <ul class="cards">
          {suggestions.map((s) => (
            <li class="card" key={s.id}>
              <span class="tag tag--worker">Suggested by <bdi>{s.createdBy ? workerName(s.createdBy.person) : 'your worker'}</bdi></span>
              <p class="card__text" {...asWritten(textOf(s))} />
              <p>Is this right for you? It only becomes yours if you say yes.</p>
              <div class="row row--equal">
                <button type="button" onClick={() => ctx.save(s, [{ field: 'accepted', value: true }, { field: 'visibility', value: 'worker' }])}>Yes, keep it</button>
                <button type="button" onClick={() => ctx.go(s.kind === 'goal' ? { name: 'goal', id: s.id } : { name: s.kind === 'strength' ? 'strengths' : 'statements' })}>Change it</button>
                <button type="button" onClick={() => ctx.save(s, [{ field: 'deleted', value: true }])}>No thanks</button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {overwritten.length > 0 && (
        <>
          <h2>Where your worker changed your words</h2>
          <ul class="cards">
            {overwritten.map(({ item, conflict }) => {
              const who = workerName(item.writers[conflict.value.field]?.person ?? '');
              return (
                <li class="card" key={collisionKey(item.id, conflict)}>
                  <p>
                    <bdi>{who}</bdi> changed {fieldName(conflict.value.field)}
                    {item.kind === 'goal' && conflict.value.field !== 'title' ? <> of “<bdi>{textOf(item)}</bdi>”</> : ''}. It says now:
                  </p>
                  <p class="card__text" {...asWritten(fieldWords(item, conflict.value.field))} />
                  <p>Your words, kept for you:</p>
                  <blockquote {...asWritten(valueWords(conflict.value))} />
                  <div class="row row--equal">
                    {/* Taking mine back is my own edit, from my kept words: the notice then goes. */}
                    <button type="button" onClick={() => ctx.save(item, [conflict.value])}>Use my words again</button>
                    <button type="button" onClick={() => ctx.putAwayNotices([collisionKey(item.id, conflict)])}>Keep {who}'s</button>
                  </div>
                </li>
              );
            })}
          </ul>
        </>
      )}
      <h2>When you both changed the same thing</h2>
      {collisions.length === 0 ? <p>Nothing to show.</p> : (
        <ul class="cards">
          {collisions.map(({ item, conflict }) => (
            <li class="card" key={`${item.id}-${conflict.stamp.hlc.ms}-${conflict.stamp.hlc.count}`}>
              <p>
                You and <bdi>{workerName(conflict.author.person)}</bdi> both changed {fieldName(conflict.value.field)}
                {item.kind === 'goal' && conflict.value.field !== 'title' ? <> of “<bdi>{textOf(item)}</bdi>”</> : ''}. <strong>Yours was kept:</strong>
              </p>
              <p class="card__text" {...asWritten(fieldWords(item, conflict.value.field))} />
              <p>Their version, kept for you to see:</p>
              <blockquote {...asWritten(valueWords(conflict.value))} />
              <div class="row row--equal">
                {/* Taking their version is my own edit, so it wins like any other; the notice then
                    has nothing left to say, on either side (stillDiffers). */}
                {takeable(conflict.value.field) && (
                  <button type="button" onClick={() => ctx.save(item, [conflict.value])}>Use {workerName(conflict.author.person)}'s version</button>
                )}
                <button type="button" onClick={() => ctx.putAwayNotices([collisionKey(item.id, conflict)])}>OK, got it</button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
