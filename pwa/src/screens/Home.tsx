// The young person's home: good things first, then everything else, at their pace.
import { useContext } from 'preact/hooks';
import { Ctx } from '../context';
import { collisionsFor, overwrittenFor } from './FromWorker';
import { ReadAloud } from '../ui/ReadAloud';
import { AddItem, ItemCard } from './Items';
import { ClosedCaseNotice } from './DeleteAccount';
import { Recent } from '../ui/Recent';
import { PutBack } from '../ui/PutBack';
import { VisitHint } from '../ui/IdleLock';
import { Refused } from '../ui/Refused';
import { GETTING, names } from '../ui/words';

export function Home() {
  const ctx = useContext(Ctx);
  const me = ctx.session.person;
  const strengths = ctx.items.filter((i) => i.kind === 'strength' && i.owner === me && !i.suggestion);
  const goals = ctx.items.filter((i) => i.kind === 'goal' && i.owner === me && !i.suggestion).length;
  const statements = ctx.items.filter((i) => i.kind === 'statement' && i.owner === me && !i.suggestion).length;
  const collided = new Set([...collisionsFor(ctx.items, me, ctx.putAway), ...overwrittenFor(ctx.items, me, ctx.putAway)].map((c) => c.item.id));
  const fromWorker = ctx.items.filter((i) => i.owner === me && (i.suggestion || collided.has(i.id))).length;
  const intro = `Hi ${ctx.session.displayName}. Here are good things about you.`;
  // Before this phone's first fetch, a count of 0 would say their things are gone.
  const count = (n: number) => (ctx.pulled || n > 0 ? ` (${n})` : '');
  return (
    <section>
      <ClosedCaseNotice />
      {ctx.welcome && <Welcome />}
      <Refused />
      <h1>Good things about you</h1>
      <p>
        {intro} <ReadAloud text={[intro, ...strengths.map((s) => String(s.values.text))]} label="Read this page out loud" />
      </p>
      {ctx.session.sharedDevice && <VisitHint />}
      <PutBack kind="strength" />
      {strengths.length === 0 ? <p>{ctx.pulled ? 'Nothing here yet. You can add something whenever you like.' : GETTING}</p> : <Recent items={strengths}>{(shown) => <ul class="cards">{shown.map((s) => <ItemCard key={s.id} item={s} />)}</ul>}</Recent>}
      <AddItem kind="strength" />
      <nav aria-label="More" class="tiles">
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'goals' })}>My goals{count(goals)}</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'statements' })}>What I want you to know{count(statements)}</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'from-worker' })}>From my worker{count(fromWorker)}</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'seen' })}>Who has seen my things</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'export' })}>Save or print my things</button>
        <button type="button" class="tile" onClick={() => ctx.go({ name: 'delete-account' })}>Delete my account</button>
      </nav>
    </section>
  );
}

/** Said once, on the phone they joined on: what Tandem keeps, who sees it, and what they can do,
 *  before they write anything. */
function Welcome() {
  const ctx = useContext(Ctx);
  const workers = ctx.workers.map((w) => w.display_name);
  const points = [
    'What you write here is yours. If your worker changes something you wrote, your words are kept, and you can always have them back.',
    'Anything new you write is just for you, until you choose who else can see it ("Who can see this", under each thing).',
    `${workers.length > 0 ? names(workers) : 'When you have a key worker, they'} can see only what you share with them. "Who has seen my things" shows who looked, and when.`,
    'You can change or remove anything, save a copy, or delete your account.',
    // A phone's on-screen keyboard has no Shift key that counts: there, only the button is said.
    `To leave Tandem fast, press "Leave quickly" at the top${window.matchMedia?.('(pointer: coarse)').matches ? '' : ', or press Shift 3 times'}.`,
  ];
  return (
    <section class="card welcome" aria-labelledby="welcome-title">
      <h2 id="welcome-title">How Tandem works</h2>
      <ul>{points.map((p) => <li key={p}>{p}</li>)}</ul>
      <div class="row">
        <button type="button" onClick={ctx.putAwayWelcome}>Got it</button>
        <ReadAloud text={`How Tandem works. ${points.join(' ')}`} />
      </div>
    </section>
  );
}
