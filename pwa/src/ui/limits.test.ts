import { describe, expect, it } from 'vitest';
import rust from '../../../shared/src/validate.rs?raw';
import { characters, fits, lengthWords, LIMITS, tidy, tidyChange } from './limits';

describe('limits on words', () => {
  it('are the server’s own numbers', () => {
    const limit = (name: string) => Number(rust.match(new RegExp(`pub const ${name}: usize = (\\d+);`))?.[1]);
    expect(LIMITS).toEqual({ title: limit('TITLE_MAX'), text: limit('TEXT_MAX'), why: limit('TEXT_MAX'), step: limit('STEP_TEXT_MAX'), meeting: limit('MEETING_MAX'), steps: limit('STEPS_MAX'), ratings: limit('RATINGS_MAX') });
  });

  it('count characters as the server does: trimmed, an emoji as one', () => {
    expect(characters('  hi  ')).toBe(2);
    expect(characters('🙂🙂')).toBe(2);
    expect(fits('🙂'.repeat(120), LIMITS.title)).toBe(true);
    expect(fits('a'.repeat(121), LIMITS.title)).toBe(false);
  });

  it('say nothing with room to spare, the count near the end, and plainly when it is too long', () => {
    expect(lengthWords('a'.repeat(1600), 2000)).toBeNull();
    expect(lengthWords('a'.repeat(1601), 2000)).toEqual({ text: '1,601 of 2,000 characters', over: false });
    const over = lengthWords('a'.repeat(2001), 2000);
    expect(over?.over).toBe(true);
    expect(over?.text).toMatch(/^2,001 of 2,000 characters\. That is too long to save/);
  });

  it('tidy pasted words into what the server takes, keeping line breaks where a field has them', () => {
    expect(tidy('one\ttwo\r\nthree\u0007', true)).toBe('one two\nthree');
    expect(tidy('one\ntwo\u0085', false)).toBe('one two');
    expect(tidyChange({ field: 'steps', value: [{ text: 'ring\tthem', done: false }] })).toEqual({ field: 'steps', value: [{ text: 'ring them', done: false }] });
    expect(tidyChange({ field: 'meeting', value: null })).toEqual({ field: 'meeting', value: null });
    expect(tidyChange({ field: 'visibility', value: 'team' })).toEqual({ field: 'visibility', value: 'team' });
  });
});
