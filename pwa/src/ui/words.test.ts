import { describe, expect, it } from 'vitest';
import { localDate, whoCanSee } from './words';

describe('who can see', () => {
  it('names the key workers who will see a shared item', () => {
    expect(whoCanSee('worker', ['Sam'])).toBe('You and Sam');
    expect(whoCanSee('team', ['Sam', 'Priya'])).toBe('You, Sam, Priya and the drop-in team');
  });

  it('never promises a worker who is not there', () => {
    expect(whoCanSee('worker', [])).toMatch(/^Only you for now/);
    expect(whoCanSee('team', [])).toMatch(/^You and the drop-in team/);
    for (const v of ['private', 'worker', 'team'] as const) expect(whoCanSee(v, [])).not.toMatch(/your worker/);
  });
});

describe('the date of a rating', () => {
  it('is the date on the phone, written as the server stores it', () => {
    expect(localDate(new Date(2026, 0, 5, 0, 30))).toBe('2026-01-05');
    expect(localDate(new Date(2026, 11, 31, 23, 59))).toBe('2026-12-31');
  });
});
