import { describe, expect, it } from 'vitest';
import { suggestPassword } from './suggest';

describe('a suggested first password', () => {
  it('is four different everyday words, different each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const words = suggestPassword().split(' ');
      expect(words).toHaveLength(4);
      expect(new Set(words).size).toBe(4);
      for (const w of words) expect(w).toMatch(/^[a-z]{2,9}$/);
      seen.add(words.join(' '));
    }
    // 256^4 possible: 500 draws all different unless the randomness is broken.
    expect(seen.size).toBe(500);
  });
});
