import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, eventually, serverAndBrowser, signIn } from './harness.mjs';

const env = serverAndBrowser();

test('an item left private never reaches the worker; sharing it makes it appear', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'ash', '2468');
  await page.getByRole('button', { name: /What I want you to know/ }).click();
  await page.getByLabel('What you want people to know').fill('I need time before I answer questions');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Only you can see it until you share it.').waitFor();
  await page.getByText('Everything is sent.').waitFor();

  const ash = await api(env.server.base, 'ash', '2468');
  await eventually(async () => (await ash.texts()).includes('I need time before I answer questions'), 10_000, 'on the server');
  const sam = await api(env.server.base, 'sam', 'demo-worker-pass');
  assert.ok(!(await sam.texts()).includes('I need time before I answer questions'), 'private: the worker cannot pull it');

  const card = page.locator('li.card', { hasText: 'I need time before I answer questions' });
  await card.getByText(/Who can see this: Only you/).click();
  await card.getByLabel('Me and my worker').check();
  await card.getByText('Right now: You and Sam.').waitFor();
  await eventually(async () => (await sam.texts()).includes('I need time before I answer questions'), 10_000, 'the worker sees it once shared');
  await context.close();
});
