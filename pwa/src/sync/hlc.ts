import type { Hlc, Stamp } from '../generated/tandem';

// The device's hybrid logical clock; the same rule as tandem_shared::hlc::Hlc::tick.
export function tick(prev: Hlc, nowMs: number): Hlc {
  return nowMs > prev.ms ? { ms: nowMs, count: 0 } : { ms: prev.ms, count: prev.count + 1 };
}

export function later(a: Hlc, b: Hlc): Hlc {
  return a.ms > b.ms || (a.ms === b.ms && a.count >= b.count) ? a : b;
}

export function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.hlc.ms === b.hlc.ms && a.hlc.count === b.hlc.count && a.device === b.device;
}

/** Whether version `a` comes after `b`: clock first, then device id (the server's order). */
export function stampAfter(a: Stamp, b: Stamp): boolean {
  if (a.hlc.ms !== b.hlc.ms) return a.hlc.ms > b.hlc.ms;
  if (a.hlc.count !== b.hlc.count) return a.hlc.count > b.hlc.count;
  return a.device > b.device;
}
