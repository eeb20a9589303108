import { describe, expect, it } from 'vitest';
import { whoCanSee } from './words';

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
