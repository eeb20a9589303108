// Under a field: how many characters are left once few are, and plainly when there are too many.
import { lengthWords } from './limits';

/** Give the field `aria-describedby={id}`. Only "too long" is announced, not every keystroke. */
export function LengthHint({ id, words, max }: { id: string; words: string; max: number }) {
  const said = lengthWords(words, max);
  return (
    <p id={id} class="hint">
      {said && !said.over ? said.text : null}
      <span role="status" class="problem">{said?.over ? said.text : ''}</span>
    </p>
  );
}
