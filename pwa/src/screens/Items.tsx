// Cards for strengths and statements, and the forms to add them.
import { Component } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { FieldValue, NoticedBy, RecordKind } from '../generated/tandem';
import type { Item } from '../sync/local';
import { ReadAloud } from '../ui/ReadAloud';
import { RemoveThis } from '../ui/RemoveThis';
import { editKey, useDraft } from '../ui/useDraft';
import { WhoCanSee } from '../ui/WhoCanSee';
import { GETTING, valueWords, whoCanSee } from '../ui/words';
import { CardCtx, Ctx } from '../context';
import { meetingsOf } from './Meeting';
import { Recent } from '../ui/Recent';
import { Disclosure } from '../ui/Disclosure';
import { PutBack } from '../ui/PutBack';
import { LengthHint, useNeedsWords } from '../ui/LengthHint';
import { fits, LIMITS } from '../ui/limits';
import { asWritten } from '../ui/scripts';

export function textOf(item: Item): string {
  return String(item.values.text ?? item.values.title ?? '');
}

/** What one field of an item holds now, in words (its text when the field is unset). */
export function fieldWords(item: Item, field: FieldValue['field']): string {
  const value = item.values[field];
  return value === undefined ? textOf(item) : valueWords({ field, value } as FieldValue);
}

/** Who noticed a strength, said from where the reader stands. */
function noticedWords(noticed: NoticedBy, owner: boolean): string {
  if (noticed === 'my_worker') return owner ? 'My worker noticed this' : 'Their worker noticed this';
  if (noticed === 'someone_else') return 'Someone else noticed this';
  return owner ? 'I noticed this' : 'They noticed this themselves';
}

/** "In my words" when the young person wrote it; otherwise says who did. */
export function Authorship({ item, field }: { item: Item; field: 'text' | 'title' }) {
  const ctx = useContext(CardCtx);
  const writer = item.writers[field];
  const mine = writer === null || writer === undefined || writer.person === item.owner;
  if (mine) return <span class="tag tag--mine">{ctx.me === item.owner ? 'In my words' : 'In their words'}</span>;
  const name = ctx.workers.find((w) => w.id === writer.person)?.display_name ?? (writer.person === ctx.me ? 'you' : 'a worker');
  return <span class="tag tag--worker">Written by <bdi>{name}</bdi></span>;
}

const cardId = (id: string) => `item-${id}`;

/** Brings the card of `id` into view and moves focus to it; false when it isn't drawn. */
export function showCard(id: string): boolean {
  const card = document.getElementById(cardId(id));
  if (!card) return false;
  card.scrollIntoView({ block: 'center' });
  card.focus({ preventScroll: true });
  // Cards out of view are laid out at an estimated height (`content-visibility` in the styles),
  // so the cards drawn on arriving can push this one out of sight again: while they settle
  // (a few frames), it is brought back.
  let frames = 8;
  const settle = () => {
    const box = card.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) card.scrollIntoView({ block: 'center' });
    if (--frames > 0) requestAnimationFrame(settle);
  };
  requestAnimationFrame(settle);
  return true;
}

/** A card redraws when its own item changes (or what every card shows does), not when another does. */
export class ItemCard extends Component<{ item: Item; fresh?: boolean }> {
  shouldComponentUpdate(next: { item: Item; fresh?: boolean }) {
    return next.item !== this.props.item || next.fresh !== this.props.fresh;
  }

  render() {
    return <Card item={this.props.item} fresh={this.props.fresh} />;
  }
}

/** `fresh`: someone else changed it since this worker last looked. */
function Card({ item, fresh }: { item: Item; fresh?: boolean }) {
  const ctx = useContext(CardCtx);
  // Words being changed, and left or lost with the page, open again where they were.
  const [editing, setEditing] = useState(() => ctx.drafts.hasDraft(item.id));
  const workers = ctx.workers.map((w) => w.display_name);
  const isOwner = ctx.me === item.owner;
  return (
    // Found by "See it" after a save (`showCard`), and focused there for a keyboard or screen reader.
    <li class="card" id={cardId(item.id)} tabIndex={-1}>
      <div class="card__head">
        <Authorship item={item} field={item.kind === 'goal' ? 'title' : 'text'} />
        {item.suggestion && !isOwner && <span class="tag tag--worker">Your suggestion, waiting</span>}
        {item.unsent && <span class="tag tag--unsent">Saved on this phone</span>}
        {fresh && <span class="tag tag--worker">New since you last looked</span>}
      </div>
      {editing ? <ChangeWords item={item} done={() => setEditing(false)} /> : <p class="card__text" {...asWritten(textOf(item))} />}
      {item.kind === 'goal' && !isOwner && <GoalDetails item={item} />}
      {item.kind === 'statement' && item.values.meeting && <p class="card__meta">For: <bdi>{String(item.values.meeting)}</bdi></p>}
      {item.kind === 'strength' && item.values.noticed_by && <p class="card__meta">{noticedWords(item.values.noticed_by as NoticedBy, isOwner)}</p>}
      <div class="row">
        {!editing && (isOwner || item.visibility !== 'private') && <button type="button" class="link-button" onClick={() => setEditing(true)}>Change</button>}
        <ReadAloud text={textOf(item)} />
      </div>
      {/* A suggestion made by mistake (a typo, or the wrong young person's page) can be taken
          back until they say yes to it: once they have, it is theirs. */}
      {!isOwner && item.suggestion && item.createdBy?.person === ctx.me && (
        <RemoveThis
          id={item.id}
          label="Take back this suggestion"
          question="Take back this suggestion? It goes from their suggestions, unless they have already said yes to it."
          onRemove={() => ctx.save(item, [{ field: 'deleted', value: true }])}
        />
      )}
      {isOwner && item.kind === 'statement' && <MeetingMark item={item} />}
      {isOwner ? (
        <Disclosure class="who-details" summary={`Who can see this: ${whoCanSee(item.visibility, workers)}`}>
          <WhoCanSee id={item.id} value={item.visibility} workers={workers} onChange={(v) => ctx.save(item, [{ field: 'visibility', value: v }])} />
          <RemoveThis
            id={item.id}
            label="Remove this"
            question={`Remove this? It goes from your things${item.visibility === 'private' ? '' : ', and from what you shared'}.`}
            onRemove={() => ctx.save(item, [{ field: 'deleted', value: true }])}
          />
        </Disclosure>
      ) : null}
    </li>
  );
}

/** Which meeting a statement is for, chosen or changed after it was written, or taken off once
 *  the meeting has been. The same name puts statements on one meeting page. */
function MeetingMark({ item }: { item: Item }) {
  const ctx = useContext(CardCtx);
  const marked = typeof item.values.meeting === 'string' ? item.values.meeting : '';
  const [name, setName] = useState(marked);
  const [said, setSaid] = useState<string | null>(null);
  // Marked or unmarked elsewhere (another device, or here): the field shows it.
  useEffect(() => setName(marked), [marked]);
  const id = `meeting-${item.id}`;
  const save = async (to: string) => {
    if (!fits(to, LIMITS.meeting)) {
      document.getElementById(id)?.focus();
      return;
    }
    if (!(await ctx.save(item, [{ field: 'meeting', value: to.trim() ? to : null }]))) return;
    setSaid(to.trim() ? `It is on the page for "${to.trim()}".` : 'It is not for a meeting now.');
  };
  return (
    <Disclosure class="meeting-details" summary={marked ? `For a meeting: ${marked}` : 'Take it to a meeting'}>
      <div class="stack">
        <label for={id}>Which meeting?</label>
        <p class="hint" id={`${id}-same`}>Use the same name each time: things for one meeting go on one page.</p>
        <input dir="auto" id={id} list="meeting-names" value={name} aria-describedby={`${id}-same ${id}-length`} onInput={(e) => { setName(e.currentTarget.value); setSaid(null); }} />
        <LengthHint id={`${id}-length`} words={name} max={LIMITS.meeting} />
        {item.visibility === 'private' && <p class="hint">Only you can see this now. For your worker to see it on the meeting page, share it with them too.</p>}
        <div class="row">
          <button type="button" onClick={() => void save(name)}>Save the meeting</button>
          {marked && <button type="button" onClick={() => void save('')}>Not for a meeting</button>}
        </div>
        <p role="status">{said}</p>
      </div>
    </Disclosure>
  );
}

function NoticedBySelect({ id, value, onChange }: { id: string; value: NoticedBy; onChange(v: NoticedBy): void }) {
  return (
    <>
      <label for={id}>Who noticed it?</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value as NoticedBy)}>
        <option value="me">Me</option>
        <option value="my_worker">My worker</option>
        <option value="someone_else">Someone else</option>
      </select>
    </>
  );
}

/** A card's words being changed: kept on the device as they are typed, until Save or Cancel. */
function ChangeWords({ item, done }: { item: Item; done(): void }) {
  const ctx = useContext(CardCtx);
  const [field, max] = item.kind === 'goal' ? (['title', LIMITS.title] as const) : (['text', LIMITS.text] as const);
  const key = editKey(item.id, field);
  const draft = useDraft(key, textOf(item));
  const needs = useNeedsWords(`edit-${item.id}`, 'Write something here first, or press Cancel to leave it as it was.');
  // Who noticed a strength of theirs can be put right with its words (only sent if it changed).
  const ownStrength = item.kind === 'strength' && ctx.me === item.owner;
  const [noticed, setNoticed] = useState<NoticedBy>((item.values.noticed_by as NoticedBy | undefined) ?? 'me');
  const save = async () => {
    if (!needs.has(draft.words)) return;
    if (!fits(draft.words, max)) {
      document.getElementById(`edit-${item.id}`)?.focus();
      return;
    }
    const also = ownStrength ? [{ field: 'noticed_by' as const, value: noticed }] : [];
    if (!(await ctx.save(item, [{ field, value: draft.words }, ...also], [key]))) return;
    await draft.forget();
    done();
  };
  const cancel = async () => {
    await draft.forget();
    done();
  };
  return (
    <div class="stack">
      <label for={`edit-${item.id}`}>Change the words</label>
      <textarea dir="auto" id={`edit-${item.id}`} value={draft.words} onInput={(e) => void draft.set(e.currentTarget.value)} rows={3} aria-describedby={`edit-${item.id}-length`} />
      <LengthHint id={`edit-${item.id}-length`} words={draft.words} max={max} needed={needs.needed} />
      {draft.restored && <p class="hint">Your changes from before are still here. They are not saved until you press Save.</p>}
      {ctx.me !== item.owner && item.writers[field]?.person === item.owner && (
        <p class="hint">These are their words. They will see your change, and their words are kept for them to take back.</p>
      )}
      {ownStrength && <NoticedBySelect id={`noticed-${item.id}`} value={noticed} onChange={setNoticed} />}
      <div class="row">
        <button type="button" onClick={save}>Save</button>
        <button type="button" onClick={cancel}>Cancel</button>
      </div>
    </div>
  );
}

/** What a worker sees of a shared goal besides its title: why it matters, where they are with
 *  it, the small steps (done or not) and the latest rating, in their words. */
function GoalDetails({ item }: { item: Item }) {
  const v = item.values;
  const steps = v.steps ?? [];
  const ratings = v.ratings ?? [];
  return (
    <>
      {v.why && <p class="card__meta">Why it matters: <bdi>{v.why}</bdi></p>}
      <p class="card__meta">Where they are with it: {valueWords({ field: 'status', value: v.status ?? 'active' })}</p>
      {steps.length > 0 && (
        <>
          <p class="card__meta">Small steps ({steps.filter((s) => s.done).length} of {steps.length} done):</p>
          <ul class="steps">
            {steps.map((s, i) => (
              <li key={i}>
                <span aria-hidden="true">{s.done ? '☑ ' : '☐ '}</span>
                <bdi>{s.text}</bdi>
                {s.done && <span class="visually-hidden"> (done)</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {ratings.length > 0 && <p class="card__meta">How it is going: {valueWords({ field: 'ratings', value: ratings })}</p>}
    </>
  );
}

export function AddItem({ kind, owner }: { kind: RecordKind; owner?: string }) {
  const ctx = useContext(Ctx);
  const draftKey = `${kind}/${owner ?? 'mine'}`;
  const { words: text, set: setText, restored } = useDraft(draftKey);
  const [noticed, setNoticed] = useState<NoticedBy>('me');
  const [meeting, setMeeting] = useState('');
  /** What was saved last from this form, until more words are typed. */
  const [saved, setSaved] = useState<string | null>(null);
  const label = owner
    ? { strength: 'Suggest a strength', goal: 'Suggest a goal', statement: 'Suggest something' }[kind]
    : kind === 'strength' ? 'Something good about you' : 'What you want people to know';
  // A goal is named by its title; strengths and statements are their text.
  const [field, max] = kind === 'goal' ? (['title', LIMITS.title] as const) : (['text', LIMITS.text] as const);
  /** The words a save is writing now: a second tap on them is not a second thing to save. */
  const saving = useRef<string | null>(null);
  const needs = useNeedsWords(`new-${kind}`, owner ? 'Write your suggestion here first.' : 'Write it here first.');
  const add = async (e: Event) => {
    e.preventDefault();
    if (!needs.has(text) || saving.current === text) return;
    // Too long: the words stay where they are, and the field (described by its count) takes focus.
    const tooLong = !fits(text, max) ? `new-${kind}` : !fits(meeting, LIMITS.meeting) ? 'meeting' : null;
    if (tooLong) {
      document.getElementById(tooLong)?.focus();
      return;
    }
    const [sentText, sentMeeting] = [text, meeting];
    saving.current = sentText;
    // A worker's suggested strength is one their worker noticed.
    const extra = kind === 'strength'
      ? [{ field: 'noticed_by' as const, value: owner ? 'my_worker' : noticed }]
      : kind === 'statement' && sentMeeting.trim() ? [{ field: 'meeting' as const, value: sentMeeting }] : [];
    const made = await ctx.create(kind, [{ field, value: sentText }, ...extra], { owner, drafts: [draftKey] });
    if (saving.current === sentText) saving.current = null;
    // Not stored on this device: the words stay in the field, and the app says why.
    if (!made) return;
    // On a slow phone the next words may already be typed while this saved: clear only what was saved.
    setMeeting((m) => (m === sentMeeting ? '' : m));
    // The draft of these words went with the save; the field is emptied and its pending write
    // stopped before "Saved", so nothing brings them back.
    await setText((t) => (t === sentText ? '' : t));
    setSaved(made);
  };
  return (
    <form class="card card--form stack" onSubmit={add}>
      <label for={`new-${kind}`}>{label}</label>
      {kind === 'goal'
        ? <input dir="auto" id={`new-${kind}`} value={text} aria-describedby={`new-${kind}-length`} onInput={(e) => { void setText(e.currentTarget.value); setSaved(null); }} />
        : <textarea dir="auto" id={`new-${kind}`} value={text} rows={3} aria-describedby={`new-${kind}-length`} onInput={(e) => { void setText(e.currentTarget.value); setSaved(null); }} />}
      <LengthHint id={`new-${kind}-length`} words={text} max={max} needed={needs.needed} />
      {restored && <p class="hint">Your words from before are still here. They are not saved until you press {owner ? 'Send suggestion' : 'Save'}.</p>}
      {kind === 'strength' && !owner && <NoticedBySelect id="noticed" value={noticed} onChange={setNoticed} />}
      {kind === 'statement' && (
        <>
          <label for="meeting">For a meeting? (you can leave this empty)</label>
          <input dir="auto" id="meeting" list="meeting-names" value={meeting} aria-describedby="meeting-length" onInput={(e) => setMeeting(e.currentTarget.value)} />
          <LengthHint id="meeting-length" words={meeting} max={LIMITS.meeting} />
        </>
      )}
      <button type="submit">{owner ? <>Send suggestion<span class="visually-hidden"> of a {kind}</span></> : 'Save'}</button>
      {saved && <p role="status">Saved. {owner ? 'They will see it as a suggestion.' : 'Only you can see it until you share it.'}</p>}
      {/* A long list puts the new card out of sight: one tap shows it, with who can see it. */}
      {saved && <button type="button" class="link-button" onClick={() => showCard(saved)}>See it{owner ? '' : ' and who can see it'}</button>}
    </form>
  );
}

export function ItemList({ kind, title, intro }: { kind: 'strength' | 'statement'; title: string; intro: string }) {
  const ctx = useContext(Ctx);
  const items = ctx.items.filter((i) => i.kind === kind && i.owner === ctx.session.person && !i.suggestion);
  const meetings = kind === 'statement' ? meetingsOf(items, ctx.session.person) : [];
  return (
    <section>
      <h1>{title}</h1>
      <p>{intro}</p>
      <AddItem kind={kind} />
      <PutBack kind={kind} />
      {meetings.map((m) => (
        <button key={m} type="button" class="tile" onClick={() => ctx.go({ name: 'meeting', owner: ctx.session.person, meeting: m })}>Meeting page: {m}</button>
      ))}
      {/* The names already used, offered as a meeting's name is typed: one page, not two spellings. */}
      {kind === 'statement' && <datalist id="meeting-names">{meetings.map((m) => <option key={m} value={m} />)}</datalist>}
      {items.length === 0 ? <p>{ctx.pulled ? "Nothing here yet. That's fine." : GETTING}</p> : <Recent items={items}>{(shown) => <ul class="cards">{shown.map((i) => <ItemCard key={i.id} item={i} />)}</ul>}</Recent>}
    </section>
  );
}
