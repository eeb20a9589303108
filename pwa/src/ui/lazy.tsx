// Screens only staff use are fetched when staff need them, not with every young person's first
// load: a cheap phone downloads and parses less before its first screen. The service worker keeps
// them like every other file of the app, so a staff device still opens them offline.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazyScreens<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  const loadOnce = () => (loading ??= load().then((screens) => (loaded = screens)));
  return function Lazy(props: P) {
    const [, setReady] = useState(false);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (!loaded) loadOnce().then(() => setReady(true), () => setFailed(true));
    }, []);
    if (loaded) {
      const Screens = loaded;
      return <Screens {...props} />;
    }
    if (failed) {
      return (
        <div class="row">
          <p role="alert">This screen needs a connection the first time it opens on this device. Try again when you have signal.</p>
          {/* The browser remembers a failed import for as long as the page lives, so only
              loading the page again fetches it again (what is typed and kept survives that). */}
          <button type="button" onClick={() => location.reload()}>Try again</button>
        </div>
      );
    }
    return <p role="status">Opening…</p>;
  };
}
