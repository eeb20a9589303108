// A key worker's device told, with Tandem closed, that a young person has asked for help.
//
// Real here: the app turning it on and off, the server sending to the device's push service
// with its VAPID key (a push service on loopback, which the server is told it may call), and
// the service worker showing the notification when the push arrives (delivered through the
// DevTools protocol, as a push service would). Not real: the browser's own registration with
// Google's push service, which headless Chromium can't reach here; `PushManager.subscribe`
// hands back a subscription at the loopback push service instead.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { assertAccessible, eventually, post, serverAndBrowser, signIn, waitForServiceWorker } from './harness.mjs';

/** What reached the push service: { path, authorization, urgency, bytes }. */
const received = [];
const pushService = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    received.push({ path: req.url, authorization: req.headers.authorization, urgency: req.headers.urgency, bytes: Buffer.concat(chunks).length });
    res.writeHead(201).end();
  });
});
await new Promise((resolve) => pushService.listen(0, '127.0.0.1', resolve));
const PUSH_SERVICE = `http://127.0.0.1:${pushService.address().port}`;
// The server this file starts may call it (and only it).
process.env.TANDEM_PUSH_SERVICES = PUSH_SERVICE;
// Closed after the tests, its kept-alive connections too: an open server would keep this file's
// process, and so the suite, from ending.
after(() => {
  pushService.closeAllConnections();
  pushService.close();
});

const env = serverAndBrowser();

/** A browser whose push subscriptions are at the loopback push service; kept in localStorage
 *  as a browser keeps its own, so a reload keeps it and signing out (which clears it) ends it. */
async function workerDevice(path, permission = 'notifications') {
  const context = await env.browser.newContext();
  if (permission) await context.grantPermissions([permission], { origin: env.server.base });
  await context.addInitScript((endpoint) => {
    const KEPT = 'test-push-subscription';
    const subscription = (kept) => ({
      endpoint: kept.endpoint,
      options: { userVisibleOnly: true, applicationServerKey: Uint8Array.from(kept.key).buffer },
      unsubscribe: async () => (localStorage.removeItem(KEPT), true),
      toJSON: () => ({ endpoint: kept.endpoint }),
    });
    PushManager.prototype.getSubscription = async () => {
      const kept = localStorage.getItem(KEPT);
      return kept ? subscription(JSON.parse(kept)) : null;
    };
    PushManager.prototype.subscribe = async ({ applicationServerKey }) => {
      const kept = { endpoint, key: [...new Uint8Array(applicationServerKey)] };
      localStorage.setItem(KEPT, JSON.stringify(kept));
      return subscription(kept);
    };
  }, `${PUSH_SERVICE}${path}`);
  return context;
}

async function openAccount(page) {
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await page.getByRole('heading', { name: 'When a young person asks for help' }).waitFor();
}

/** Delivers a push to the page's service worker, as the browser does when its push service
 *  passes one on; returns the notifications it then shows. */
async function deliverPush(context, page) {
  const cdp = await context.newCDPSession(page);
  const registrations = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  const registration = await eventually(() => registrations.find((r) => !r.isDeleted), 15_000, 'the service worker registration');
  await cdp.send('ServiceWorker.deliverPushMessage', { origin: env.server.base, registrationId: registration.registrationId, data: '' });
  return eventually(
    () => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => `${n.title}: ${n.body}`)).then((shown) => shown.length > 0 && shown),
    15_000,
    'a notification shown',
  );
}

test("a key worker's device, told with Tandem closed, shows that someone needs them and never who", async () => {
  const context = await workerDevice('/sam-laptop');
  const page = await context.newPage();
  await signIn(page, env.server.base, 'sam', 'demo-worker-pass');
  await waitForServiceWorker(page);
  await page.getByRole('heading', { name: 'ash' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Set it up under Your account' }).count(), 0, 'allowed already: the caseload says nothing of it');
  await openAccount(page);
  await assertAccessible(page, 'account, with notifications off');
  await page.getByRole('button', { name: 'Tell me on this device' }).click();
  await page.getByText('Done. This device will tell you when a young person asks for help, even with Tandem closed.').waitFor();
  await page.getByRole('button', { name: 'Stop telling me on this device' }).waitFor();
  // Opened again (a reload): still on, as the server and the browser both say.
  await page.reload();
  await page.getByRole('heading', { name: 'When a young person asks for help' }).waitFor();
  await page.getByRole('button', { name: 'Stop telling me on this device' }).waitFor();

  // Ash, on her phone, says she doesn't feel safe: the server calls Sam's device's push service.
  const ash = (await post(env.server.base, '/api/auth/sign-in', { name: 'ash', secret: '6159', device: crypto.randomUUID() })).body;
  assert.equal((await post(env.server.base, '/api/alerts', { id: crypto.randomUUID(), raised_at: Date.now() }, ash.access_token)).status, 200);
  const push = await eventually(() => received.find((r) => r.path === '/sam-laptop'), 15_000, "the push to Sam's laptop");
  assert.equal(push.bytes, 0, 'nothing in it');
  assert.equal(push.urgency, 'high');
  assert.match(push.authorization, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]{87}$/);
  // The browser passes it to the service worker, which says only that someone needs Sam.
  const shown = await deliverPush(context, page);
  assert.deepEqual(shown, ['Tandem: A young person you support has asked for help. Open Tandem to see.']);
  assert.ok(!shown.join(' ').toLowerCase().includes('ash') && !shown.join(' ').includes(ash.person), shown.join(' '));

  // Turned off: the server stops, and the browser's subscription goes.
  await page.getByRole('button', { name: 'Stop telling me on this device' }).click();
  await page.getByText('This device will no longer tell you.', { exact: false }).waitFor();
  await page.getByRole('button', { name: 'Tell me on this device' }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('test-push-subscription')), null);
  await context.close();
});

test('a browser set not to show notifications says how to allow them, and nothing is turned on', async () => {
  const context = await workerDevice('/priya-phone', null);
  const page = await context.newPage();
  await page.addInitScript(() => (Notification.requestPermission = async () => 'denied'));
  await signIn(page, env.server.base, 'priya', 'demo-worker-pass');
  await waitForServiceWorker(page);
  // Not asked yet on this device: the caseload says it can, and where.
  await page.getByRole('button', { name: 'Set it up under Your account' }).click();
  await page.getByRole('heading', { name: 'When a young person asks for help' }).waitFor();
  await page.getByRole('button', { name: 'Tell me on this device' }).click();
  await page.getByRole('alert').filter({ hasText: "allow notifications for this site in the browser's settings" }).waitFor();
  await assertAccessible(page, 'account, notifications refused by the browser');
  await page.reload();
  await page.getByRole('button', { name: 'Tell me on this device' }).waitFor();
  assert.equal(received.filter((r) => r.path === '/priya-phone').length, 0);
  await context.close();
});

test('young people and drop-in staff are not offered it', async () => {
  for (const [name, secret] of [['kai', '7093'], ['dropin', 'demo-dropin-pass']]) {
    const context = await workerDevice(`/${name}`);
    const page = await context.newPage();
    await signIn(page, env.server.base, name, secret);
    await page.getByRole('button', { name: 'Account', exact: true }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await page.getByRole('heading', { name: /Change your (PIN|password)/ }).waitFor();
    // Drop-in staff's two-step card is fetched as the notifications card would be: once it is
    // there, the other would have been too.
    if (name === 'dropin') await page.getByRole('heading', { name: 'Two-step sign-in' }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'When a young person asks for help' }).count(), 0, name);
    await context.close();
  }
});
