import { describe, expect, it } from 'vitest';
import { NO_TRIES, waitWords, wrongTry } from './IdleLock';

describe('wrong lock codes', () => {
  it('are free for four, then each waits twice as long as the last, up to a quarter of an hour', () => {
    let t = NO_TRIES;
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      t = wrongTry(t, 1_000);
      waits.push(t.until === 0 ? 0 : t.until - 1_000);
    }
    expect(waits).toEqual([0, 0, 0, 0, 30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
  });

  it('say how long to wait in words', () => {
    expect(waitWords(29_200)).toBe('30 seconds');
    expect(waitWords(60_000)).toBe('1 minute');
    expect(waitWords(61_000)).toBe('2 minutes');
    expect(waitWords(900_000)).toBe('15 minutes');
  });
});
