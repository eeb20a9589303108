// Each screen is a history entry with a neutral address (screen names and random ids only: never
// a name or anything anyone wrote), so Back moves between screens inside the app and a link to
// a screen opens it after sign-in. Quick exit replaces the page and is not part of this.
import { useEffect, useState } from 'preact/hooks';
import type { Route } from './context';

const SIMPLE = [
  'account',
  'goals',
  'strengths',
  'statements',
  'from-worker',
  'seen',
  'export',
  'delete-account',
  'invite',
  'people',
  'assignments',
  'audit',
  'alert-routing',
  'tablets',
] as const;

export function routeToHash(r: Route): string {
  switch (r.name) {
    case 'home':
      return '#/';
    case 'goal':
    case 'person':
    case 'sessions':
      return `#/${r.name}/${r.id}`;
    case 'meeting':
      return `#/meeting/${r.owner}/${r.meeting}`;
    case 'join':
      return r.code ? `#/join/${encodeURIComponent(r.code)}` : '#/join';
    case 'people':
      return r.review ? '#/people/review' : '#/people';
    default:
      return `#/${r.name}`;
  }
}

export function routeFromHash(hash: string): Route {
  const [name, a, b] = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (name === 'goal' && a) return { name: 'goal', id: a };
  if (name === 'person' && a) return { name: 'person', id: a };
  if (name === 'sessions' && a) return { name: 'sessions', id: a };
  if (name === 'meeting' && a && b) return { name: 'meeting', owner: a, meeting: b };
  if (name === 'join') return { name: 'join', code: a ? decodeURIComponent(a) : undefined };
  if (name === 'people' && a === 'review') return { name: 'people', review: true };
  const simple = SIMPLE.find((s) => s === name);
  return simple ? ({ name: simple } as Route) : { name: 'home' };
}

/** The current screen, kept in step with the address bar and the Back button. */
export function useRoute(): [Route, (r: Route) => void, () => void] {
  const [route, setRoute] = useState<Route>(() => routeFromHash(window.location.hash));
  useEffect(() => {
    // Opened straight at an inner screen: put Home under it, so Back stays in the app.
    const first = routeFromHash(window.location.hash);
    // Each entry carries its depth above the app's first, so quick exit can rewind past them all.
    if (first.name !== 'home') {
      window.history.replaceState({ depth: 0 }, '', '#/');
      window.history.pushState({ depth: 1 }, '', routeToHash(first));
    } else {
      window.history.replaceState({ depth: 0 }, '', '#/');
    }
    const onPop = () => setRoute(routeFromHash(window.location.hash));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const go = (r: Route) => {
    const depth = (window.history.state as { depth?: number } | null)?.depth ?? 0;
    if (routeToHash(r) !== window.location.hash) window.history.pushState({ depth: depth + 1 }, '', routeToHash(r));
    setRoute(r);
    window.scrollTo(0, 0);
  };
  /** Back to the start without leaving a trail (sign-out). */
  const reset = () => {
    const depth = (window.history.state as { depth?: number } | null)?.depth ?? 0;
    window.history.replaceState({ depth }, '', '#/');
    setRoute({ name: 'home' });
  };
  return [route, go, reset];
}
