import { describe, expect, it } from 'vitest';
import { firstShown, PAGE } from './paging';

const list = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `i${i}` }));
const drawnFrom = (at: number, length: number) => ({ oldest: `i${at}`, at, length });

describe('which part of a long list is drawn', () => {
  it('the newest page of it, to begin with', () => {
    expect(firstShown(list(1000), PAGE, null)).toBe(980);
    expect(firstShown(list(5), PAGE, null)).toBe(0);
  });

  it('cards saved one after another grow the list from where it started, however many', () => {
    let last = drawnFrom(980, 1000);
    for (let length = 1001; length <= 1050; length++) {
      const at = firstShown(list(length), PAGE, last);
      expect(at).toBe(980);
      last = drawnFrom(at, length);
    }
  });

  it('more than a page at once (a first sync): the newest page again', () => {
    expect(firstShown(list(1000 + PAGE), PAGE, drawnFrom(980, 1000))).toBe(980);
    expect(firstShown(list(1000 + PAGE + 1), PAGE, drawnFrom(980, 1000))).toBe(1001);
  });

  it('something before it removed: still from the same one', () => {
    const shorter = list(1000).filter((i) => i.id !== 'i3');
    expect(firstShown(shorter, PAGE, drawnFrom(500, 1000))).toBe(499);
  });

  it('where it started gone, or too few after it: the newest page', () => {
    expect(firstShown(list(1001), PAGE, { oldest: 'gone', at: 980, length: 1000 })).toBe(981);
    expect(firstShown(list(999), PAGE, drawnFrom(980, 1000))).toBe(979);
  });

  it('more asked for: the newest `count`', () => {
    expect(firstShown(list(1000), 2 * PAGE, drawnFrom(980, 1000))).toBe(960);
  });
});
