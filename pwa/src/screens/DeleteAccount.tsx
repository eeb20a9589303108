// Delete my account: what goes, a copy first, and a week to change your mind unless they want it
// gone now. Said plainly; nothing is deleted until they press the last button.
import { useContext, useState } from 'preact/hooks';
import { Ctx } from '../context';

export function DeleteAccount() {
  const ctx = useContext(Ctx);
  const [sure, setSure] = useState<'later' | 'now' | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const mine = ctx.items.filter((i) => i.owner === ctx.session.person && !i.deleted).length;

  const go = async (now: boolean) => {
    setBusy(true);
    setProblem(null);
    setProblem(await ctx.deleteAccount(now));
    setBusy(false);
  };

  return (
    <section>
      <h1>Delete my account</h1>
      <p>If you delete your account, all of this goes from Tandem for good:</p>
      <ul>
        <li>your goals and how you rated them, your good things, and what you want people to know ({mine === 1 ? '1 thing' : `${mine} things`})</li>
        <li>things your worker wrote for you</li>
        <li>any "I don't feel safe" alerts you sent</li>
        <li>the list of who has seen your things</li>
      </ul>
      <p>Your workers will not see any of it any more. Talking to your worker does not change because of this.</p>
      <p>
        <button type="button" class="link-button" onClick={() => ctx.go({ name: 'export' })}>Save a copy of my things first</button>
      </p>
      {problem && <p class="card notice" role="alert">{problem}</p>}
      {sure === null && (
        <div class="row row--equal">
          <button type="button" onClick={() => setSure('later')}>Delete in 7 days</button>
          <button type="button" onClick={() => setSure('now')}>Delete now</button>
        </div>
      )}
      {sure === 'later' && (
        <div class="card notice" role="alertdialog" aria-labelledby="later-title">
          <h2 id="later-title">Delete in 7 days?</h2>
          <p>You will be signed out on every phone. If you change your mind, sign in again within 7 days and nothing is deleted.</p>
          <div class="row row--equal">
            <button type="button" disabled={busy} onClick={() => void go(false)}>Yes, delete in 7 days</button>
            <button type="button" onClick={() => setSure(null)}>Keep my account</button>
          </div>
        </div>
      )}
      {sure === 'now' && (
        <div class="card notice" role="alertdialog" aria-labelledby="now-title">
          <h2 id="now-title">Delete everything now?</h2>
          <p>It all goes straight away, and it can't be brought back.</p>
          <div class="row row--equal">
            <button type="button" disabled={busy} onClick={() => void go(true)}>Yes, delete it all now</button>
            <button type="button" onClick={() => setSure(null)}>Keep my account</button>
          </div>
        </div>
      )}
    </section>
  );
}

/** Support has ended: when their things go, and how to keep a copy. */
export function ClosedCaseNotice() {
  const ctx = useContext(Ctx);
  if (!ctx.plan.caseClosedAt || !ctx.plan.eraseAt) return null;
  const day = new Date(ctx.plan.eraseAt).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
  return (
    <div class="card notice" role="status" id="closed-case">
      <h2>Your support here has ended</h2>
      <p>Your things stay in Tandem until {day}. Then they are deleted, for good.</p>
      <p>You can save a copy to keep before then.</p>
      <button type="button" onClick={() => ctx.go({ name: 'export' })}>Save a copy of my things</button>
    </div>
  );
}
