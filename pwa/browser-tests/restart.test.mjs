import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser, signIn } from './harness.mjs';

const env = serverAndBrowser();

test("the server is killed and restarted: the worker's open screen reconnects and shows what was shared since, without a reload", async () => {
  const wk = await env.browser.newContext();
  const yp = await env.browser.newContext();
  const sam = await wk.newPage();
  const kai = await yp.newPage();
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('button', { name: /Open kai/ }).click();
  await signIn(kai, env.server.base, 'kai', '1357');
  await sam.evaluate(() => {
    window.__notReloaded = true;
  });

  await env.server.restart('SIGKILL');

  // Kai writes and shares straight after the restart, while Sam's screen is still reconnecting.
  await kai.getByRole('button', { name: /What I want you to know/ }).click();
  await kai.getByLabel('What you want people to know').fill('Please text, I can’t always talk');
  await kai.getByRole('button', { name: 'Save', exact: true }).click();
  const card = kai.locator('li.card', { hasText: 'Please text, I can’t always talk' });
  await card.locator('summary').click();
  await card.getByLabel('Me and my worker').check();
  await kai.getByText('Everything is sent.').waitFor({ timeout: 20_000 });

  await sam.getByText('Please text, I can’t always talk').waitFor({ timeout: 20_000 });
  assert.equal(await sam.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
  await wk.close();
  await yp.close();
});
