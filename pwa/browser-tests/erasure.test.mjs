// A young person deletes their account (warnings, a copy first, a week to change their mind, or
// at once), and is told on their open app when their case is closed and when their things will go.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { api, asAdmin, assertAccessible, eventually, serverAndBrowser, signIn } from './harness.mjs';

const env = serverAndBrowser();

test('deleting my account: what goes, a copy first, a week to change my mind by signing in', async () => {
  const context = await env.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, env.server.base, 'kai', '7093');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('heading', { name: 'Delete my account' }).waitFor();
  for (const warning of [/your goals and how you rated them/, /things your worker wrote for you/, /alerts you sent/, /who has seen your things/]) {
    await page.getByText(warning).waitFor();
  }
  await assertAccessible(page, 'delete my account');

  // A copy first: the download holds their things.
  await page.getByRole('button', { name: 'Save a copy of my things first' }).click();
  await page.getByText('The file also says who has seen your things.').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download my things' }).click()]);
  const copy = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.ok(copy.strengths.some((s) => s.text === "I'm good at fixing bikes." && s.who_can_see), JSON.stringify(copy));
  assert.ok(copy.goals.some((g) => g.title === 'Learn to drive' && g.where_i_am), JSON.stringify(copy));
  assert.ok(!JSON.stringify(copy).includes('"device"'), 'no device ids in their copy');
  assert.ok(Array.isArray(copy.who_has_seen), `online, the copy holds who has seen their things: ${JSON.stringify(copy.who_has_seen)}`);

  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('button', { name: 'Delete in 7 days' }).click();
  await page.getByRole('alertdialog').getByText(/sign in again within 7 days/).waitFor();
  await assertAccessible(page, 'delete in 7 days: are you sure?');
  await page.getByRole('button', { name: 'Yes, delete in 7 days' }).click();
  await page.getByText(/Your account will be deleted on .+ You have been signed out/).waitFor();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'signed out on this phone');

  // Changing their mind: signing in keeps the account, and says so.
  await page.getByLabel('Your name').fill('kai');
  await page.getByLabel('Your PIN or password').fill('7093');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Welcome back. Your account will not be deleted.').waitFor();
  await eventually(async () => (await page.locator('li.card').count()) > 0, 15_000, 'their things back on the phone');
  await context.close();
});

test('deleting my account now: everything goes at once', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'mo', '5286');
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await page.getByRole('button', { name: 'Delete now' }).click();
  await page.getByRole('alertdialog').getByText("It all goes straight away, and it can't be brought back.").waitFor();
  // Keeping it is one press away.
  await page.getByRole('button', { name: 'Keep my account' }).click();
  await page.getByRole('button', { name: 'Delete now' }).click();
  await page.getByRole('button', { name: 'Yes, delete it all now' }).click();
  await page.getByText('Your account has been deleted. Everything in it has gone.').waitFor();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await assert.rejects(api(env.server.base, 'mo', '5286'), /sign in mo: 401/);
  const boss = await asAdmin(env.server.base);
  assert.equal(await boss.idOf('mo'), undefined, 'gone from the service');
  await context.close();
});

test('a closed case: the young person is told when their things will go, and can save a copy', async () => {
  const boss = await asAdmin(env.server.base);
  const ash = await boss.idOf('ash');
  assert.ok(ash, 'ash is in the demo');
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'ash', '6159');
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();
  const office = await env.browser.newContext();
  const sam = await office.newPage();
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('heading', { name: 'Young people you support' }).waitFor();
  // Closed while their app is open: the notice comes to the open screen, and to their worker's.
  await boss.post(`/api/admin/people/${ash}/close-case`);
  await sam.locator('li.card', { has: sam.getByRole('heading', { name: 'ash' }) }).getByText(/Case closed on .*Their things will be erased on/).waitFor();
  const notice = page.locator('#closed-case');
  await notice.getByText('Your support here has ended').waitFor();
  const expected = new Date(Date.now() + 183 * 86_400_000).getFullYear();
  await notice.getByText(new RegExp(`Your things stay in Tandem until .*${expected}`)).waitFor();
  await assertAccessible(page, 'home with the closed-case notice');
  await notice.getByRole('button', { name: 'Save a copy of my things' }).click();
  await page.getByRole('heading', { name: 'Save or print my things' }).waitFor();

  // Reopened: the notice goes from the open screen, without a reload.
  await boss.post(`/api/admin/people/${ash}/reopen-case`);
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('heading', { name: 'Good things about you' }).waitFor();
  await eventually(async () => (await notice.count()) === 0, 15_000, 'the notice to go');
  await eventually(async () => (await sam.getByText(/Case closed on/).count()) === 0, 15_000, "the worker's line to go");
  await office.close();
  await context.close();
});
