// Tandem was opened as this person on another device. Usually that is them (a new phone, the
// drop-in's tablet), but someone who pressures a young person may have learnt their PIN, and a
// staff member's password reaches many young people's records, so each new sign-in is shown once
// on their other devices, with a way to end it there and then.
import { useContext, useState } from 'preact/hooks';
import { Ctx, type DeviceSignIn } from '../context';
import { ApiFailure } from '../sync/api';
import { problemWords } from '../ui/useSubmit';
import { atTime, deviceName } from '../ui/words';

export function SignedInElsewhere({ signIns, onAnswered }: { signIns: DeviceSignIn[]; onAnswered: (ids: string[]) => void }) {
  const ctx = useContext(Ctx);
  const [problem, setProblem] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const [busy, setBusy] = useState(false);
  const young = ctx.session.role === 'young_person';
  const ids = signIns.map((s) => s.id);
  if (ended) {
    return (
      <div class="card notice" role="status">
        {young ? (
          <p>
            Signed out there. Nothing of yours shows on that device once it is online (at once, if it is online now). If
            someone else knows your PIN, choose a new one so they can't sign in again.
          </p>
        ) : (
          <p>
            Signed out there. Nothing from Tandem shows on that device once it is online (at once, if it is online now). If
            someone else knows your password, change it now so they can't sign in again, and tell your manager: they may
            need to report it as a data breach.
          </p>
        )}
        <div class="row">
          <button type="button" onClick={() => { setEnded(false); ctx.go({ name: 'account' }); }}>
            {young ? 'Choose a new PIN' : 'Change my password'}
          </button>
          <button type="button" class="link-button" onClick={() => setEnded(false)}>OK</button>
        </div>
      </div>
    );
  }
  if (signIns.length === 0) return null;
  const signOutThere = async () => {
    setProblem(null);
    setBusy(true);
    try {
      for (const id of ids) {
        await ctx.api('POST', `/api/me/sessions/${id}/end`).catch((e: unknown) => {
          // Signed out there already (from another device of theirs): nothing left to end.
          if (!(e instanceof ApiFailure && e.failure.kind === 'rejected' && e.failure.status === 404)) throw e;
        });
      }
      setEnded(true);
      onAnswered(ids);
    } catch (e) {
      setProblem(problemWords(e, 'Signing out there needs signal. Try again when you are online.'));
    } finally {
      setBusy(false);
    }
  };
  const where =
    signIns.length === 1
      ? `${deviceName(signIns[0], true)}, ${atTime(signIns[0].started_at)}`
      : `${signIns.length} other devices`;
  return (
    <div class="card notice" role="alert" id="signed-in-elsewhere">
      <p>
        Someone signed in to Tandem as you on {where}. If that was you, that's fine. If it wasn't, sign {signIns.length === 1 ? 'it' : 'them'} out
        now.
      </p>
      {problem && <p class="problem">{problem}</p>}
      <div class="row">
        <button type="button" disabled={busy} onClick={() => void signOutThere()}>
          Sign {signIns.length === 1 ? 'it' : 'them'} out
        </button>
        <button type="button" disabled={busy} onClick={() => onAnswered(ids)}>That was me</button>
      </div>
    </div>
  );
}
