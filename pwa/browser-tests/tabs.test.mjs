import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, eventually, keptOnDevice, metric, serverAndBrowser, signIn, waitForServiceWorker } from './harness.mjs';

const env = serverAndBrowser();

test('an edit made offline in a tab closed before signal returns is sent when the app next opens', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'mo', '5286');
  await waitForServiceWorker(page);
  await context.setOffline(true);
  await page.getByLabel('Something good about you').fill('I stood up for my friend');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(/Waiting for signal/).first().waitFor();
  // Unloaded before it is closed: a page being closed loses its emulated "offline" as it goes,
  // and on a busy machine its app could still hear "online" and send (seen under stress-ng).
  await page.goto('about:blank');
  await page.close();
  await context.setOffline(false);

  const mo = await api(env.server.base, 'mo', '5286');
  assert.ok(!(await mo.texts()).includes('I stood up for my friend'));
  const reopened = await context.newPage();
  await reopened.goto(env.server.base + '/');
  await eventually(async () => (await mo.texts()).includes('I stood up for my friend'), 20_000, 'the edit sent on reopening');
  await context.close();
});

test('two tabs open at once send each edit exactly once', async () => {
  const context = await env.browser.newContext();
  const first = await context.newPage();
  await signIn(first, env.server.base, 'kai', '7093');
  const second = await context.newPage();
  await second.goto(env.server.base + '/');
  await second.getByRole('button', { name: 'Sign out' }).waitFor();
  const before = await metric(env.server.base, 'tandem_ops_applied_total');

  // Two saves in a row in each tab: the second is written in one go from what the first left,
  // and the first after the other tab's saves finds them and is written after reading.
  const words = ['Good at maths', 'Funny', 'Loyal', 'Brave', 'Kind', 'Patient'];
  for (const [i, w] of words.entries()) {
    const tab = Math.floor(i / 2) % 2 === 0 ? first : second;
    await tab.getByLabel('Something good about you').fill(w);
    await tab.getByRole('button', { name: 'Save', exact: true }).click();
  }
  const kai = await api(env.server.base, 'kai', '7093');
  await eventually(async () => {
    const texts = await kai.texts();
    return words.every((w) => texts.includes(w));
  }, 20_000, 'all six on the server');
  // Both tabs show all six (the other tab hears through BroadcastChannel or a pull).
  for (const tab of [first, second]) for (const w of words) await tab.getByText(w, { exact: true }).first().waitFor();
  await first.getByText('Everything is sent.').waitFor();
  await second.getByText('Everything is sent.').waitFor();
  const sent = (await metric(env.server.base, 'tandem_ops_applied_total')) - before;
  assert.equal(sent, words.length, 'each edit reached the server once, and no operation was sent twice');
  const texts = await kai.texts();
  for (const w of words) assert.equal(texts.filter((t) => t === w).length, 1, `${w} stored once`);
  await context.close();
});

test('words typed while the last save is still writing are kept, and a second tap saves once', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'kai', '7093');
  // Hold the store busy, as a slow phone does, so the save waits while the next words are typed.
  await page.evaluate(() => new Promise((started) => {
    const req = indexedDB.open('tandem');
    req.onsuccess = () => {
      const store = req.result.transaction('meta', 'readwrite').objectStore('meta');
      const spin = () => {
        if (!window.releaseStore) store.get('seq').onsuccess = spin;
      };
      window.releaseStore = false;
      spin();
      started();
    };
  }));
  const box = page.getByLabel('Something good about you');
  await box.fill('I keep going');
  const save = page.getByRole('button', { name: 'Save', exact: true });
  await save.click();
  await save.click();
  await box.fill('I am kind to animals');
  await page.evaluate(() => { window.releaseStore = true; });
  await page.getByText('I keep going', { exact: true }).first().waitFor();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  assert.equal(await box.inputValue(), 'I am kind to animals', 'the words typed during the save are still in the box');
  const kai = await api(env.server.base, 'kai', '7093');
  await eventually(async () => (await kai.texts()).includes('I keep going'), 20_000, 'the first words on the server');
  await page.getByText('Everything is sent.').waitFor();
  assert.equal((await kai.texts()).filter((t) => t === 'I keep going').length, 1, 'two taps saved it once');
  await context.close();
});

test('signing out in one tab signs out the other tabs too, and leaves nothing on the device', async () => {
  const context = await env.browser.newContext();
  const first = await context.newPage();
  await signIn(first, env.server.base, 'kai', '7093', { shared: true });
  await first.getByLabel('Something good about you').fill('I fixed the bike chain myself');
  await first.getByRole('button', { name: 'Save', exact: true }).click();
  await first.getByText('Everything is sent.').waitFor();
  const second = await context.newPage();
  await second.goto(env.server.base + '/');
  // The second tab opens locked (a lent tablet): unlocked, it shows the same things.
  await second.getByRole('heading', { name: 'Locked' }).waitFor();
  await second.getByLabel('Your PIN or password').fill('7093');
  await second.getByRole('button', { name: 'Unlock' }).click();
  await second.getByText('I fixed the bike chain myself').first().waitFor();

  await first.getByRole('button', { name: 'Sign out' }).click();
  await first.getByRole('heading', { name: 'Sign in' }).waitFor();
  // The other tab shows none of it either, without anyone touching it.
  await second.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await second.getByText('I fixed the bike chain myself').count(), 0);
  const left = await keptOnDevice(first);
  assert.ok(!left.text.includes('bike chain'), 'no words left in IndexedDB or Cache Storage');
  assert.deepEqual(left.stored, [], 'IndexedDB holds nothing');
  await context.close();
});
