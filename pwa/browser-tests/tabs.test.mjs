import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, eventually, metric, serverAndBrowser, signIn, waitForServiceWorker } from './harness.mjs';

const env = serverAndBrowser();

test('an edit made offline in a tab closed before signal returns is sent when the app next opens', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'mo', '9876');
  await waitForServiceWorker(page);
  await context.setOffline(true);
  await page.getByLabel('Something good about you').fill('I stood up for my friend');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(/Waiting for signal/).first().waitFor();
  await page.close();
  await context.setOffline(false);

  const mo = await api(env.server.base, 'mo', '9876');
  assert.ok(!(await mo.texts()).includes('I stood up for my friend'));
  const reopened = await context.newPage();
  await reopened.goto(env.server.base + '/');
  await eventually(async () => (await mo.texts()).includes('I stood up for my friend'), 20_000, 'the edit sent on reopening');
  await context.close();
});

test('two tabs open at once send each edit exactly once', async () => {
  const context = await env.browser.newContext();
  const first = await context.newPage();
  await signIn(first, env.server.base, 'kai', '1357');
  const second = await context.newPage();
  await second.goto(env.server.base + '/');
  await second.getByRole('button', { name: 'Sign out' }).waitFor();
  const before = await metric(env.server.base, 'tandem_ops_applied_total');

  const words = ['Good at maths', 'Funny', 'Loyal', 'Brave'];
  for (const [i, w] of words.entries()) {
    const tab = i % 2 === 0 ? first : second;
    await tab.getByLabel('Something good about you').fill(w);
    await tab.getByRole('button', { name: 'Save', exact: true }).click();
  }
  const kai = await api(env.server.base, 'kai', '1357');
  await eventually(async () => {
    const texts = await kai.texts();
    return words.every((w) => texts.includes(w));
  }, 20_000, 'all four on the server');
  // Both tabs show all four (the other tab hears through BroadcastChannel or a pull).
  for (const tab of [first, second]) for (const w of words) await tab.getByText(w, { exact: true }).first().waitFor();
  await first.getByText('Everything is sent.').waitFor();
  await second.getByText('Everything is sent.').waitFor();
  const sent = (await metric(env.server.base, 'tandem_ops_applied_total')) - before;
  assert.equal(sent, words.length, 'each edit reached the server once, and no operation was sent twice');
  const texts = await kai.texts();
  for (const w of words) assert.equal(texts.filter((t) => t === w).length, 1, `${w} stored once`);
  await context.close();
});
