import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, asAdmin, assertAccessible, eventually, fillableStorage, holdPulls, keptOnDevice, post, serverAndBrowser, signIn, waitForServiceWorker } from './harness.mjs';

const env = serverAndBrowser();

test('the app starts offline, keeps what was written offline, and sends it when signal returns', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'kai', '7093');
  await waitForServiceWorker(page);

  await context.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();

  await page.getByLabel('Something good about you').fill('I cook for my little brother');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('I cook for my little brother').first().waitFor();
  await page.getByText(/Waiting for signal/).first().waitFor();

  await page.getByRole('button', { name: /My goals/ }).click();
  await page.getByLabel('A new goal').fill('Pass my theory test');
  await page.getByRole('button', { name: 'Add goal' }).click();
  await page.getByRole('heading', { name: 'Pass my theory test' }).waitFor();

  // Close the app and open it again, still offline.
  await page.close();
  const again = await context.newPage();
  await again.goto(env.server.base + '/');
  await again.getByText('I cook for my little brother').first().waitFor();
  await again.getByRole('button', { name: /My goals/ }).click();
  await again.getByText('Pass my theory test').first().waitFor();

  const kai = await api(env.server.base, 'kai', '7093');
  assert.ok(!(await kai.texts()).includes('Pass my theory test'), 'nothing reached the server while offline');

  await context.setOffline(false);
  await again.evaluate(() => window.dispatchEvent(new Event('online')));
  await eventually(async () => {
    const texts = await kai.texts();
    return texts.includes('Pass my theory test') && texts.includes('I cook for my little brother');
  }, 20_000, 'both edits on the server').catch(async (e) => {
    // What the screen showed, for whoever reads a failed run.
    console.error('the screen said:', (await again.locator('body').innerText()).slice(0, 500));
    throw e;
  });
  await again.getByText('Everything is sent.').waitFor();
  await context.close();
});

test('what the screen calls saved on this phone is written to disk, not only handed to the phone: an edit and an alert sent with no signal', async () => {
  const context = await env.browser.newContext();
  // Every write of what the screen will call saved, with how durable its transaction was asked
  // to be: an edit (its outbox entry) and an alert queued to send.
  await context.addInitScript(() => {
    const writes = [];
    window.__savedWrites = writes;
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (value, key) {
      if (this.name === 'outbox' || key === 'alerts-pending') writes.push({ what: key ?? this.name, durability: this.transaction.durability });
      return put.call(this, value, key);
    };
  });
  const page = await context.newPage();
  await signIn(page, env.server.base, 'mo', '5286');
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();

  await context.setOffline(true);
  await page.getByLabel('Something good about you').fill('I walk my nan’s dog every day');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(/Saved on this phone. Waiting for signal/).first().waitFor();
  await page.getByRole('button', { name: "I don't feel safe right now" }).click();
  await page.getByRole('button', { name: /^Yes, tell/ }).click();
  await page.getByText(/Saved on this phone. It will be sent to/).waitFor();

  const writes = await page.evaluate(() => window.__savedWrites);
  assert.ok(writes.some((w) => w.what === 'outbox'), `the edit was written: ${JSON.stringify(writes)}`);
  assert.ok(writes.some((w) => w.what === 'alerts-pending'), `the alert was queued: ${JSON.stringify(writes)}`);
  assert.deepEqual(writes.filter((w) => w.durability !== 'strict'), [], 'every such write waits for the disk');
  await context.close();
});

test("a key worker's laptop opened with no signal shows their caseload and what was shared with them, from what it keeps", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'sam', 'demo-worker-pass');
  await page.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await page.getByRole('button', { name: /Open kai/ }).click();
  await page.getByText("I'm good at fixing bikes.").waitFor();
  await waitForServiceWorker(page);

  // The staff screens are a file of their own, not part of the app's first load: opened offline,
  // it comes from what the service worker keeps.
  await context.setOffline(true);
  const again = await context.newPage();
  await again.goto(env.server.base + '/');
  await again.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await again.getByRole('button', { name: /Open kai/ }).click();
  await again.getByText("I'm good at fixing bikes.").waitFor();
  await context.close();
});

test('staff screens that could not be fetched (no signal at a first sign-in) say so, and open when tried again', async () => {
  const context = await env.browser.newContext();
  await context.route('**/assets/KeyWorker-*.js', (route) => route.abort('internetdisconnected'));
  const page = await context.newPage();
  await page.goto(env.server.base + '/');
  await page.getByLabel('Your name').fill('sam');
  await page.getByLabel('Your PIN or password').fill('demo-worker-pass');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'needs a connection the first time' }).waitFor();
  await assertAccessible(page, 'staff screens not fetched');

  await context.unroute('**/assets/KeyWorker-*.js');
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await context.close();
});

test('a push that never gets an answer (one bar of signal, between masts) is given up on, kept, and sent once when the line moves', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'ash', '6159');
  await page.getByText('Everything is sent.').waitFor();
  await page.clock.install();
  let held = true;
  let reachedServer;
  const pushHeld = new Promise((resolve) => (reachedServer = resolve));
  // A held push is never answered: the request hangs as a stalled connection does.
  await page.route('**/api/sync/push', (route) => (held ? reachedServer() : route.continue()));

  await page.getByLabel('Something good about you').fill('I got the bus on my own today');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('I got the bus on my own today').first().waitFor();
  await pushHeld;
  await page.getByText(/Sending/).first().waitFor();
  // Thirty seconds and more with nothing back: the phone says how things are, not "Sending…".
  await page.clock.fastForward(35_000);
  await page.getByText(/Saved on this phone\. Waiting for signal to send 1 change/).waitFor();

  held = false;
  await page.clock.fastForward(2_000);
  await page.getByText('Everything is sent.').waitFor();
  const ash = await api(env.server.base, 'ash', '6159');
  const texts = await ash.texts();
  assert.equal(texts.filter((t) => t === 'I got the bus on my own today').length, 1, `stored once: ${JSON.stringify(texts)}`);
  await context.close();
});

test('words sent just before the signal went (the pull after them cut short) are still on the phone, offline, after it is opened again', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'mo', '5286');
  await waitForServiceWorker(page);
  await page.getByText('Everything is sent.').waitFor();
  // The push goes through; every pull after it meets no signal.
  await page.route('**/api/sync/pull*', (route) => route.abort('internetdisconnected'));
  await page.getByLabel('Something good about you').fill('I spoke up at my own review');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const mo = await api(env.server.base, 'mo', '5286');
  await eventually(async () => (await mo.texts()).includes('I spoke up at my own review'), 20_000, 'the words on the server');
  await page.getByText(/No signal just now|Waiting for signal/).first().waitFor();

  await context.setOffline(true);
  await page.reload();
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();
  await page.getByText('I spoke up at my own review').first().waitFor();
  await context.close();
});

test('a session ended elsewhere hides the screens until the same person signs in again; nothing written offline is lost', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'mo', '5286');
  await page.getByLabel('Something good about you').fill('I make the best toast at the centre');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const moBefore = await api(env.server.base, 'mo', '5286');
  await eventually(async () => (await moBefore.texts()).includes('I make the best toast at the centre'), 20_000, 'the first words sent');
  await page.getByText('Everything is sent.').waitFor();
  await context.setOffline(true);
  await page.getByLabel('Something good about you').fill('I ride my bike to the centre');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('I ride my bike to the centre').first().waitFor();

  // Mo signs out everywhere from another device (a lost phone): this one's session ends.
  const other = (await post(env.server.base, '/api/auth/sign-in', { name: 'mo', secret: '5286', device: crypto.randomUUID() })).body;
  assert.equal((await post(env.server.base, '/api/auth/sign-out-everywhere', {}, other.access_token)).status, 200);

  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.getByRole('heading', { name: 'Sign in again' }).waitFor();
  assert.equal(await page.getByText('I ride my bike to the centre').count(), 0, 'what was written is hidden while signed out');
  await assertAccessible(page, 'sign in again');
  // What came from the server goes from the phone now; what is not sent yet stays for Mo.
  await eventually(async () => !(await keptOnDevice(page)).text.includes('best toast'), 10_000, 'the sent words gone from the phone');
  assert.ok((await keptOnDevice(page)).text.includes('I ride my bike to the centre'), 'the unsent words kept');

  // Someone else can't sign in over Mo's unsent words.
  await page.getByLabel('Your name').fill('kai');
  await page.getByLabel('Your PIN or password').fill('7093');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: "someone else's things" }).waitFor();

  await page.getByLabel('Your name').fill('mo');
  await page.getByLabel('Your PIN or password').fill('5286');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('I ride my bike to the centre').first().waitFor();
  await page.getByText('I make the best toast at the centre').first().waitFor();
  const mo = await api(env.server.base, 'mo', '5286');
  await eventually(async () => (await mo.texts()).includes('I ride my bike to the centre'), 20_000, 'the offline words on the server');
  await page.getByText('Everything is sent.').waitFor();
  await context.close();
});

test('signed out with words still on the phone and the PIN forgotten: a new code lets the same person back in, and nothing is lost', async () => {
  const base = env.server.base;
  const admin = await asAdmin(base);
  const invite = (name) => admin.post('/api/admin/invites', { display_name: name, workers: [] });
  const robin = await invite('Robin');

  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(base + '/');
  await page.getByRole('button', { name: 'I have a code from my worker' }).click();
  await page.getByLabel('Your code').fill(robin.code);
  await page.getByLabel('Choose a name to sign in with').fill('robin.b');
  await page.getByLabel('Choose a PIN or password').fill('4826');
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByLabel('Something good about you').waitFor();

  await context.setOffline(true);
  await page.getByLabel('Something good about you').fill('I look after my dog');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('I look after my dog').first().waitFor();

  // Robin's session ends elsewhere, and Robin has forgotten the PIN.
  const other = (await post(base, '/api/auth/sign-in', { name: 'robin.b', secret: '4826', device: crypto.randomUUID() })).body;
  assert.equal((await post(base, '/api/auth/sign-out-everywhere', {}, other.access_token)).status, 200);
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.getByRole('heading', { name: 'Sign in again' }).waitFor();
  await page.getByRole('button', { name: /Forgot your PIN/ }).click();
  await page.getByLabel('Your new code').waitFor();
  await assertAccessible(page, 'sign in again with a new code');

  // A code for someone else is refused on this phone, and stays good for them.
  const noor = await invite('Noor');
  await page.getByLabel('Your new code').fill(noor.code);
  await page.getByLabel('Your name').fill('robin.b');
  await page.getByLabel('Choose a new PIN or password').fill('7391');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: "someone else's things" }).waitFor();
  assert.equal(await page.getByText('I look after my dog').count(), 0, 'still hidden');

  const reset = await admin.post(`/api/admin/people/${other.person}/new-invite`);
  await page.getByLabel('Your new code').fill(reset.code);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('I look after my dog').first().waitFor();
  const robinNow = await api(base, 'robin.b', '7391');
  await eventually(async () => (await robinNow.texts()).includes('I look after my dog'), 20_000, 'the offline words on the server');
  await page.getByText('Everything is sent.').waitFor();
  assert.equal((await post(base, '/api/auth/join', { code: noor.code, name: 'noor.a', secret: '5184', device: crypto.randomUUID() })).status, 200, "Noor's code was not spent");
  await context.close();
});

test("a young person's new phone says it is getting their things, never that there are none, until they arrive", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const release = await holdPulls(page);
  await signIn(page, env.server.base, 'ash', '6159');
  await page.getByText('Getting your things… They show here as soon as they arrive.').waitFor();
  assert.equal(await page.getByText(/Nothing here yet/).count(), 0);
  assert.ok(await page.getByRole('button', { name: 'My goals', exact: true }).isVisible(), 'no count of 0 before the first fetch');
  release();
  await page.getByText("I'm a good listener. My mates come to me.").waitFor();
  await page.getByRole('button', { name: /^My goals \(\d+\)$/ }).waitFor();
  await context.close();
});

/** Holds every `GET /api/me` (who this person works with) of the context's pages, in the page
 *  itself, as a weak signal can hold one request while others get through, until the app gives
 *  up on it. (Held in the page's `fetch`, not with `page.route`, which holds it in the browser's
 *  network layer.) Each page loaded holds it anew. */
async function holdMe(context) {
  await context.addInitScript(() => {
    const real = window.fetch.bind(window);
    window.fetch = async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input.url, location.href);
      if (url.pathname === '/api/me') {
        await new Promise((_, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new DOMException('The request was given up on.', 'AbortError')));
        });
      }
      return real(input, init);
    };
  });
}

test("a phone's sync doesn't wait to hear who its worker is: a new phone knows from signing in, a known one from before", async () => {
  // Without the service worker, whose first taking over of a page reloads it at a moment the
  // test doesn't choose. What is tested is the app's order of requests.
  const context = await env.browser.newContext({ serviceWorkers: 'block' });
  await holdMe(context);
  const page = await context.newPage();
  let pulls = 0;
  page.on('request', (r) => r.url().includes('/api/sync/pull') && pulls++);
  await signIn(page, env.server.base, 'ash', '6159');
  // The question is never answered on this phone. Its first pull is asked for meanwhile (before,
  // nothing was), and what it brings shows at once, with who can see it (the sign-in said who
  // Ash's worker is), rather than "Getting your things…" for as long as the question hangs.
  await eventually(() => pulls > 0, 15_000, 'the first pull, beside the held question');
  const card = page.locator('li.card', { hasText: "I'm a good listener. My mates come to me." });
  await card.getByText('Who can see this: You and Sam').waitFor();
  assert.equal(await page.getByText(/no key worker/).count(), 0);

  // Something new from their other phone; this one opened again while the question still
  // hangs: what it kept shows at once, and the new strength is fetched.
  const other = await env.browser.newContext();
  const second = await other.newPage();
  await signIn(second, env.server.base, 'ash', '6159');
  await second.getByLabel('Something good about you').fill('I stood up for my friend today.');
  await second.getByRole('button', { name: 'Save', exact: true }).click();
  // The card first (drawn with the save's own count of changes to send), then the count sent:
  // "Everything is sent." alone was on screen before the tap too.
  await second.locator('li.card', { hasText: 'I stood up for my friend today.' }).waitFor();
  await second.getByText('Everything is sent.').waitFor();
  await other.close();
  await page.reload();
  await card.getByText('Who can see this: You and Sam').waitFor();
  await page.getByText('I stood up for my friend today.').waitFor({ timeout: 15_000 });
  await context.close();
});

test("staff on a new device are told their list is on its way while it is asked for, never that it is empty", async () => {
  // Sam supports kai, and kai shares things with the team.
  for (const [name, secret, waiting, empty] of [
    ['sam', 'demo-worker-pass', 'Getting the young people you support… They show here as soon as they arrive.', 'Nobody is assigned to you yet.'],
    ['dropin', 'demo-dropin-pass', 'Getting what young people share with the team… It shows here as soon as it arrives.', 'Nobody has shared anything with the team yet.'],
  ]) {
    const context = await env.browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    let release;
    const held = new Promise((resolve) => (release = resolve));
    await page.route(/\/api\/me$/, async (route) => {
      await held;
      await route.continue().catch(() => undefined);
    });
    await signIn(page, env.server.base, name, secret);
    await page.getByText(waiting).waitFor();
    assert.equal(await page.getByText(empty).count(), 0, `${name}: an unanswered question is not an empty list`);
    release();
    await page.getByRole('button', { name: /Open kai/ }).waitFor();
    assert.equal(await page.getByText(waiting).count(), 0);
    await context.close();
  }
});

test('words being typed are kept on the phone before Save, and come back after the page is lost', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'kai', '7093');
  const field = page.getByLabel('Something good about you');
  await field.fill('I taught my cousin to fix a puncture');
  // Kept on the phone as it is typed (a moment after the typing stops).
  await eventually(async () => (await keptOnDevice(page)).text.includes('I taught my cousin to fix a puncture'), 10_000, 'the draft kept on the phone');

  // The browser drops the page (a phone call, a closed tab): the words are still there.
  await page.reload();
  await page.getByText('Your words from before are still here. They are not saved until you press Save.').waitFor();
  assert.equal(await page.getByLabel('Something good about you').inputValue(), 'I taught my cousin to fix a puncture');

  // Saved, the draft is gone: a reload shows an empty field and no note.
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved. Only you can see it until you share it.').waitFor();
  await page.reload();
  await page.locator('li.card', { hasText: 'I taught my cousin to fix a puncture' }).waitFor();
  assert.equal(await page.getByLabel('Something good about you').inputValue(), '');
  assert.equal(await page.getByText('Your words from before are still here.').count(), 0);
  await context.close();
});

test("a change to a card's words is kept as it is typed, and the card opens again where it was after the page is lost", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'kai', '7093');
  await page.getByLabel('Something good about you').fill('I can change a tyre');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved. Only you can see it until you share it.').waitFor();

  const card = page.locator('li.card', { hasText: 'I can change a tyre' });
  await card.getByRole('button', { name: 'Change', exact: true }).click();
  await page.getByLabel('Change the words').fill('I can change a tyre in ten minutes');
  await eventually(async () => (await keptOnDevice(page)).text.includes('I can change a tyre in ten minutes'), 10_000, 'the change kept on the phone');

  // Away to another screen and back: the card is still open with the change.
  await page.getByRole('button', { name: /My goals/ }).click();
  await page.getByRole('heading', { name: 'My goals' }).waitFor();
  await page.getByRole('button', { name: 'Home' }).click();
  await eventually(async () => (await page.getByLabel('Change the words').inputValue()) === 'I can change a tyre in ten minutes', 10_000, 'the card open with the change');

  await page.reload();
  await page.getByText('Your changes from before are still here. They are not saved until you press Save.').waitFor();
  assert.equal(await page.getByLabel('Change the words').inputValue(), 'I can change a tyre in ten minutes');

  // Cancelled: the saved words stand, and nothing brings the change back.
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('li.card p.card__text', { hasText: /^I can change a tyre$/ }).waitFor();
  await eventually(async () => !(await keptOnDevice(page)).text.includes('in ten minutes'), 10_000, 'the change forgotten');
  await page.reload();
  await page.locator('li.card', { hasText: 'I can change a tyre' }).waitFor();
  assert.equal(await page.getByLabel('Change the words').count(), 0);
  await context.close();
});

test("a goal's words being changed are kept, the goal says so in the list, and Save says it is saved", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'kai', '7093');
  await page.getByRole('button', { name: /My goals/ }).click();
  await page.getByLabel('A new goal').fill('Swim a whole length');
  await page.getByRole('button', { name: 'Add goal' }).click();
  await page.getByRole('heading', { name: 'Swim a whole length' }).waitFor();
  await page.getByLabel('Why it matters to me (you can leave this empty)').fill('So I can go to the pool with my mates');
  await eventually(async () => (await keptOnDevice(page)).text.includes('with my mates'), 10_000, 'the change kept on the phone');

  // Left without saving: the list tells the truth about it.
  await page.getByRole('button', { name: '← Back to my goals' }).click();
  const listed = page.locator('li.card', { hasText: 'Swim a whole length' });
  await listed.getByText('Changes not saved yet').waitFor();

  await page.reload();
  await page.locator('li.card', { hasText: 'Swim a whole length' }).getByText('Changes not saved yet').waitFor();
  await page.locator('li.card', { hasText: 'Swim a whole length' }).getByRole('button', { name: /Open/ }).click();
  await page.getByText('Your changes from before are still here. They are not saved until you press Save.').waitFor();
  const why = page.getByLabel('Why it matters to me (you can leave this empty)');
  assert.equal(await why.inputValue(), 'So I can go to the pool with my mates');

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('status').filter({ hasText: /^Saved\.$/ }).waitFor();
  await page.getByRole('button', { name: '← Back to my goals' }).click();
  await page.locator('li.card', { hasText: 'Swim a whole length' }).waitFor();
  await eventually(async () => (await page.locator('li.card', { hasText: 'Swim a whole length' }).getByText('Changes not saved yet').count()) === 0, 10_000, 'the tag gone once saved');

  // Saved: opened again, the words are the goal's own, with no note about a change.
  await page.reload();
  await page.locator('li.card', { hasText: 'Swim a whole length' }).getByRole('button', { name: /Open/ }).click();
  await page.getByRole('heading', { name: 'Swim a whole length' }).waitFor();
  await eventually(async () => (await page.getByLabel('Why it matters to me (you can leave this empty)').inputValue()) === 'So I can go to the pool with my mates', 10_000, 'the saved why');
  assert.equal(await page.getByText('Your changes from before are still here.').count(), 0);
  await context.close();
});

test("a phone whose storage is full says the words were not saved and keeps them on the screen, then saves them once there is space", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const full = await fillableStorage(page);
  await signIn(page, env.server.base, 'kai', '7093');
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();
  await full(true);

  const field = page.getByLabel('Something good about you');
  await field.fill('I helped at the food bank');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: "That change was not saved: this phone's storage is full." }).waitFor();
  assert.equal(await field.inputValue(), 'I helped at the food bank', 'the words stay where they were typed');
  assert.equal(await page.getByText(/^Saved\./).count(), 0, 'nothing says it was saved');
  assert.equal(await page.locator('li.card', { hasText: 'I helped at the food bank' }).count(), 0);

  // Space again: the same Save works, and the notice goes.
  await full(false);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved. Only you can see it until you share it.').waitFor();
  await page.locator('li.card', { hasText: 'I helped at the food bank' }).waitFor();
  assert.equal(await page.getByRole('alert').filter({ hasText: 'That change was not saved' }).count(), 0);
  await context.close();
});

test("'I don't feel safe' on a phone with no storage left goes straight to the worker, and with no signal either says what to do instead", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const full = await fillableStorage(page);
  await signIn(page, env.server.base, 'kai', '7093');
  await page.getByText('Everything is sent.').waitFor();
  await full(true);

  // No signal and no space: nothing can carry it, and the young person is told what to do.
  await context.setOffline(true);
  await page.getByRole('button', { name: "I don't feel safe right now" }).click();
  await page.getByRole('button', { name: 'Yes, tell Sam' }).click();
  await page.getByRole('alert').filter({ hasText: 'Tandem could not send this, and this phone has no space to keep it' }).waitFor();
  assert.ok(await page.getByText('If you are in danger now, call 999.').first().isVisible());

  // Signal again: the same button sends it straight to the server.
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByText('Sent to Sam. Waiting for them to see it.').waitFor();
  const sam = await fetch(`${env.server.base}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'sam', secret: 'demo-worker-pass', device: crypto.randomUUID() }),
  }).then((r) => r.json());
  const alerts = await fetch(`${env.server.base}/api/alerts`, { headers: { authorization: `Bearer ${sam.access_token}` } }).then((r) => r.json());
  assert.equal(alerts.filter((a) => a.young_person_name === 'kai' && !a.seen_at).length, 1, JSON.stringify(alerts));
  await context.close();
});

test('signing out asks first when it would lose words: typed and not saved, or saved and not sent', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'kai', '7093');
  await page.getByText('Everything is sent.').waitFor();

  // Typed a moment ago, not saved: asked, and "Go back" keeps them.
  await page.getByLabel('Something good about you').fill('I can juggle three balls');
  await page.getByRole('button', { name: 'Sign out' }).click();
  const asking = page.getByRole('alertdialog', { name: 'Some words you typed are not saved' });
  await asking.waitFor();
  await asking.getByRole('button', { name: 'Go back to them' }).click();
  await asking.waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Something good about you').inputValue(), 'I can juggle three balls');

  // Saved with no signal: not sent yet, so asked again, for that.
  await context.setOffline(true);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved. Only you can see it until you share it.').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  const unsent = page.getByRole('alertdialog', { name: '1 change is not sent yet' });
  await unsent.waitFor();
  assert.equal(await unsent.getByText(/words you typed/).count(), 0, 'the saved words are not counted as typed');
  await unsent.getByRole('button', { name: 'Wait and send' }).click();
  await unsent.waitFor({ state: 'detached' });

  // Sent: signing out asks nothing.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.getByText('Everything is sent.').waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.equal(await page.getByRole('alertdialog').count(), 0);
  await context.close();
});

test('when the server no longer takes this version, the app gets the new one and offers it; updating keeps the unsent words and sends them', async () => {
  const context = await env.browser.newContext();
  // The version installed here differs from the server's (its service worker script has one more
  // line), so the next time the browser checks it finds a new version. (Chromium fetches for an
  // update check past Playwright's routing; either way, only the first fetch is changed.)
  let served = 0;
  await context.route('**/sw.js', async (route) => {
    const response = await route.fetch();
    const body = (await response.text()) + (served++ === 0 ? '\n// the version installed before\n' : '');
    await route.fulfill({ response, body });
  });
  const page = await context.newPage();
  // Counts the app's own asks for a new version (the browser also checks by itself, at times).
  await page.addInitScript(() => {
    const update = ServiceWorkerRegistration.prototype.update;
    window.updateChecks = 0;
    ServiceWorkerRegistration.prototype.update = function () {
      window.updateChecks += 1;
      return update.call(this);
    };
  });
  await signIn(page, env.server.base, 'kai', '7093');
  await waitForServiceWorker(page);
  await page.getByText('Everything is sent.').waitFor();
  assert.equal(await page.evaluate(() => window.updateChecks), 0, 'nothing asked for a new version while the server took this one');

  // The server refuses this version's changes from now on.
  let refusing = true;
  await context.route('**/api/sync/push', (route) =>
    refusing
      ? route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: 'unsupported_version', message: 'This version of the app is too old.' }) })
      : route.fallback(),
  );
  await page.getByLabel('Something good about you').fill('I kept going when it was hard');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(/Tandem needs updating before it can send\. Your changes are still saved here\./).waitFor();
  await page.waitForFunction(() => window.updateChecks > 0);
  const update = page.getByRole('button', { name: 'Update now' });
  await update.waitFor({ timeout: 20_000 });
  await assertAccessible(page, 'a new version offered');

  // The new version takes over (the page reloads), the words are still here, and they are sent.
  // Waited for as a new page, not as the button gone: if the browser's first fetch of sw.js
  // went past the routing above, the version taken over is the changed one, and the page it
  // opens finds the server's again, and offers that too.
  refusing = false;
  await page.evaluate(() => { window.beforeUpdate = true; });
  await update.click();
  await eventually(async () => !(await page.evaluate(() => window.beforeUpdate).catch(() => true)), 30_000, 'the page reloaded into the new version');
  await page.getByText('I kept going when it was hard').first().waitFor();
  await page.getByText('Everything is sent.').waitFor({ timeout: 15_000 });
  const kai = await api(env.server.base, 'kai', '7093');
  assert.ok((await kai.texts()).includes('I kept going when it was hard'));
  await context.close();
});

test("a browser that lets Tandem keep nothing says it can't keep words safe there and what to do, and never sits at 'Opening…'", async () => {
  const context = await env.browser.newContext();
  // As in a private window of some browsers, or with site storage turned off.
  await context.addInitScript(() => {
    IDBFactory.prototype.open = function () {
      throw new DOMException('The user denied permission to access the database.', 'SecurityError');
    };
  });
  const page = await context.newPage();
  await page.goto(env.server.base + '/');
  await page.getByRole('heading', { name: "Tandem can't open in this window" }).waitFor();
  await page.getByText('Open Tandem in a normal browser window').waitFor();
  assert.equal(await page.getByText('Opening…').count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Sign in' }).count(), 0, 'no sign-in that could keep nothing');
  await page.getByRole('button', { name: 'Leave quickly' }).waitFor();
  await assertAccessible(page, 'storage blocked');
  await context.close();
});
