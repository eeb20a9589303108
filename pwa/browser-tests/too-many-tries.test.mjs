// Guessing from one address is stopped for a while, and the app says so truthfully: not "no
// signal" (which would send someone looking for a better bar), but when to try again.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { serverAndBrowser } from './harness.mjs';

const env = serverAndBrowser();

test('after too many wrong invite codes from here, sign-in says when to try again, not that there is no signal', async () => {
  const guess = (i) =>
    fetch(`${env.server.base}/api/auth/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: `WRONG-CODE-${String(i).padStart(4, '0')}`, name: 'guesser', secret: '0000', device: randomUUID() }),
    }).then((r) => r.status);
  // The demo's limit is 50 failures an address in 15 minutes.
  const statuses = [];
  for (let batch = 0; batch < 5; batch++) statuses.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => guess(batch * 10 + i)))));
  assert.deepEqual([...new Set(statuses)], [401], 'each wrong code refused as a wrong credential');
  assert.equal(await guess(50), 429, 'then the address is stopped');

  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.server.base + '/');
  await page.getByLabel('Your name').fill('ash');
  await page.getByLabel('Your PIN or password').fill('6159');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const problem = page.getByRole('alert').filter({ hasText: /try again in (a minute|\d+ minutes)/ });
  await problem.waitFor();
  assert.ok(!/signal/i.test(await problem.innerText()), await problem.innerText());
  await context.close();
});
