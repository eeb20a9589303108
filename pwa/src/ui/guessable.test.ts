import { describe, expect, it } from 'vitest';
import { guessableReason } from './guessable';

describe('a lock code someone holding the phone would try first', () => {
  it('is a repeat, a run, a year or one most people choose', () => {
    const reasons = Object.fromEntries(['1111', '1212', '123123', '1234', '9876', '2468', '86420', 'abcd', '2007', '1999', '2580', 'Password'].map((c) => [c, guessableReason(c)]));
    expect(reasons).toEqual({
      '1111': 'it repeats itself, like 1111 or 1212',
      '1212': 'it repeats itself, like 1111 or 1212',
      '123123': 'it repeats itself, like 1111 or 1212',
      '1234': 'it goes in order, like 1234 or 2468',
      '9876': 'it goes in order, like 1234 or 2468',
      '2468': 'it goes in order, like 1234 or 2468',
      '86420': 'it goes in order, like 1234 or 2468',
      abcd: 'it goes in order, like 1234 or 2468',
      '2007': "it's a year",
      '1999': "it's a year",
      '2580': 'lots of people use it',
      Password: 'lots of people use it',
    });
  });

  it('leaves every other code alone', () => {
    for (const code of ['1470', '4826', '0312', '2045', '1235', '7093', 'rexie', 'my dog']) expect(guessableReason(code), code).toBeNull();
  });
});
