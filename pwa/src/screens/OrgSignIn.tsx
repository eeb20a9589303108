// Your account, for staff on a service that has set up signing in with the organisation's own
// account: link yours (once, here, signed in), or stop. Linking goes to the organisation's sign-in
// page and comes back here (`sync/sso.ts`).
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx } from '../context';
import { goToProvider, type Started, ssoProblemWords, takeSsoReturn } from '../sync/sso';
import { problemWords } from '../ui/useSubmit';
import { onDay } from '../ui/words';

/** `GET /api/me/sso`. */
interface Linked {
  available: boolean;
  name: string | null;
  linked_at: number | null;
  /** The service asks staff who linked theirs to sign in only with it. */
  only: boolean;
}

const NO_SIGNAL = 'This needs signal. Try again when you are online.';

export function OrgSignIn() {
  const ctx = useContext(Ctx);
  const [linked, setLinked] = useState<Linked | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const returned = takeSsoReturn('link');
    void (async () => {
      try {
        const now = await ctx.api<Linked>('GET', '/api/me/sso');
        setLinked(now);
        if (returned && 'handoff' in returned) {
          setBusy(true);
          const after = await ctx.api<Linked>('POST', '/api/me/sso/finish', { attempt: returned.attempt, handoff: returned.handoff });
          setLinked(after);
          setDone(`Linked. Next time, choose "Staff: sign in with your organisation's account" on the sign-in screen.`);
        } else if (returned) {
          setProblem(ssoProblemWords(returned.problem, now.name));
        }
      } catch (e) {
        setProblem(problemWords(e, NO_SIGNAL));
      } finally {
        setBusy(false);
      }
    })();
  }, []);
  if (!linked?.available) return problem ? <p class="problem" role="alert">{problem}</p> : null;
  const link = async () => {
    setBusy(true);
    setProblem(null);
    try {
      goToProvider(await ctx.api<Started>('POST', '/api/me/sso/start'), 'link');
    } catch (e) {
      setProblem(problemWords(e, NO_SIGNAL));
      setBusy(false);
    }
  };
  const unlink = async () => {
    setBusy(true);
    setProblem(null);
    try {
      setLinked(await ctx.api<Linked>('DELETE', '/api/me/sso'));
      setDone(`Done. ${linked.name} no longer signs you in to Tandem; your password still does.`);
    } catch (e) {
      setProblem(problemWords(e, NO_SIGNAL));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card stack" aria-labelledby="org-sign-in-title">
      <h2 id="org-sign-in-title">Sign in with {linked.name}</h2>
      {linked.linked_at ? (
        <>
          {linked.only ? (
            <p>You linked it on {onDay(new Date(linked.linked_at))}. Your service asks staff to sign in with {linked.name}, so it stays linked and your Tandem password doesn't sign you in.</p>
          ) : (
            <>
              <p>You linked it on {onDay(new Date(linked.linked_at))}: you can sign in with {linked.name} instead of your password, on any device.</p>
              <button type="button" disabled={busy} onClick={() => void unlink()}>Stop signing in with {linked.name}</button>
            </>
          )}
        </>
      ) : (
        <>
          <p>
            Your service lets staff sign in with {linked.name}, so you don't need your Tandem password on each device. Link yours once here:
            you'll go to its sign-in page and come back.
          </p>
          <button type="button" disabled={busy} onClick={() => void link()}>Link my {linked.name}</button>
        </>
      )}
      {problem && <p class="problem" role="alert">{problem}</p>}
      <p role="status">{done}</p>
    </section>
  );
}
