// Under a field: how many characters are left once few are, plainly when there are too many, and
// what to write when Save was pressed with nothing written.
import { useState } from 'preact/hooks';
import { lengthWords } from './limits';

/** Give the field `aria-describedby={id}`. Only problems are announced, not every keystroke. */
export function LengthHint({ id, words, max, needed }: { id: string; words: string; max: number; needed?: string | null }) {
  const said = lengthWords(words, max);
  const problem = said?.over ? said.text : needed && !words.trim() ? needed : '';
  return (
    <p id={id} class="hint">
      {said && !said.over ? said.text : null}
      <span role="status" class="problem">{problem}</span>
    </p>
  );
}

/** A field that needs words to be saved. A tap on Save with none used to do nothing at all, which
 *  reads as broken: now `has(words)` is false, the field (described by its hint) takes focus, and
 *  `needed` says what to write there until something is. */
export function useNeedsWords(fieldId: string, ask: string) {
  const [asked, setAsked] = useState(false);
  return {
    needed: asked ? ask : null,
    has(words: string): boolean {
      const empty = !words.trim();
      setAsked(empty);
      if (empty) document.getElementById(fieldId)?.focus();
      return !empty;
    },
  };
}
