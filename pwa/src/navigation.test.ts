import { describe, expect, it } from 'vitest';
import type { Route } from './context';
import { routeFromHash, routeToHash } from './navigation';

describe('a screen’s address', () => {
  it('goes there and back for every kind of screen, naming nobody', () => {
    const routes: Route[] = [
      { name: 'home' },
      { name: 'people' },
      { name: 'people', review: true },
      { name: 'sessions', id: '0190-a' },
      { name: 'meeting', owner: 'p1', meeting: 'm1' },
      { name: 'join', code: 'AB CD' },
      { name: 'audit' },
    ];
    for (const r of routes) expect(routeFromHash(routeToHash(r))).toEqual(r);
    expect(routeToHash({ name: 'people', review: true })).toBe('#/people/review');
  });

  it('takes an address it doesn’t know as home', () => {
    expect(routeFromHash('#/people/someone')).toEqual({ name: 'people' });
    expect(routeFromHash('#/nowhere')).toEqual({ name: 'home' });
  });
});
