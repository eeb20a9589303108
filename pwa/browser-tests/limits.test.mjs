import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, assertAccessible, eventually, serverAndBrowser, signIn } from './harness.mjs';

const env = serverAndBrowser();

test('words too long to send are held back with a plain count, never saved and then refused; pasted tabs are tidied, not refused', async () => {
  const base = env.server.base;
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, base, 'kai', '1357');
  await page.getByRole('button', { name: /What I want you to know/ }).click();
  const field = page.getByLabel('What you want people to know');
  const sentence = 'When I go quiet it does not mean I am fine, please ask me again later. ';
  const tooLong = sentence.repeat(30).trim(); // 2,129 characters
  await field.fill(tooLong);
  await page.getByText(/2,129 of 2,000 characters\. That is too long to save/).waitFor();
  await assertAccessible(page, 'a statement too long to save');
  await page.getByRole('button', { name: 'Save', exact: true }).click();

  // Shortened, with a tab pasted in from elsewhere: saved, sent, and stored with a space.
  const fits = `${sentence.repeat(20).trim()}\tThank you.`;
  await field.fill(fits);
  await page.getByText(/That is too long/).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('li.card', { hasText: 'please ask me again later. Thank you.' }).waitFor();
  await page.getByText('Everything is sent.').waitFor();

  const stored = await eventually(async () => {
    const texts = (await (await api(base, 'kai', '1357')).texts()).filter((t) => t?.startsWith('When I go quiet'));
    return texts.length > 0 && texts;
  }, 15_000, 'the statement on the server');
  assert.deepEqual(stored, [fits.replace('\t', ' ')], 'only the shortened words were saved, with the tab as a space');
  assert.equal(await field.inputValue(), '', 'the form cleared once they were saved');
  // Nothing was refused, so home has no "Changes that couldn't be sent".
  await page.getByRole('button', { name: 'Home', exact: true }).click();
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: "Changes that couldn't be sent" }).count(), 0);
  await context.close();
});
