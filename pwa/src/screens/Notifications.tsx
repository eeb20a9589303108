// For key workers, on their account screen: this device shows a notification, with Tandem
// closed, when a young person they support presses "I don't feel safe right now" (or, as the
// duty worker, one nobody else has seen in time). The notification says only that someone
// needs them (public/push-sw.js); who and what show once Tandem is open and signed in.
import { useContext, useEffect, useState } from 'preact/hooks';
import { Ctx } from '../context';
import { problemWords, useSubmit } from '../ui/useSubmit';

const NEEDS_SIGNAL = 'This needs signal. Try again when you are online.';

interface Status {
  on: boolean;
  /** The server's key (base64url), which the browser's subscription must be made with. */
  key: string;
  /** False when the service's server sends no notifications at all. */
  available: boolean;
}

const canNotify = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

const keyBytes = (key: string) => Uint8Array.from(atob(key.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

const sameKey = (sub: PushSubscription, key: string) => {
  const held = sub.options?.applicationServerKey;
  if (!held) return false;
  const a = new Uint8Array(held);
  const b = keyBytes(key);
  return a.length === b.length && a.every((x, i) => x === b[i]);
};

/** Words for what the browser itself refused, which the person can act on. */
class BrowserSaid extends Error {}

export function Notifications() {
  const ctx = useContext(Ctx);
  const [status, setStatus] = useState<Status | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { problem, setProblem, busy, submit } = useSubmit(NEEDS_SIGNAL);
  const supported = canNotify();

  // The service worker shows the notifications; one that never became ready would leave this
  // waiting for ever, so it is given ten seconds.
  const registration = () =>
    Promise.race([
      navigator.serviceWorker.ready,
      new Promise<never>((_, fail) =>
        setTimeout(() => fail(new BrowserSaid("This browser hasn't finished setting Tandem up on this device. Close Tandem, open it again, then try again.")), 10_000),
      ),
    ]);
  const load = async () => {
    try {
      const now = await ctx.api<Status>('GET', '/api/me/notifications');
      // The server sends to a subscription this browser no longer has (its data was cleared):
      // say it is off, and stop the server sending into nothing.
      if (now.on && supported && !(await (await registration()).pushManager.getSubscription())) {
        setStatus(await ctx.api<Status>('DELETE', '/api/me/notifications'));
      } else setStatus(now);
    } catch (e) {
      setProblem(e instanceof BrowserSaid ? e.message : problemWords(e, NEEDS_SIGNAL));
    }
  };
  useEffect(() => void load(), []);

  const run = (step: () => Promise<void>) => {
    setDone(null);
    return submit(async () => {
      try {
        await step();
      } catch (e) {
        if (!(e instanceof BrowserSaid)) throw e;
        setProblem(e.message);
      }
    });
  };

  // Offered only once the status (and so the key) is known.
  const turnOn = (key: string) =>
    run(async () => {
      const allowed = await Notification.requestPermission();
      if (allowed !== 'granted') {
        throw new BrowserSaid(
          'This browser is set not to show notifications from Tandem. To have them, allow notifications for this site in the browser\'s settings, then try again.',
        );
      }
      const push = (await registration()).pushManager;
      let sub = await push.getSubscription();
      // Made with another key (the server's signing key was replaced): make it again.
      if (sub && !sameKey(sub, key)) {
        await sub.unsubscribe();
        sub = null;
      }
      try {
        sub ??= await push.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
      } catch {
        throw new BrowserSaid("This browser couldn't set up notifications just now. Check it is allowed to show them, then try again.");
      }
      setStatus(await ctx.api<Status>('PUT', '/api/me/notifications', { endpoint: sub.endpoint }));
      setDone('Done. This device will tell you when a young person asks for help, even with Tandem closed.');
    });

  const turnOff = () =>
    run(async () => {
      setStatus(await ctx.api<Status>('DELETE', '/api/me/notifications'));
      await (await (await registration()).pushManager.getSubscription())?.unsubscribe();
      setDone('This device will no longer tell you. Alerts still show in Tandem when it is open.');
    });

  return (
    <section class="card stack" aria-labelledby="notifications-title">
      <h2 id="notifications-title">When a young person asks for help</h2>
      <p>
        When someone you support presses "I don't feel safe right now", this device can show a notification, even with
        Tandem closed. It says only that a young person has asked for help, never who or what: that shows when you open
        Tandem.
      </p>
      {!supported ? (
        <p>This browser can't show notifications for Tandem. Alerts still show in Tandem when it is open.</p>
      ) : status === null ? (
        !problem && <p>Checking this device…</p>
      ) : !status.available ? (
        <p>Your service has not turned notifications on. Alerts show in Tandem when it is open.</p>
      ) : status.on ? (
        <>
          <p>This device tells you. Signing out here stops it.</p>
          {Notification.permission === 'denied' && (
            <p class="problem">This browser has since been set not to show notifications from Tandem, so nothing shows. Allow them for this site in the browser's settings.</p>
          )}
          <button type="button" disabled={busy} onClick={() => void turnOff()}>Stop telling me on this device</button>
        </>
      ) : (
        <>
          <p class="hint">
            It goes through your browser's notification service (Google's, Apple's, Mozilla's or Microsoft's), which learns
            only that Tandem sent this device something.
          </p>
          <button type="button" disabled={busy} onClick={() => void turnOn(status.key)}>Tell me on this device</button>
        </>
      )}
      {problem && (
        <p class="problem" role="alert">
          {problem}
        </p>
      )}
      {problem && status === null && (
        <button type="button" onClick={() => void load()}>
          Try again
        </button>
      )}
      <p role="status">{done}</p>
    </section>
  );
}
