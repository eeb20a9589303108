// Long lists show their newest entries first-loaded: a young person with hundreds of statements
// gets a screen a cheap phone draws in a frame, and the rest one tap away.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export const PAGE = 20;

/** The last `shown` of `items` (oldest first, as the list reads), and a button for earlier ones. */
export function Recent<T>({ items, children }: { items: T[]; children: (shown: T[]) => ComponentChildren }) {
  const [shown, setShown] = useState(PAGE);
  const hidden = Math.max(0, items.length - shown);
  return (
    <>
      {hidden > 0 && (
        <button type="button" class="link-button" onClick={() => setShown((n) => n + PAGE)}>
          Show {Math.min(PAGE, hidden)} earlier ({hidden} not shown)
        </button>
      )}
      {children(hidden > 0 ? items.slice(hidden) : items)}
    </>
  );
}
