// Something removed by mistake can be put back, from the screen it went from, until they move on.
// The notice doesn't repeat the words: someone looking over a shoulder may be why they went.
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { RecordKind } from '../generated/tandem';
import { Ctx } from '../context';

export function PutBack({ kind }: { kind: RecordKind }) {
  const ctx = useContext(Ctx);
  const [failed, setFailed] = useState(false);
  const forget = ctx.forgetRemoved;
  // Leaving the screen is moving on.
  useEffect(() => forget, [forget]);
  const removed = ctx.removed;
  const here = useRef<HTMLDivElement>(null);
  // The thing pressed has gone: focus comes here, not to the top of the page.
  useEffect(() => {
    setFailed(false);
    if (removed?.kind === kind) here.current?.focus();
  }, [removed, kind]);
  if (!removed || removed.kind !== kind) return null;
  const what = kind === 'goal' ? 'Your goal is removed, with its steps and ratings' : 'Removed';
  const shared = removed.visibility !== 'private';
  return (
    <div ref={here} tabIndex={-1} class="card notice" role="status">
      <p>
        {what}{shared ? ': nobody else can see it now.' : '.'} If that was a mistake, you can put it back
        {shared ? ', and whoever could see it will see it again.' : '.'}
      </p>
      {failed && <p class="problem">It could not be put back: this phone could not store the change. Try again.</p>}
      <div class="row">
        <button type="button" onClick={async () => setFailed(!(await ctx.putBack()))}>Put it back</button>
        <button type="button" onClick={forget}>Leave it removed</button>
      </div>
    </div>
  );
}
