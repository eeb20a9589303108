// Goals: a title, why it matters, small steps, progress 0–10 over time, and a status.
import { useContext, useRef, useState } from 'preact/hooks';
import type { GoalStatus, Rating, Step } from '../generated/tandem';
import type { Item } from '../sync/local';
import { ReadAloud } from '../ui/ReadAloud';
import { RemoveThis } from '../ui/RemoveThis';
import { Disclosure } from '../ui/Disclosure';
import { PutBack } from '../ui/PutBack';
import { WhoCanSee } from '../ui/WhoCanSee';
import { Ctx } from '../context';
import { GETTING, localDate, ratingDay, ratingDayName, ratingsByDay } from '../ui/words';
import { Authorship } from './Items';
import { editKey, useDraft } from '../ui/useDraft';
import { Recent } from '../ui/Recent';
import { LengthHint, useNeedsWords } from '../ui/LengthHint';
import { fits, LIMITS } from '../ui/limits';
import { asWritten } from '../ui/scripts';

const STATUS_WORDS: Record<GoalStatus, string> = { active: 'Working on it', achieved: 'Done it!', paused: 'Taking a break', let_go: 'Let it go' };

export function Goals({ gone = false }: { gone?: boolean }) {
  const ctx = useContext(Ctx);
  const draftKey = 'goal/mine';
  const { words: title, set: setTitle, restored } = useDraft(draftKey);
  const goals = ctx.items.filter((i) => i.kind === 'goal' && i.owner === ctx.session.person && !i.suggestion);
  // A second tap while the first save is still writing would make the goal twice.
  const saving = useRef(false);
  const goalWords = useNeedsWords('new-goal', 'Write your goal here first.');
  const add = async (e: Event) => {
    e.preventDefault();
    if (!goalWords.has(title) || saving.current || !fits(title, LIMITS.title)) return;
    saving.current = true;
    const id = await ctx.create('goal', [{ field: 'title', value: title }], { drafts: [draftKey] });
    saving.current = false;
    if (!id) return;
    await setTitle('');
    ctx.go({ name: 'goal', id });
  };
  return (
    <section>
      <h1>My goals</h1>
      {gone && (
        <p class="card notice" role="status">
          That goal is not here any more. It was removed (maybe on another device), or it was a suggestion your worker took back.
        </p>
      )}
      <p>Things you want to do. Go at your own pace.</p>
      <form class="card card--form stack" onSubmit={add}>
        <label for="new-goal">A new goal</label>
        <input dir="auto" id="new-goal" value={title} aria-describedby="new-goal-length" onInput={(e) => void setTitle(e.currentTarget.value)} />
        <LengthHint id="new-goal-length" words={title} max={LIMITS.title} needed={goalWords.needed} />
        {restored && <p class="hint">Your words from before are still here. They are not saved until you press Add goal.</p>}
        <button type="submit">Add goal</button>
      </form>
      <PutBack kind="goal" />
      {goals.length === 0 ? (
        <p>{ctx.pulled ? "No goals yet. That's fine." : GETTING}</p>
      ) : (
        <Recent items={goals}>
          {(shown) => (
            <ul class="cards">
              {shown.map((g) => (
                <li class="card" key={g.id}>
                  <div class="card__head">
                    <Authorship item={g} field="title" />
                    {g.unsent && <span class="tag tag--unsent">Saved on this phone</span>}
                    {ctx.drafted.has(g.id) && <span class="tag tag--unsent">Changes not saved yet</span>}
                  </div>
                  <p class="card__text" {...asWritten(String(g.values.title ?? ''))} />
                  <p class="card__meta">{STATUS_WORDS[(g.values.status as GoalStatus) ?? 'active']}</p>
                  <button type="button" onClick={() => ctx.go({ name: 'goal', id: g.id })}>
                    Open <span class="visually-hidden"><bdi>{String(g.values.title ?? '')}</bdi></span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Recent>
      )}
    </section>
  );
}

/** Steps kept as a draft (JSON), or the saved ones if the draft can't be read. */
function stepsFrom(words: string, saved: Step[]): Step[] {
  try {
    const kept: unknown = JSON.parse(words);
    return Array.isArray(kept) ? (kept as Step[]) : saved;
  } catch {
    return saved;
  }
}

/** Every step as words to change, each with a way to remove it; nothing is saved until Save. */
function StepsEditor({ drafts, onChange, onSave, onCancel, restored }: { drafts: Step[]; onChange(d: Step[]): void; onSave(kept: Step[]): void | Promise<void>; onCancel(): void; restored: boolean }) {
  const set = (i: number, text: string) => onChange(drafts.map((d, j) => (j === i ? { ...d, text } : d)));
  const save = () => {
    const tooLong = drafts.findIndex((d) => !fits(d.text, LIMITS.step));
    if (tooLong >= 0) return document.getElementById(`step-${tooLong}`)?.focus();
    // A step emptied is a step removed.
    onSave(drafts.filter((d) => d.text.trim() !== ''));
  };
  return (
    <div class="stack">
      {restored && <p class="hint">Your changes to the steps from before are still here. They are not saved until you press Save steps.</p>}
      {drafts.length === 0 && <p>No steps left. Save to remove them all, or cancel to keep them.</p>}
      {drafts.map((d, i) => (
        <div class="stack" key={i}>
          <label for={`step-${i}`}>Step {i + 1}{d.done ? ' (done)' : ''}</label>
          <input dir="auto" id={`step-${i}`} value={d.text} aria-describedby={`step-${i}-length`} onInput={(e) => set(i, e.currentTarget.value)} />
          <LengthHint id={`step-${i}-length`} words={d.text} max={LIMITS.step} />
          <button type="button" class="link-button" onClick={() => onChange(drafts.filter((_, j) => j !== i))}>
            Remove step {i + 1}
          </button>
        </div>
      ))}
      <div class="row">
        <button type="button" onClick={save}>Save steps</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </div>
  );
}

export function RatingChart({ ratings: asStored }: { ratings: Rating[] }) {
  if (asStored.length === 0) return <p>No ratings yet.</p>;
  const ratings = ratingsByDay(asStored);
  const w = 280;
  const h = 100;
  const step = ratings.length > 1 ? w / (ratings.length - 1) : 0;
  const points = ratings.map((r, i) => `${Math.round(i * step)},${Math.round(h - (r.score / 10) * h)}`).join(' ');
  // Read out as days and scores ("Sunday 1 November: 3 out of 10"), not as dates in code.
  const summary = ratings.map((r) => `${ratingDayName(r.date)}: ${r.score} out of 10`).join(', ');
  const first = ratings[0].score;
  const latest = ratings[ratings.length - 1].score;
  return (
    <figure class="chart">
      <svg viewBox={`-6 -6 ${w + 12} ${h + 12}`} role="img" aria-label={`Progress over time: ${summary}`}>
        <line x1="0" y1={h} x2={w} y2={h} class="chart__axis" />
        <polyline points={points} class="chart__line" fill="none" />
        {ratings.map((r, i) => (
          <circle key={i} cx={Math.round(i * step)} cy={Math.round(h - (r.score / 10) * h)} r="4" class="chart__dot" />
        ))}
      </svg>
      <figcaption>
        Latest: {latest} out of 10{ratings.length > 1 && ` (you started at ${first})`}
      </figcaption>
    </figure>
  );
}

/** Ratings of days gone by, to put right (a mis-tap, a day remembered differently) or remove.
 *  Listed only when opened: a goal can hold hundreds. */
function PastRatings({ id, ratings, today, onChange }: { id: string; ratings: Rating[]; today: string; onChange(next: Rating[]): void }) {
  const past = ratings.filter((r) => r.date !== today).reverse();
  const setScore = (date: string, score: number) => onChange(ratings.map((r) => (r.date === date ? { date, score } : r)));
  return (
    <Disclosure class="who-details" summary="Change or remove a past rating">
      <ul class="steps">
        {past.map((r) => {
          const day = ratingDayName(r.date);
          return (
            <li key={r.date} class="stack">
              <label for={`rating-${id}-${r.date}`}>{day}</label>
              <select id={`rating-${id}-${r.date}`} value={r.score} onChange={(e) => setScore(r.date, Number(e.currentTarget.value))}>
                {Array.from({ length: 11 }, (_, n) => <option key={n} value={n}>{n} out of 10</option>)}
              </select>
              <RemoveThis id={`rating-${id}-${r.date}-remove`} label={`Remove the rating from ${ratingDay(r.date).replace(/^on /, '')}`} question={`Remove the rating of ${r.score} ${ratingDay(r.date)}?`} onRemove={() => onChange(ratings.filter((x) => x.date !== r.date))} />
            </li>
          );
        })}
      </ul>
    </Disclosure>
  );
}

export function GoalEditor({ item }: { item: Item }) {
  const ctx = useContext(Ctx);
  const keys = { title: editKey(item.id, 'title'), why: editKey(item.id, 'why'), newStep: `step/${item.id}`, steps: editKey(item.id, 'steps') };
  const title = useDraft(keys.title, String(item.values.title ?? ''));
  const why = useDraft(keys.why, String(item.values.why ?? ''));
  const newStep = useDraft(keys.newStep);
  const [saved, setSaved] = useState(false);
  const steps = (item.values.steps as Step[] | undefined) ?? [];
  // The steps while they are being reworded or removed: saved together, or not at all, and kept
  // on the device meanwhile like any words being typed (as JSON).
  const stepsDraft = useDraft(keys.steps, JSON.stringify(steps));
  const [stepsOpen, setStepsOpen] = useState(false);
  const stepDrafts: Step[] | null = stepsOpen || stepsDraft.restored ? stepsFrom(stepsDraft.words, steps) : null;
  const ratings = (item.values.ratings as Rating[] | undefined) ?? [];
  const workers = ctx.workers.map((w) => w.display_name);
  const save = (changes: Parameters<typeof ctx.save>[1], drafts?: string[]) => ctx.save(item, changes, drafts);
  // A tick shows at once and stays while it is stored (a redraw meanwhile would put the box back
  // as the store has it), and a second tick before the first is stored builds on it.
  const ticking = useRef(new Map<number, boolean>());
  const [, redraw] = useState(0);
  // Read when used, not when drawn: two taps can land before the first redraw.
  const withTicks = () => steps.map((s, i) => ({ ...s, done: ticking.current.get(i) ?? s.done }));
  const shownSteps = withTicks();
  const tick = async (i: number) => {
    const next = withTicks().map((s, j) => (j === i ? { ...s, done: !s.done } : s));
    ticking.current.set(i, next[i].done);
    redraw((n) => n + 1);
    await save([{ field: 'steps', value: next }]);
    // Stored (the list now says so), or refused (the box goes back, and the app says why).
    if (ticking.current.get(i) === next[i].done) ticking.current.delete(i);
    redraw((n) => n + 1);
  };
  // Emptying the title is not how a goal goes: that is "Remove this goal".
  const titleWords = useNeedsWords('goal-title', 'Your goal needs some words. To remove it, use "Remove this goal" at the bottom.');
  const stepWords = useNeedsWords('new-step', 'Write the step here first.');
  const saveWords = async () => {
    if (!titleWords.has(title.words)) return;
    // Too long: the words stay, and the field (described by its count) takes focus.
    const tooLong = !fits(title.words, LIMITS.title) ? 'goal-title' : !fits(why.words, LIMITS.why) ? 'goal-why' : null;
    if (tooLong) {
      document.getElementById(tooLong)?.focus();
      return;
    }
    if (!(await save([{ field: 'title', value: title.words }, { field: 'why', value: why.words }], [keys.title, keys.why]))) return;
    await Promise.all([title.forget(), why.forget()]);
    setSaved(true);
  };
  const addStep = async () => {
    const words = newStep.words;
    if (!stepWords.has(words) || !fits(words, LIMITS.step)) return;
    if (!(await save([{ field: 'steps', value: [...withTicks(), { text: words, done: false }] }], [keys.newStep]))) return;
    await newStep.set((now) => (now === words ? '' : now));
  };
  const today = localDate(new Date());
  // One rating a day; today's can always change, a new day's can't be added past the most.
  const todays = ratings.find((r) => r.date === today)?.score;
  const ratingsFull = ratings.length >= LIMITS.ratings && !ratings.some((r) => r.date === today);
  return (
    <section>
      <button type="button" class="link-button" onClick={() => ctx.go({ name: 'goals' })}>← Back to my goals</button>
      <h1 {...asWritten(String(item.values.title ?? 'Goal'))} />
      <div class="card stack">
        <Authorship item={item} field="title" />
        <label for="goal-title">My goal</label>
        <input dir="auto" id="goal-title" value={title.words} aria-describedby="goal-title-length" onInput={(e) => { void title.set(e.currentTarget.value); setSaved(false); }} />
        <LengthHint id="goal-title-length" words={title.words} max={LIMITS.title} needed={titleWords.needed} />
        <label for="goal-why">Why it matters to me (you can leave this empty)</label>
        <textarea dir="auto" id="goal-why" rows={3} value={why.words} aria-describedby="goal-why-length" onInput={(e) => { void why.set(e.currentTarget.value); setSaved(false); }} />
        <LengthHint id="goal-why-length" words={why.words} max={LIMITS.why} />
        {(title.restored || why.restored) && <p class="hint">Your changes from before are still here. They are not saved until you press Save.</p>}
        <div class="row">
          <button type="button" onClick={saveWords}>Save</button>
          <ReadAloud text={[title.words, why.words]} />
        </div>
        {saved && <p role="status">Saved.</p>}
      </div>

      <div class="card stack">
        <h2>Small steps</h2>
        {stepDrafts ? (
          <StepsEditor
            drafts={stepDrafts}
            onChange={(d) => void stepsDraft.set(JSON.stringify(d))}
            onSave={async (kept) => {
              // Not stored: the steps stay open as they were typed.
              if (!(await save([{ field: 'steps', value: kept }], [keys.steps]))) return;
              await stepsDraft.reset();
              setStepsOpen(false);
            }}
            onCancel={async () => {
              await stepsDraft.reset();
              setStepsOpen(false);
            }}
            restored={stepsDraft.restored}
          />
        ) : steps.length > 0 && (
          <ul class="steps">
            {shownSteps.map((s, i) => (
              <li key={i}>
                <label>
                  <input type="checkbox" checked={s.done} onChange={() => void tick(i)} />
                  <bdi>{s.text}</bdi>
                </label>
              </li>
            ))}
          </ul>
        )}
        {!stepDrafts && steps.length > 0 && (
          <button type="button" class="link-button" onClick={() => setStepsOpen(true)}>Change or remove steps</button>
        )}
        {stepDrafts ? null : steps.length >= LIMITS.steps ? (
          <p>That's {LIMITS.steps} steps, the most one goal can hold. For more, make a new goal for the next part.</p>
        ) : (
          <>
            <label for="new-step">Add a small step</label>
            <input dir="auto" id="new-step" value={newStep.words} aria-describedby="new-step-length" onInput={(e) => void newStep.set(e.currentTarget.value)} />
            <LengthHint id="new-step-length" words={newStep.words} max={LIMITS.step} needed={stepWords.needed} />
            <button type="button" onClick={addStep}>Add step</button>
          </>
        )}
      </div>

      <div class="card stack">
        <h2>How is it going?</h2>
        <p id="rate-help">0 means not started. 10 means done.</p>
        {ratingsFull ? (
          <p>This goal holds {LIMITS.ratings} days of ratings, the most it can. Make a new goal to keep rating how it goes.</p>
        ) : (
          <div class="scale" role="group" aria-describedby="rate-help">
            {Array.from({ length: 11 }, (_, n) => (
              <button type="button" key={n} class="scale__n" aria-label={`${n} out of 10`} aria-pressed={todays === n} onClick={() => save([{ field: 'ratings', value: [...ratings.filter((r) => r.date !== today), { date: today, score: n }] }])}>
                {n}
              </button>
            ))}
          </div>
        )}
        {todays !== undefined && <p role="status">Today: {todays} out of 10. Tap another number to change it.</p>}
        <RatingChart ratings={ratings} />
        {ratings.some((r) => r.date !== today) && <PastRatings id={item.id} ratings={ratings} today={today} onChange={(next) => save([{ field: 'ratings', value: next }])} />}
      </div>

      <div class="card stack">
        <label for="goal-status">Where I am with it</label>
        <select id="goal-status" value={(item.values.status as GoalStatus) ?? 'active'} onChange={(e) => save([{ field: 'status', value: e.currentTarget.value as GoalStatus }])}>
          {(Object.keys(STATUS_WORDS) as GoalStatus[]).map((s) => <option key={s} value={s}>{STATUS_WORDS[s]}</option>)}
        </select>
      </div>
      <div class="card stack">
        <WhoCanSee id={item.id} value={item.visibility} workers={workers} onChange={(v) => save([{ field: 'visibility', value: v }])} />
        {/* "Let it go" keeps a goal that mattered; this is for one that shouldn't be here at all. */}
        <RemoveThis
          id={item.id}
          label="Remove this goal"
          question={`Remove this goal, its steps and ratings? It goes from your goals${item.visibility === 'private' ? '' : ', and from what you shared'}.`}
          onRemove={() => {
            void save([{ field: 'deleted', value: true }]);
            ctx.go({ name: 'goals' });
          }}
        />
      </div>
    </section>
  );
}
