// Who can see an item, and the control to change it. The choice says, at that moment, exactly
// who will be able to see it; "Just me" is as easy to pick as sharing.
import { useEffect, useState } from 'preact/hooks';
import type { Visibility } from '../generated/tandem';
import { shareChoice, whoCanSee } from './words';

export function WhoCanSee({ id, value, workers, onChange }: { id: string; value: Visibility; workers: string[]; onChange: (v: Visibility) => void }) {
  // The choice shows at once, even if the screen redraws (a sync arriving) before the edit is
  // stored; once the stored value catches up, it is shown as stored.
  const [chosen, setChosen] = useState<Visibility | null>(null);
  useEffect(() => setChosen(null), [value]);
  const shown = chosen ?? value;
  return (
    <fieldset class="who">
      <legend>Who can see this?</legend>
      {(['private', 'worker', 'team'] as Visibility[]).map((v) => (
        <label key={v} class="who__choice">
          <input
            type="radio"
            name={`who-${id}`}
            value={v}
            checked={shown === v}
            onChange={() => {
              setChosen(v);
              onChange(v);
            }}
          />
          {shareChoice(v)}
        </label>
      ))}
      <p class="who__now">Right now: {whoCanSee(shown, workers)}.</p>
    </fieldset>
  );
}
