import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, assertAccessible, eventually, post, serverAndBrowser, signIn, writeAndShare } from './harness.mjs';

const env = serverAndBrowser();

test("the server is killed and restarted: the worker's open screen reconnects and shows what was shared since, without a reload", async () => {
  const wk = await env.browser.newContext();
  const yp = await env.browser.newContext();
  const sam = await wk.newPage();
  const kai = await yp.newPage();
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('button', { name: /Open kai/ }).click();
  await signIn(kai, env.server.base, 'kai', '7093');
  await sam.evaluate(() => {
    window.__notReloaded = true;
  });

  await env.server.restart('SIGKILL');

  // Kai writes and shares straight after the restart, while Sam's screen is still reconnecting.
  await writeAndShare(kai, 'Please text, I can’t always talk');
  await kai.getByText('Everything is sent.').waitFor({ timeout: 20_000 });

  await sam.getByText('Please text, I can’t always talk').waitFor({ timeout: 20_000 }).catch(async (e) => {
    // Seen once in many runs (two files at a time, no stress-ng): what each screen showed, for
    // whoever reads a failed run.
    console.error('Sam saw:', (await sam.locator('main').innerText()).slice(0, 600));
    console.error('Kai saw:', (await kai.locator('main').innerText()).slice(0, 600));
    throw e;
  });
  assert.equal(await sam.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
  await wk.close();
  await yp.close();
});

/** A young person's phone, signed in, and another device of theirs reading what the server
 *  holds (signed in again with `readAgain` after a restore, which may not know its sign-in). */
async function phoneAndReader(name, pin) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, name, pin);
  let reader = await api(env.server.base, name, pin);
  return {
    context,
    page,
    async write(words) {
      await page.getByLabel('Something good about you').fill(words);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText(words).first().waitFor();
    },
    /** How many times the server holds these words. */
    async onServer(words) {
      return (await reader.texts()).filter((t) => t === words).length;
    },
    async readAgain() {
      reader = await api(env.server.base, name, pin);
    },
  };
}

test("the server is restored from last night's backup: the phone gives back the words sent since, and what it writes next goes too", async () => {
  const kai = await phoneAndReader('kai', '7093');
  await kai.write('I stood up for my friend');
  await eventually(async () => (await kai.onServer('I stood up for my friend')) === 1, 20_000, 'the first words stored');
  const backup = env.server.backup();
  await kai.write('I went to every session this month');
  await eventually(async () => (await kai.onServer('I went to every session this month')) === 1, 20_000, 'the words after the backup stored');

  // The phone is out of signal while the server is restored and looked at: back in reach, it
  // gives the words back so soon that a look taken then could already find them.
  await kai.context.setOffline(true);
  await env.server.restoreFrom(backup);
  await kai.readAgain();
  assert.equal(await kai.onServer('I went to every session this month'), 0, 'the restored server has lost the words sent after the backup');
  await kai.context.setOffline(false);

  // The phone finds the server behind when its live updates reconnect, and gives the words back.
  await eventually(async () => (await kai.onServer('I went to every session this month')) === 1, 30_000, 'the lost words given back');
  await kai.write('I asked for help when I needed it');
  await eventually(async () => (await kai.onServer('I asked for help when I needed it')) === 1, 20_000, 'new words after the restore stored');
  await kai.page.getByText('Everything is sent.').waitFor();
  assert.equal(await kai.onServer('I stood up for my friend'), 1, 'nothing stored twice');
  assert.equal(await kai.onServer('I went to every session this month'), 1, 'nothing stored twice');
  await kai.context.close();
});

test("restored from a backup older than the phone's last sign-in renewal: it is asked to sign in again, keeps its words, and gives them back", async () => {
  const ash = await phoneAndReader('ash', '6159');
  const backup = env.server.backup();
  await ash.write('I made it to my appointment on time');
  await eventually(async () => (await ash.onServer('I made it to my appointment on time')) === 1, 20_000, 'the words after the backup stored');
  // Opening the app again renews its sign-in: the restored server will not know the new one.
  await ash.page.reload();
  await ash.page.getByText('Everything is sent.').waitFor();

  // Out of signal while the server is restored and looked at (as above): its sign-in is still
  // good for a few minutes, so back in reach it could give the words back before the look.
  await ash.context.setOffline(true);
  await env.server.restoreFrom(backup);
  await ash.readAgain();
  assert.equal(await ash.onServer('I made it to my appointment on time'), 0, 'the restored server has lost them');
  await ash.context.setOffline(false);
  await ash.page.reload();
  await ash.page.getByRole('heading', { name: 'Sign in again' }).waitFor();
  // Told why, and what to do if the PIN chosen since no longer works.
  const why = ash.page.locator('#restored-note');
  await why.filter({ hasText: 'Tandem went back to a copy of its data from earlier' }).waitFor();
  await why.filter({ hasText: "If you changed your PIN since then, it won't work: use a new code from your worker." }).waitFor();
  await ash.page.getByLabel('Your name').fill('ash');
  await ash.page.getByLabel('Your PIN or password').fill('6159');
  await ash.page.getByRole('button', { name: 'Sign in' }).click();

  await eventually(async () => (await ash.onServer('I made it to my appointment on time')) === 1, 30_000, 'the words given back after signing in again');
  await ash.page.getByText('I made it to my appointment on time').first().waitFor();
  await ash.page.getByText('Everything is sent.').waitFor();
  await ash.context.close();
});

test('a PIN changed after the backup that was restored: the admin console says who needs a new code, and the code lets them choose one', async () => {
  const backup = env.server.backup();
  // Mo changes their PIN (someone saw it) after the backup.
  const mo = await post(env.server.base, '/api/auth/sign-in', { name: 'mo', secret: '5286', device: crypto.randomUUID() });
  const changed = await post(env.server.base, '/api/me/password', { current: '5286', new: '5074' }, mo.body.access_token);
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  await env.server.restoreFrom(backup);

  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'admin', 'demo-admin-pass');
  await page.getByRole('button', { name: 'People' }).click();
  const row = page.getByRole('row', { name: /^mo / });
  await row.getByText('Needs a new code: the PIN they chose was lost when the data was restored').waitFor();
  await assertAccessible(page, 'people, after a restore');
  await row.getByRole('button', { name: 'New code (forgotten PIN) for mo' }).click();
  const code = (await page.getByTestId('admin-invite-code').textContent()).trim();
  const joined = await post(env.server.base, '/api/auth/join', { code, name: 'mo', secret: '3816', device: crypto.randomUUID() });
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  // Reloaded, the console opens on the same screen (its address is in the history).
  await page.reload();
  await page.getByRole('row', { name: /^mo / }).getByText('Active').waitFor();
  await context.close();
});
