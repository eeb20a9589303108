// A PIN or password box with "Show": someone choosing a PIN on a small phone can check what they
// typed before it becomes the one they must remember.
import { useState } from 'preact/hooks';

interface Props {
  id: string;
  value: string;
  onInput: (value: string) => void;
  autocomplete: string;
  /** "PIN or password", as the label says it. */
  what: string;
  /** Offered only where nobody else uses the device: a keyboard may learn what it shows. */
  canShow: boolean;
  minLength?: number;
  /** The id of a hint about what to choose. */
  describedBy?: string;
}

export function SecretInput({ id, value, onInput, autocomplete, what, canShow, minLength, describedBy }: Props) {
  const [shown, setShown] = useState(false);
  const visible = canShow && shown;
  const input = (
    <input
      id={id}
      // Preact's typings tie `type` to the rest of an input's attributes; both types take these.
      type={(visible ? 'text' : 'password') as 'text'}
      autocomplete={autocomplete}
      autocapitalize="none"
      autocorrect="off"
      spellcheck={false}
      value={value}
      onInput={(e) => onInput(e.currentTarget.value)}
      required
      minLength={minLength}
      aria-describedby={describedBy}
    />
  );
  if (!canShow) return input;
  return (
    <div class="secret">
      {input}
      <button type="button" class="secret__toggle" aria-controls={id} aria-label={`${visible ? 'Hide' : 'Show'} the ${what}`} onClick={() => setShown(!shown)}>
        {visible ? 'Hide' : 'Show'}
      </button>
    </div>
  );
}
