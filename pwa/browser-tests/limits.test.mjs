import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, assertAccessible, eventually, serverAndBrowser, signIn } from './harness.mjs';

const env = serverAndBrowser();

test('words too long to send are held back with a plain count, never saved and then refused; pasted tabs are tidied, not refused', async () => {
  const base = env.server.base;
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, base, 'kai', '7093');
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
    const texts = (await (await api(base, 'kai', '7093')).texts()).filter((t) => t?.startsWith('When I go quiet'));
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

test('Save with nothing written says what to write, and a goal is never saved with no words', async () => {
  const base = env.server.base;
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, base, 'mo', '5286');
  const before = (await (await api(base, 'mo', '5286')).records()).length;

  // A new goal of only spaces: asked for, in the field's own words, and nothing is made.
  await page.getByRole('button', { name: /My goals/ }).click();
  const newGoal = page.getByLabel('A new goal');
  await newGoal.fill('   ');
  await page.getByRole('button', { name: 'Add goal' }).click();
  await page.getByText('Write your goal here first.').waitFor();
  await eventually(() => newGoal.evaluate((el) => el === document.activeElement), 5_000, 'the field taking focus');
  await assertAccessible(page, 'a goal added with no words');
  // Typing takes the ask away; the goal is made and the form is clear, asking nothing.
  await newGoal.fill('Go to the gym');
  await page.getByText('Write your goal here first.').waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Add goal' }).click();
  await page.getByRole('heading', { level: 1, name: 'Go to the gym' }).waitFor();

  // Its words emptied on the goal's page: not saved, and the way to remove it is named.
  await page.getByLabel('My goal', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(/Your goal needs some words\. To remove it, use "Remove this goal"/).waitFor();
  assert.equal(await page.getByText('Saved.', { exact: true }).count(), 0, 'nothing said saved');
  // A step of no words: asked for too.
  await page.getByRole('button', { name: 'Add step' }).click();
  await page.getByText('Write the step here first.').waitFor();
  await page.getByLabel('My goal', { exact: true }).fill('Go to the gym twice a week');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved.', { exact: true }).waitFor();
  await page.getByText('Everything is sent.').waitFor();
  const titles = (await (await api(base, 'mo', '5286')).records()).filter((r) => r.kind === 'goal').map((r) => r.fields.title?.value.value);
  assert.ok(titles.includes('Go to the gym twice a week'), `the goal as saved: ${titles}`);
  assert.ok(!titles.includes(''), `no goal without words: ${titles}`);
  assert.equal((await (await api(base, 'mo', '5286')).records()).length, before + 1, 'one goal made, no more');

  // A strength's words emptied while changing them: asked, with the way back.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByLabel('Something good about you').fill('I am kind to my little brother');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const card = page.locator('li.card', { hasText: 'I am kind to my little brother' });
  await card.getByRole('button', { name: 'Change', exact: true }).click();
  const editing = page.locator('li.card', { has: page.getByLabel('Change the words') });
  await editing.getByLabel('Change the words').fill(' ');
  await editing.getByRole('button', { name: 'Save', exact: true }).click();
  await editing.getByText('Write something here first, or press Cancel to leave it as it was.').waitFor();
  await editing.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('li.card', { hasText: 'I am kind to my little brother' }).getByRole('button', { name: 'Change', exact: true }).waitFor();
  await context.close();
});
