// My data: a file to keep, and a page to print, with everything of mine (not only the words).
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { type AccessEntry, Ctx } from '../context';
import { myCopy } from '../ui/myCopy';
import { ratingDay } from '../ui/words';
import { asWritten } from '../ui/scripts';

export function Export() {
  const ctx = useContext(Ctx);
  // Who has seen their things is kept on the server: asked for when there is signal.
  const [seen, setSeen] = useState<AccessEntry[] | null>(null);
  useEffect(() => {
    if (ctx.online && !seen) ctx.accessLog().then(setSeen, () => undefined);
  }, [ctx.online]);
  const copy = useMemo(() => {
    const mine = ctx.items.filter((i) => i.owner === ctx.session.person && !i.suggestion);
    return myCopy(mine, Object.fromEntries(ctx.workers.map((w) => [w.id, w.display_name])), ctx.alerts, seen, new Date());
  }, [ctx.items, ctx.workers, ctx.alerts, seen]);
  const href = useMemo(() => URL.createObjectURL(new Blob([JSON.stringify(copy, null, 2)], { type: 'application/json' })), [copy]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  const who = (c: { who_can_see: string; written_by: string }) => (
    <p class="card__meta">Who can see it: {c.who_can_see}.{c.written_by === 'Me' ? '' : ` Written by ${c.written_by}.`}</p>
  );
  return (
    <section>
      <h1>Save or print my things</h1>
      <p class="no-print">
        A copy of everything you wrote here, and what you chose about it, to keep for yourself.
        {seen ? ' The file also says who has seen your things.' : ' Who has seen your things is added to the file when there is signal.'}
      </p>
      {ctx.session.sharedDevice ? (
        // A file saved here would stay in the tablet's downloads after the visit, where signing
        // out can't reach it, for the next visitor to find.
        <div class="stack no-print">
          <p>This is a shared tablet, so there is no download here: a file saved on it would stay for the next person. Save your copy on your own phone, or print it on the drop-in's printer (not "Save as PDF", which would keep a file here too).</p>
          <div class="row">
            <button type="button" onClick={() => window.print()}>Print</button>
          </div>
        </div>
      ) : (
        <div class="row no-print">
          <a class="button" href={href} download="my-tandem.json">Download my things</a>
          <button type="button" onClick={() => window.print()}>Print</button>
        </div>
      )}
      <section class="print-section">
        <h2>Good things about me</h2>
        {copy.strengths.length === 0 ? <p>Nothing here yet.</p> : (
          <ul class="copy">
            {copy.strengths.map((s, n) => (
              <li key={n}>
                <p class="card__text" {...asWritten(s.text)} />
                {s.who_noticed && <p class="card__meta">{s.who_noticed}.</p>}
                {who(s)}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="print-section">
        <h2>My goals</h2>
        {copy.goals.length === 0 ? <p>No goals yet.</p> : (
          <ul class="copy">
            {copy.goals.map((g, n) => (
              <li key={n}>
                <p class="card__text" {...asWritten(g.title)} />
                {g.why && <p>Why it matters to me: <bdi>{g.why}</bdi></p>}
                <p>Where I am with it: {g.where_i_am}</p>
                {g.steps.length > 0 && (
                  <>
                    <p>Small steps:</p>
                    <ul>{g.steps.map((s, k) => <li key={k}><bdi>{s.text}</bdi>{s.done ? ' (done)' : ''}</li>)}</ul>
                  </>
                )}
                {g.ratings.length > 0 && <p>How it went: {g.ratings.map((r) => `${r.score} out of 10 ${ratingDay(r.date)}`).join('; ')}</p>}
                {who(g)}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="print-section">
        <h2>What I want you to know</h2>
        {copy.statements.length === 0 ? <p>Nothing here yet.</p> : (
          <ul class="copy">
            {copy.statements.map((s, n) => (
              <li key={n}>
                <p class="card__text" {...asWritten(s.text)} />
                {s.meeting && <p class="card__meta">For: <bdi>{s.meeting}</bdi></p>}
                {who(s)}
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}
