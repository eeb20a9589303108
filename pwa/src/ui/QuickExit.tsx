// "Leave quickly", after GOV.UK's Exit this page: a button on every screen, and Shift pressed
// three times. The page is replaced (not added to history) by a neutral site.
import { useEffect } from 'preact/hooks';

export const NEUTRAL_SITE = 'https://www.bbc.co.uk/weather';

export function leave() {
  document.title = 'Weather';
  document.body.replaceChildren();
  window.location.replace(NEUTRAL_SITE);
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
