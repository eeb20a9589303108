import { afterEach, describe, expect, it, vi } from 'vitest';

/** A tab at `address`, holding `kept` in its session storage; returns what it ends up with. */
async function returnTo(address: string, kept: Record<string, string> = {}) {
  vi.resetModules();
  const url = new URL(address, 'https://tandem.example');
  const stored = new Map(Object.entries(kept));
  const replaced: string[] = [];
  vi.stubGlobal('sessionStorage', { getItem: (k: string) => stored.get(k) ?? null, removeItem: (k: string) => stored.delete(k), setItem: (k: string, v: string) => stored.set(k, v) });
  vi.stubGlobal('window', { location: { search: url.search, pathname: url.pathname }, history: { replaceState: (_: unknown, __: string, to: string) => replaced.push(to) } });
  const sso = await import('./sso');
  return { got: sso.ssoReturn(), again: sso.ssoReturn(), replaced, stored, sso };
}

afterEach(() => vi.unstubAllGlobals());

describe('coming back from the organisation sign-in', () => {
  it('pairs the handoff with the half this tab kept, once, and cleans the address', async () => {
    const { got, again, replaced, stored } = await returnTo('/?sso=HANDOFF', { 'tandem-sso': JSON.stringify({ attempt: 'KEPT', purpose: 'sign-in' }) });
    expect(got).toEqual({ purpose: 'sign-in', handoff: 'HANDOFF', attempt: 'KEPT' });
    expect(again).toBe(got);
    expect(replaced).toEqual(['/#/']);
    expect(stored.size).toBe(0);
  });

  it('goes back to Your account after a link', async () => {
    const { got, replaced } = await returnTo('/?sso=H', { 'tandem-sso': JSON.stringify({ attempt: 'A', purpose: 'link' }) });
    expect(got).toEqual({ purpose: 'link', handoff: 'H', attempt: 'A' });
    expect(replaced).toEqual(['/#/account']);
  });

  it("never uses a handoff this tab didn't start", async () => {
    expect((await returnTo('/?sso=SOMEONE-ELSES')).got).toEqual({ purpose: 'sign-in', problem: 'elsewhere' });
    const junk = await returnTo('/?sso=H', { 'tandem-sso': 'not json' });
    expect(junk.got).toEqual({ purpose: 'sign-in', problem: 'elsewhere' });
  });

  it('reads what went wrong, and anything unknown as refused', async () => {
    expect((await returnTo('/?sso_error=cancelled')).got).toEqual({ purpose: 'sign-in', problem: 'cancelled' });
    expect((await returnTo('/?sso_error=<script>')).got).toEqual({ purpose: 'sign-in', problem: 'refused' });
  });

  it('leaves an ordinary start alone', async () => {
    const { got, replaced } = await returnTo('/?idle=30');
    expect(got).toBeNull();
    expect(replaced).toEqual([]);
  });

  it('says each problem with the account named, or plainly without', async () => {
    const { sso } = await returnTo('/');
    expect(sso.ssoProblemWords('unavailable', 'Northshire Council')).toBe("Northshire Council can't be reached just now. Try again in a minute, or sign in with your name and password.");
    expect(sso.ssoProblemWords('refused', null)).toBe("Your organisation's account didn't confirm who you are. Try again, or sign in with your name and password.");
  });
});

describe('taking the return', () => {
  it('gives it once, to the screen it is for', async () => {
    const { sso } = await returnTo('/?sso=H', { 'tandem-sso': JSON.stringify({ attempt: 'A', purpose: 'link' }) });
    expect(sso.takeSsoReturn('sign-in')).toBeNull();
    expect(sso.takeSsoReturn('link')).toEqual({ purpose: 'link', handoff: 'H', attempt: 'A' });
    expect(sso.takeSsoReturn('link')).toBeNull();
  });
});
