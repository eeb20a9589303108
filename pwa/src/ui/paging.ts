// Which of a long list's items are drawn: the newest page of them, and the list grows (rather than
// moving along) while new ones come.

export const PAGE = 20;

/** Where the drawn part of a list started last time, and how long the list was then. */
export interface Drawn {
  oldest: string;
  at: number;
  length: number;
}

/**
 * Where the drawn part of `items` (oldest first) starts: at least the newest `count`, and from
 * where it started last time (`last`) while new ones come a few at a time. A card just saved then
 * lengthens the list instead of pushing its top card off under the person's eyes (and, on a slow
 * phone, costing a card taken out of the page). More than a page at once (a first sync's next
 * page), or the start gone: the newest `count` again.
 */
export function firstShown(items: readonly { id: string }[], count: number, last: Drawn | null): number {
  const newest = Math.max(0, items.length - count);
  if (last === null || items.length - last.length > PAGE) return newest;
  // Where it was, or a little before (things before it removed): a list can hold thousands.
  for (let i = Math.min(last.at, items.length - 1); i >= Math.max(0, last.at - PAGE); i--) {
    if (items[i].id === last.oldest) return Math.min(i, newest);
  }
  return newest;
}
