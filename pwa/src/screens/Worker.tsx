// A key worker's view: the young people they support and what each has chosen to share.
// The young person's words are shown as theirs; the worker can suggest, and where their edit
// collided with the young person's, they are told their version was kept as a suggestion.
import { useContext, useLayoutEffect, useMemo } from 'preact/hooks';
import type { FieldValue, RecordKind } from '../generated/tandem';
import { changedByOthers, type Item } from '../sync/local';
import { fieldName, sharedWords, stopAfter, valueWords } from '../ui/words';
import { collisionKey, Ctx, type PersonRef, stillDiffers } from '../context';
import { AddItem, fieldWords, ItemCard, textOf } from './Items';
import { meetingsOf } from './Meeting';
import { Recent } from '../ui/Recent';
import { Refused } from '../ui/Refused';

export function Caseload() {
  const ctx = useContext(Ctx);
  return (
    <section>
      <h1>Young people you support</h1>
      <Refused />
      <p>
        <button type="button" onClick={() => ctx.go({ name: 'invite' })}>Invite a young person</button>
      </p>
      {/* Not yet asked on this device (asked and allowed, or refused, it says nothing more). */}
      {'PushManager' in window && typeof Notification !== 'undefined' && Notification.permission === 'default' && (
        <p class="hint">
          This device can tell you when a young person asks for help, even with Tandem closed.{' '}
          <button type="button" class="link-button" onClick={() => ctx.go({ name: 'account' })}>Set it up under Your account</button>
        </p>
      )}
      {ctx.caseload.length === 0 ? <p>{ctx.meKnown ? 'Nobody is assigned to you yet.' : 'Getting the young people you support… They show here as soon as they arrive.'}</p> : (
        <ul class="cards">
          {ctx.caseload.map((p) => {
            const shared = ctx.items.filter((i) => i.owner === p.id);
            return (
              <li class="card" key={p.id}>
                <h2>{p.display_name}</h2>
                {p.joined === false && shared.length === 0
                  ? <p>Hasn't joined yet: their invite code is unused. <button type="button" class="link-button" onClick={() => ctx.go({ name: 'invite' })}>A new code<span class="visually-hidden"> for {p.display_name}</span></button></p>
                  : <p>{sharedWords(shared.length, 'you', ctx.pulled)}</p>}
                <CaseClosed person={p} />
                {ctx.alerts.some((a) => a.young_person === p.id && !a.seen_at) && <p class="problem">Said they don't feel safe right now</p>}
                <NewSince person={p.id} />
                <button type="button" onClick={() => ctx.go({ name: 'person', id: p.id })}>Open <span class="visually-hidden">{p.display_name}</span></button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** How many of someone's things changed, by anyone else, since this staff member last looked at
 *  their page (on any device of theirs). */
export function NewSince({ person }: { person: string }) {
  const ctx = useContext(Ctx);
  const since = ctx.lastLooked[person] ?? 0;
  const fresh = ctx.items.filter((i) => i.owner === person && changedByOthers(i, ctx.session.person) > since).length;
  return fresh > 0 ? <p class="tag tag--worker" data-testid="new-count">New since you last looked: {fresh}</p> : null;
}

export function Person({ id }: { id: string }) {
  const ctx = useContext(Ctx);
  const person = ctx.caseload.find((p) => p.id === id);
  const items = ctx.items.filter((i) => i.owner === id);
  // My version kept because the young person's won (not one of my own devices' beating another).
  const lostToThem = (i: Item, field: FieldValue['field']) => {
    const writer = i.writers[field];
    return !!writer && writer.person !== ctx.session.person;
  };
  const kept = items.flatMap((i) =>
    i.conflicts
      .filter(
        (c) =>
          c.author.person === ctx.session.person &&
          lostToThem(i, c.value.field) &&
          !ctx.putAway.includes(collisionKey(i.id, c)) &&
          stillDiffers(i.values, c.value),
      )
      .map((c) => ({ i, c })),
  );
  // What changed since the last visit is marked for this visit, though the visit counts as a look.
  const since = useMemo(() => ctx.lastLooked[id] ?? 0, [id]);
  // Marked as the screen is drawn, not after: a worker who glances and goes back has seen it,
  // and a change that arrives while they look (a new item, or an edit) is seen too.
  const latestChange = Math.max(0, ...items.map((i) => i.changedAt));
  useLayoutEffect(() => ctx.markLooked(id, latestChange), [id, latestChange]);
  // A key worker can suggest a strength or a goal; what a young person wants known is theirs to say.
  const canSuggest = (kind: RecordKind) => ctx.session.role === 'key_worker' && kind !== 'statement';
  const group = (kind: RecordKind, title: string) => {
    const list = items.filter((i) => i.kind === kind);
    return (
      <>
        <h2>{title}</h2>
        {list.length === 0 ? <p>{ctx.pulled ? 'Nothing shared yet.' : 'Checking what they have shared…'}</p> : <Recent items={list}>{(shown) => <ul class="cards">{shown.map((i) => <ItemCard key={i.id} item={i} fresh={changedByOthers(i, ctx.session.person) > since} />)}</ul>}</Recent>}
        {canSuggest(kind) && <AddItem kind={kind} owner={id} />}
      </>
    );
  };
  const meetings = meetingsOf(items, id);
  return (
    <section>
      <button type="button" class="link-button" onClick={() => ctx.go({ name: 'home' })}>← All young people</button>
      <h1>{person?.display_name ?? 'Young person'}</h1>
      {person && <CaseClosed person={person} />}
      <Refused owner={id} />
      {kept.length > 0 && (
        <div class="card notice" role="status">
          <h2>Your version was kept as a suggestion</h2>
          {kept.map(({ i, c }) => {
            const [mine, theirs, who] = [valueWords(c.value), fieldWords(i, c.value.field), person?.display_name ?? 'They'];
            return (
              <p key={`${i.id}${c.stamp.hlc.ms}`}>
                {c.value.field === 'title' || c.value.field === 'text' || c.value.field === 'why'
                  ? <>You wrote “<bdi>{mine}</bdi>”{stopAfter(mine)} <bdi>{who}</bdi> wrote “<bdi>{theirs}</bdi>” at the same time, and their words stay.</>
                  : <>You changed {fieldName(c.value.field)}{i.kind === 'goal' ? <> of “<bdi>{textOf(i)}</bdi>”</> : ''} to: <bdi>{mine}</bdi>{stopAfter(mine)} <bdi>{who}</bdi> changed it at the same time, and theirs stays: <bdi>{theirs}</bdi>{stopAfter(theirs)}</>}
              </p>
            );
          })}
          <button type="button" onClick={() => ctx.putAwayNotices(kept.map(({ i, c }) => collisionKey(i.id, c)))}>OK, got it</button>
        </div>
      )}
      {meetings.length > 0 && (
        <nav aria-label="Meeting pages" class="row">
          {meetings.map((m) => <button key={m} type="button" onClick={() => ctx.go({ name: 'meeting', owner: id, meeting: m })}>Meeting page: {m}</button>)}
        </nav>
      )}
      {group('strength', 'Strengths')}
      {group('goal', 'Goals')}
      {group('statement', 'What they want you to know')}
      {ctx.session.role === 'key_worker' && person?.joined && (
        <details class="forgot">
          <summary>If {person.display_name} forgets their PIN</summary>
          <p>
            Ask your service's admin for a new code for them (Admin, then People). With it they choose a new PIN and
            keep their name and everything they wrote, even words still waiting on their phone. Give it to them in person.
          </p>
        </details>
      )}
    </section>
  );
}


/** The service closed this young person's case: say so, and when their things go. */
function CaseClosed({ person }: { person: PersonRef }) {
  if (!person.case_closed_at || !person.erase_at) return null;
  const day = (ms: number) => new Date(ms).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
  return <p class="tag">Case closed on {day(person.case_closed_at)}. Their things will be erased on {day(person.erase_at)}.</p>;
}
