import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, post, serverAndBrowser, signIn, waitForServiceWorker } from './harness.mjs';

const env = serverAndBrowser();

/** A pull of any page but the first. */
const LATER_PAGES = /\/api\/sync\/pull\?since=[1-9]/;

/** Writes `statements` private statements, then one strength, as `name` on a device of its own:
 *  more than one pull page (500), the strength on the last. */
async function seed(base, name, secret, statements, strength) {
  const device = crypto.randomUUID();
  const signedIn = (await post(base, '/api/auth/sign-in', { name, secret, device })).body;
  const op = (seq, kind, field, value) => ({
    seq,
    record: crypto.randomUUID(),
    kind,
    owner: signedIn.person,
    hlc: { ms: Date.now(), count: seq },
    changes: [{ set: { field, value }, base: null }],
  });
  const ops = Array.from({ length: statements }, (_, i) => op(i + 1, 'statement', 'text', `Statement number ${i + 1}`));
  for (let from = 0; from < ops.length; from += 200) {
    const answer = await post(base, '/api/sync/push', { protocol: 1, schema: 1, device, ops: ops.slice(from, from + 200) }, signedIn.access_token);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  }
  const last = await post(base, '/api/sync/push', { protocol: 1, schema: 1, device, ops: [op(statements + 1, 'strength', 'text', strength)] }, signedIn.access_token);
  assert.equal(last.status, 200, JSON.stringify(last.body));
}

test("a first sync cut short after its first page says the rest is on its way, opened again with no signal too, never that there is nothing; the rest comes with signal", async () => {
  await seed(env.server.base, 'mo', '5286', 520, 'Good with animals');
  const context = await env.browser.newContext();
  const page = await context.newPage();
  // Every page after the first is lost on the way, as when the signal goes mid-sync.
  await page.route(LATER_PAGES, (route) => route.abort());
  await signIn(page, env.server.base, 'mo', '5286');
  await waitForServiceWorker(page);
  // The first page is in and shown: 500 statements, no strength yet.
  await page.getByRole('button', { name: 'What I want you to know (500)' }).waitFor({ timeout: 30_000 });
  const getting = page.getByText('Getting your things… They show here as soon as they arrive.');
  await getting.waitFor();
  assert.equal(await page.getByText(/Nothing here yet/).count(), 0);

  // Opened again with no signal: what it has, and still no "nothing here".
  await context.setOffline(true);
  await page.reload();
  await page.getByRole('button', { name: 'What I want you to know (500)' }).waitFor({ timeout: 30_000 });
  await getting.waitFor();
  assert.equal(await page.getByText(/Nothing here yet/).count(), 0);

  // Signal back: the rest arrives.
  await page.unroute(LATER_PAGES);
  await context.setOffline(false);
  await page.getByText('Good with animals').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'What I want you to know (521)' }).click();

  // The newest 20 of 521 drawn; a statement saved lengthens the list under them, its top card
  // stays where the young person saw it.
  const earlier = page.getByRole('button', { name: 'Show 20 earlier (501 not shown)' });
  await earlier.waitFor();
  const cards = page.locator('ul.cards > li.card');
  const top = await cards.first().textContent();
  await page.getByLabel('What you want people to know').fill('Written after the catch-up');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await cards.filter({ hasText: 'Written after the catch-up' }).waitFor();
  assert.equal(await cards.count(), 21);
  assert.equal(await cards.first().textContent(), top);
  assert.ok(await earlier.isVisible(), 'still 501 not shown');

  // The new card is at the foot of a long list, out of sight under the form: "See it" brings it
  // into view and to the keyboard's focus, where who can see it is changed.
  const inView = (text) =>
    page.evaluate((t) => {
      const card = [...document.querySelectorAll('li.card')].find((li) => li.textContent?.includes(t));
      const box = card?.getBoundingClientRect();
      return box !== undefined && box.top >= 0 && box.bottom <= window.innerHeight;
    }, text);
  assert.equal(await inView('Written after the catch-up'), false, 'saved below the fold');
  await page.getByRole('button', { name: 'See it and who can see it' }).click();
  await page.waitForFunction(() => document.activeElement?.matches('li.card') && document.activeElement.textContent?.includes('Written after the catch-up'));
  await eventually(() => inView('Written after the catch-up'), 15_000, 'the saved card in view');
  // Typing again means the next words: the link to the last ones goes.
  await page.getByLabel('What you want people to know').fill('More');
  await page.getByRole('button', { name: 'See it and who can see it' }).waitFor({ state: 'detached' });
  await context.close();
});
