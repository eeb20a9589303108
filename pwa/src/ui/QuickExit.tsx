// "Leave quickly", after GOV.UK's Exit this page: a button on every screen, and Shift pressed
// three times. The page is replaced (not added to history) by a neutral site.
import { useEffect } from 'preact/hooks';
import { stopSpeaking } from './ReadAloud';

export const NEUTRAL_SITE = 'https://www.bbc.co.uk/weather';

export function leave() {
  stopSpeaking();
  document.title = 'Weather';
  document.body.replaceChildren();
  const away = () => window.location.replace(NEUTRAL_SITE);
  const depth = () => (window.history.state as { depth?: number } | null)?.depth ?? 0;
  // Screens are history entries (navigation.ts). Walk back through them, marking each as left,
  // and replace the first: Back from the neutral site can't reach the app, and Forward into a
  // marked entry leaves again before anything is drawn (main.tsx).
  const step = () => {
    if (depth() <= 0) return away();
    window.history.replaceState({ left: true }, '', '#/');
    window.addEventListener('popstate', step, { once: true });
    window.history.back();
  };
  // Whatever happens on the way, leave.
  window.setTimeout(away, 1000);
  step();
}

/** True when this page is a history entry quick exit left from: leave again, drawing nothing. */
export function wasLeft(): boolean {
  return (window.history.state as { left?: boolean } | null)?.left === true;
}

export function QuickExit() {
  useEffect(() => {
    let presses: number[] = [];
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Shift') return;
      const now = Date.now();
      presses = [...presses.filter((t) => now - t < 1500), now];
      if (presses.length >= 3) leave();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div class="quick-exit">
      <button type="button" class="quick-exit__button" onClick={leave}>
        Leave quickly
      </button>
      <span class="quick-exit__hint">or press Shift 3 times</span>
    </div>
  );
}
