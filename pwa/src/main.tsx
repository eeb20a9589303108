import { render } from 'preact';
import type { Workbox } from 'workbox-window';
import { App } from './app';
import { Fallback } from './ui/Fallback';
import { ssoReturn } from './sync/sso';
import { leave, wasLeft } from './ui/QuickExit';
import './styles.css';

let updateReady = false;
let wb: Workbox | null = null;

function draw() {
  render(
    <Fallback>
      <App updateReady={updateReady} onUpdate={() => void update()} />
    </Fallback>,
    document.getElementById('app') as HTMLElement,
  );
}

/** "Update now" always does something: the waiting version is asked to take over (the page
 *  reloads when it has); if none waits any more, a fresh start opens whichever version is current. */
async function update() {
  const waiting = (await navigator.serviceWorker?.getRegistration())?.waiting;
  if (waiting && wb) wb.messageSkipWaiting();
  else window.location.reload();
}

if (wasLeft()) {
  // Forward (or Back) into a screen quick exit left from: leave again, drawing nothing.
  leave();
} else {
  // Back from the organisation's sign-in page: read (and take out of the address) before the
  // screens read the address.
  ssoReturn();
  draw();
  // The service worker lets the app start with no signal. A new version waits until the person
  // says so: unsent edits live in IndexedDB, so updating never loses them. Its helper is fetched
  // after the first screen is drawn (the service worker keeps it with the rest of the app):
  // registering needn't hold up what a cheap phone shows first.
  if ('serviceWorker' in navigator && import.meta.env.PROD) {
    import('workbox-window')
      .then(({ Workbox }) => {
        wb = new Workbox('/sw.js');
        wb.addEventListener('waiting', () => {
          updateReady = true;
          draw();
        });
        wb.addEventListener('controlling', () => window.location.reload());
        return wb.register();
      })
      // Refused (a private window, a browser or policy that allows no service workers), or its
      // helper not fetched (no signal before the app was ever kept): Tandem still runs and keeps
      // words on the phone, only its screens don't open with no signal.
      .catch(() => undefined);
  }
}
