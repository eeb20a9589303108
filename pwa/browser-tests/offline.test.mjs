import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, eventually, serverAndBrowser, signIn, waitForServiceWorker } from './harness.mjs';

const env = serverAndBrowser();

test('the app starts offline, keeps what was written offline, and sends it when signal returns', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'kai', '1357');
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

  const kai = await api(env.server.base, 'kai', '1357');
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
