// Long lists show their newest entries first-loaded: a young person with hundreds of statements
// gets a screen a cheap phone draws in a frame, and the rest one tap away.
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { type Drawn, firstShown, PAGE } from './paging';

/** The newest of `items` (oldest first, as the list reads), and a button for earlier ones. */
export function Recent<T extends { id: string }>({ items, children }: { items: T[]; children: (shown: T[]) => ComponentChildren }) {
  const [count, setCount] = useState(PAGE);
  /** Where the drawn part started last time (see `firstShown`). */
  const last = useRef<Drawn | null>(null);
  const hidden = firstShown(items, count, last.current);
  last.current = items.length > 0 ? { oldest: items[hidden].id, at: hidden, length: items.length } : null;
  return (
    <>
      {hidden > 0 && (
        <button type="button" class="link-button" onClick={() => setCount(items.length - hidden + PAGE)}>
          Show {Math.min(PAGE, hidden)} earlier ({hidden} not shown)
        </button>
      )}
      {children(hidden > 0 ? items.slice(hidden) : items)}
    </>
  );
}
