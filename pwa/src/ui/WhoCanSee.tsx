// Who can see an item, and the control to change it. The choice says, at that moment, exactly
// who will be able to see it; "Just me" is as easy to pick as sharing.
import type { Visibility } from '../generated/tandem';
import { shareChoice, whoCanSee } from './words';

export function WhoCanSee({ id, value, workers, onChange }: { id: string; value: Visibility; workers: string[]; onChange: (v: Visibility) => void }) {
  return (
    <fieldset class="who">
      <legend>Who can see this?</legend>
      {(['private', 'worker', 'team'] as Visibility[]).map((v) => (
        <label key={v} class="who__choice">
          <input type="radio" name={`who-${id}`} value={v} checked={value === v} onChange={() => onChange(v)} />
          {shareChoice(v)}
        </label>
      ))}
      <p class="who__now">Right now: {whoCanSee(value, workers)}.</p>
    </fieldset>
  );
}
