import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { asAdmin, assertAccessible, authenticatorCode, chooseLockCode, eventually, post, serverAndBrowser, signIn, typeSignIn } from './harness.mjs';

const env = serverAndBrowser();

test('a young person signs out a phone someone else has, from their own, and chooses a new PIN', async () => {
  const mine = await env.browser.newContext();
  const phone = await mine.newPage();
  const elsewhere = [];
  for (let i = 0; i < 3; i++) {
    const other = await (await env.browser.newContext()).newPage();
    await signIn(other, env.server.base, 'mo', '5286');
    elsewhere.push(other);
  }
  await signIn(phone, env.server.base, 'mo', '5286');

  await phone.getByRole('button', { name: 'Account', exact: true }).click();
  await phone.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
  const cards = phone.locator('li.card');
  // Each says what kind of device it is (headless Chromium on Linux, here).
  const others = cards.filter({ hasText: 'A Linux computer (Chrome)' });
  await others.nth(2).waitFor();
  assert.equal(await cards.count(), 4);
  assert.equal(await cards.filter({ hasText: 'This device' }).getByRole('button').count(), 0, 'no way to sign out this one from the list');
  assert.ok(await cards.filter({ hasText: 'This device' }).getByText('Signed in today, last used today').isVisible());
  await assertAccessible(phone, 'your account');

  // One of them...
  await others.first().getByRole('button', { name: /Sign out there/ }).click();
  await phone.getByText(/^Signed out on a Linux computer \(Chrome\)\./).waitFor();
  await others.nth(2).waitFor({ state: 'detached' });
  // ...then every other at once.
  await phone.getByRole('button', { name: 'Sign out everywhere except here' }).click();
  await phone.getByText(/^Signed out on 2 other devices\./).waitFor();
  await phone.getByText('Nowhere else: you are only signed in here.').waitFor();
  // The other phones, open all along, are told at once, and show nothing of Mo's without the PIN.
  for (const other of elsewhere) {
    await other.getByRole('heading', { name: 'Sign in again' }).waitFor();
  }
  // Still so when opened again.
  await elsewhere[0].reload();
  await elsewhere[0].getByRole('heading', { name: 'Sign in again' }).waitFor();

  // A wrong PIN now is said plainly; the right one lets Mo choose a new one.
  const form = phone.getByRole('form', { name: 'Change your PIN' });
  await form.getByLabel('Your PIN now').fill('1111');
  await form.getByLabel('Your new PIN', { exact: true }).fill('5724');
  await form.getByLabel('Your new PIN again').fill('5724');
  await form.getByRole('button', { name: 'Save my new PIN' }).click();
  await form.getByRole('alert').filter({ hasText: "Your current PIN isn't right." }).waitFor();
  await form.getByLabel('Your PIN now').fill('5286');
  await form.getByRole('button', { name: 'Save my new PIN' }).click();
  await form.getByText('Your PIN is changed. Use the new one next time you sign in.').waitFor();

  const fresh = await (await env.browser.newContext()).newPage();
  await signIn(fresh, env.server.base, 'mo', '5724');
  await mine.close();
  for (const page of [...elsewhere, fresh]) await page.context().close();
});

test('staff see the same account screen, worded for a device and a password', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'priya', 'demo-worker-pass');
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await page.getByText('Nowhere else: you are only signed in here.').waitFor();
  await page.getByRole('form', { name: 'Change your password' }).waitFor();
  // Back returns to the worker's own screen, inside the app.
  await page.goBack();
  await page.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await context.close();
});

test('a young person locks Tandem on their phone with a code: asked on opening and after time away, and can stop', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'ash', '6159');
  await page.getByText("I'm a good listener. My mates come to me.").waitFor();
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  const lock = page.getByRole('region', { name: 'Lock Tandem on this phone' });
  // Told what not to choose, and one a holder of the phone would try first is refused.
  const choose = lock.getByLabel(/Choose a lock code/);
  assert.equal(await page.locator(`#${await choose.getAttribute('aria-describedby')}`).innerText(), 'Not one someone could guess, like 1234, 1111 or a year, and not your PIN.');
  await choose.fill('2580');
  await lock.getByLabel('Type it again').fill('2580');
  await lock.getByRole('button', { name: 'Lock Tandem with this code' }).click();
  await lock.getByRole('alert').getByText('Someone could guess that one: lots of people use it. Choose a different lock code.').waitFor();
  await choose.fill('5802');
  await lock.getByLabel('Type it again').fill('5801');
  await lock.getByRole('button', { name: 'Lock Tandem with this code' }).click();
  await lock.getByText("The two codes aren't the same.").waitFor();
  await lock.getByLabel('Type it again').fill('5802');
  await lock.getByRole('button', { name: 'Lock Tandem with this code' }).click();
  await lock.getByText('Done. Tandem asks for this code when it opens, and after a minute away.').waitFor();
  await assertAccessible(page, 'account with the phone lock on');

  // Opened again: locked, and nothing of theirs is on the page.
  await page.goto(env.server.base + '/?away=1');
  await page.getByRole('heading', { name: 'Locked' }).waitFor();
  await page.getByText('Tandem is locked. Your things are hidden.').waitFor();
  await assertAccessible(page, 'the phone lock');
  assert.equal(await page.getByText(/good listener/).count(), 0, 'their words are hidden');
  assert.equal(await page.getByRole('button', { name: 'Account', exact: true }).count(), 0, 'nowhere to go until unlocked');
  // Ash signs in on another device meanwhile: the locked phone is told, and says nothing of it
  // until unlocked (whoever holds it may be the reason to lock it).
  const told = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/me' && r.ok());
  const elsewhere = await (await env.browser.newContext()).newPage();
  await signIn(elsewhere, env.server.base, 'ash', '6159');
  await told;
  await page.waitForTimeout(500);
  assert.equal(await page.locator('#signed-in-elsewhere').count(), 0, 'nothing of their account over the lock');
  await page.getByLabel('Your lock code').fill('1111');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByText("That code didn't match. Try again.").waitFor();
  await page.getByLabel('Your lock code').fill('5802');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByText("I'm a good listener. My mates come to me.").waitFor();
  await page.locator('#signed-in-elsewhere').getByRole('button', { name: 'That was me' }).click();
  await elsewhere.context().close();

  // Away (another app, the screen off) longer than the time allowed: locked on coming back.
  const visibility = (state) =>
    page.evaluate((s) => {
      Object.defineProperty(document, 'visibilityState', { value: s, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
  await visibility('hidden');
  await new Promise((r) => setTimeout(r, 1_200));
  await visibility('visible');
  await page.getByRole('heading', { name: 'Locked' }).waitFor();
  await page.getByLabel('Your lock code').fill('5802');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByText("I'm a good listener. My mates come to me.").waitFor();
  // That time away is over: a "visible" with no time away before it doesn't lock again.
  await visibility('visible');

  // Stopped: opened again, nothing is asked.
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await lock.getByRole('button', { name: 'Stop asking for a lock code' }).click();
  await lock.getByText('Tandem no longer asks for a lock code on this phone.').waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Locked' }).count(), 0);
  await context.close();
});

test('guessing a phone lock code is slowed: after five wrong codes each try waits, and opening Tandem again does not start afresh', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'kai', '7093');
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await chooseLockCode(page, '1470');

  await page.reload();
  await page.getByRole('heading', { name: 'Locked' }).waitFor();
  const code = page.getByLabel('Your lock code');
  const guess = async (tried, answer) => {
    await code.fill(tried);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('alert').filter({ hasText: answer }).waitFor();
    // A wrong code is cleared once checked. Waiting for that, not only for the message (the
    // second to fourth wrong code's is the one already showing), keeps the next guess from
    // landing while this one is checked, when a tap is not a guess.
    if (/didn't match/.test(answer)) await eventually(async () => (await code.inputValue()) === '', 15_000, 'the wrong code cleared');
  };
  for (const wrong of ['0000', '1111', '2222', '3333']) await guess(wrong, "That code didn't match. Try again.");
  await guess('4444', "That code didn't match. Too many tries. Wait 30 seconds, then try again.");
  // The right code is not even checked while the wait runs (and stays typed for after it).
  await guess('1470', /^Too many tries\. Wait \d+ seconds, then try again\.$/);
  assert.equal(await code.inputValue(), '1470');

  // Closing and opening Tandem again: still waiting, and told so before typing.
  await page.reload();
  await page.getByRole('heading', { name: 'Locked' }).waitFor();
  await page.getByRole('alert').filter({ hasText: /^Too many tries\. Wait \d+ seconds/ }).waitFor();

  // The wait over, one more wrong code waits twice as long.
  await page.clock.install({ time: Date.now() + 60_000 });
  await page.reload();
  await page.getByRole('heading', { name: 'Locked' }).waitFor();
  assert.equal(await page.getByRole('alert').count(), 0, 'nothing to wait for any more');
  await guess('5555', "That code didn't match. Too many tries. Wait 1 minute, then try again.");

  // That wait over, the right code opens it, and the count starts again from nothing.
  await page.clock.fastForward(61_000);
  await page.getByLabel('Your lock code').fill('1470');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('heading', { name: 'Your account' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Locked' }).waitFor();
  await guess('6666', "That code didn't match. Try again.");
  await context.close();
});

test('joining says any name will do, and a PIN being chosen can be shown to check it, but not on a shared tablet', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.server.base + '/');
  await page.getByRole('button', { name: 'I have a code from my worker' }).click();
  // The name they choose is theirs to choose: it need not say who they are.
  await page.getByText("Any name you will remember. It doesn't have to be your real name.").waitFor();
  assert.equal(await page.getByLabel('Choose a name to sign in with').getAttribute('aria-describedby'), 'name-hint');
  const pin = page.getByLabel(/Choose a PIN/);
  await pin.fill('6419');
  await page.getByRole('button', { name: 'Show the PIN or password' }).click();
  await eventually(async () => (await pin.getAttribute('type')) === 'text', 10_000, 'the PIN shown');
  assert.equal(await pin.inputValue(), '6419');
  await assertAccessible(page, 'joining, the PIN shown');
  await page.getByRole('button', { name: 'Hide the PIN or password' }).click();
  await eventually(async () => (await pin.getAttribute('type')) === 'password', 10_000, 'the PIN hidden again');

  // On a shared tablet a keyboard could learn a PIN it was shown: there is no Show.
  await page.getByRole('button', { name: 'I already have a name and PIN' }).click();
  await page.getByRole('button', { name: 'Show the PIN or password' }).waitFor();
  await page.getByLabel(/shared tablet/).check();
  await page.getByRole('button', { name: 'Show the PIN or password' }).waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Your PIN or password').getAttribute('type'), 'password');
  await context.close();
});

test('a sign-in on another device shows on the phone at once, and can be signed out there and then', async () => {
  const phone = await (await env.browser.newContext()).newPage();
  await signIn(phone, env.server.base, 'kai', '7093');
  // Someone who learnt Kai's PIN signs in on their own phone.
  const theirs = await (await env.browser.newContext()).newPage();
  const theirsAsked = theirs.waitForResponse((r) => new URL(r.url()).pathname === '/api/me' && r.ok());
  await signIn(theirs, env.server.base, 'kai', '7093');
  const notice = phone.locator('#signed-in-elsewhere');
  await notice.getByText(/^Someone signed in to Tandem as you on a Linux computer \(Chrome\), today at \d/).waitFor();
  await assertAccessible(phone, 'a sign-in elsewhere');
  // The device that signed in is not told of the phone that was there before it, once it has
  // heard who is signed in.
  await theirsAsked;
  await theirs.waitForTimeout(500);
  assert.equal(await theirs.locator('#signed-in-elsewhere').count(), 0);

  await notice.getByRole('button', { name: 'Sign it out' }).click();
  await phone.getByText(/^Signed out there\. Nothing of yours shows on that device once it is online/).waitFor();
  await theirs.getByRole('heading', { name: 'Sign in again' }).waitFor();
  await phone.getByRole('button', { name: 'Choose a new PIN' }).click();
  await phone.getByRole('heading', { name: 'Your account' }).waitFor();

  // Kai's own tablet: "that was me", and it is not shown again, even after a reload.
  const tablet = await (await env.browser.newContext()).newPage();
  await signIn(tablet, env.server.base, 'kai', '7093');
  await notice.getByRole('button', { name: 'That was me' }).click();
  await notice.waitFor({ state: 'detached' });
  const asked = phone.waitForResponse((r) => new URL(r.url()).pathname === '/api/me' && r.ok());
  await phone.reload();
  await asked;
  await phone.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  await phone.waitForTimeout(500);
  assert.equal(await notice.count(), 0, 'an answered sign-in is not shown again');
  for (const page of [phone, theirs, tablet]) await page.context().close();
});

test("staff are told of a sign-in elsewhere too, but not of one on the service's own shared tablet", async () => {
  const base = env.server.base;
  const desk = await (await env.browser.newContext()).newPage();
  await signIn(desk, base, 'dropin', 'demo-dropin-pass');
  await desk.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  const signInAs = (extra) => post(base, '/api/auth/sign-in', { name: 'dropin', secret: 'demo-dropin-pass', device: crypto.randomUUID(), ...extra });
  // A day at the drop-in: the registered tablet is not news.
  const { key } = await (await asAdmin(base)).post('/api/admin/tablets', { name: 'Drop-in room' });
  assert.equal((await signInAs({ tablet_key: key })).status, 200);
  // A sign-in anywhere else is: a staff password reaches many young people's records.
  const stranger = await signInAs({});
  assert.equal(stranger.status, 200);
  const notice = desk.locator('#signed-in-elsewhere');
  // One device: had the tablet been told too, this would say "on 2 other devices".
  await notice.getByText(/^Someone signed in to Tandem as you on another device, today at \d/).waitFor();
  await assertAccessible(desk, "a sign-in elsewhere, for staff");
  await notice.getByRole('button', { name: 'Sign it out' }).click();
  await desk.getByText(/^Signed out there\. Nothing from Tandem shows on that device .* tell your manager/).waitFor();
  const theirs = await fetch(`${base}/api/me`, { headers: { authorization: `Bearer ${stranger.body.access_token}` } });
  assert.equal(theirs.status, 401, 'the stranger is signed out');
  await desk.getByRole('button', { name: 'Change my password' }).click();
  await desk.getByRole('form', { name: 'Change your password' }).waitFor();
  await desk.context().close();
});

/** A browser context whose `navigator.storage.persist()` calls are counted (`window.asked`),
 *  and which has, if `granted`, the browser's promise to keep the site's storage. */
async function countingAsks({ granted }) {
  const context = await env.browser.newContext();
  await context.addInitScript(() => {
    if (!navigator.storage) return; // not a secure context (about:blank)
    const persist = navigator.storage.persist.bind(navigator.storage);
    window.asked = 0;
    navigator.storage.persist = () => {
      window.asked++;
      return persist();
    };
  });
  const page = await context.newPage();
  if (granted) {
    const { targetInfo } = await (await context.newCDPSession(page)).send('Target.getTargetInfo');
    await (await env.browser.newBrowserCDPSession()).send('Browser.setPermission', {
      permission: { name: 'persistent-storage' },
      setting: 'granted',
      origin: env.server.base,
      browserContextId: targetInfo.browserContextId,
    });
  }
  return page;
}

test('a phone asks its browser to keep what Tandem saves, and "Your account" says whether it will', async () => {
  const base = env.server.base;
  // Not promised (a browser tab on a phone short of space may be cleared): said plainly.
  const phone = await countingAsks({ granted: false });
  await signIn(phone, base, 'ash', '6159');
  await eventually(async () => (await phone.evaluate(() => window.asked)) >= 1, 15_000, 'asked at sign-in');
  await phone.getByRole('button', { name: 'Account', exact: true }).click();
  await phone.locator('#keeping').getByText(/^This phone's browser may clear what Tandem saves on it .* Anything not sent yet would go with it/).waitFor();
  await assertAccessible(phone, 'what this phone keeps');

  // Promised: said too, worded for a member of staff's device.
  const laptop = await countingAsks({ granted: true });
  await signIn(laptop, base, 'priya', 'demo-worker-pass');
  await laptop.getByRole('button', { name: 'Account', exact: true }).click();
  await laptop.locator('#keeping').getByText('This device keeps what Tandem saves on it until you sign out.').waitFor();

  // A lent tablet keeps nothing after a visit: nothing to ask for, nothing to say.
  const tablet = await countingAsks({ granted: false });
  await signIn(tablet, base, 'kai', '7093', { shared: true });
  await tablet.getByRole('button', { name: 'Account', exact: true }).click();
  await tablet.getByRole('heading', { name: 'Where you are signed in' }).waitFor();
  assert.equal(await tablet.locator('#keeping').count(), 0);
  assert.equal(await tablet.evaluate(() => window.asked), 0, 'a lent tablet does not ask');
  for (const page of [phone, laptop, tablet]) await page.context().close();
});

test('an admin, who holds no live stream, is told of a sign-in elsewhere on coming back to the console', async () => {
  const base = env.server.base;
  const desk = await (await env.browser.newContext()).newPage();
  await signIn(desk, base, 'admin', 'demo-admin-pass');
  await desk.getByRole('heading', { name: 'Running the service' }).waitFor();
  const elsewhere = await post(base, '/api/auth/sign-in', { name: 'admin', secret: 'demo-admin-pass', device: crypto.randomUUID() });
  assert.equal(elsewhere.status, 200);
  // Back to the console's tab (as after reading email in another).
  await desk.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  const notice = desk.locator('#signed-in-elsewhere');
  await notice.getByText(/^Someone signed in to Tandem as you on another device, today at \d/).waitFor();
  await notice.getByRole('button', { name: 'That was me' }).click();
  await notice.waitFor({ state: 'detached' });
  await desk.context().close();
});

test('a key worker turns on two-step sign-in: after their password, signing in asks for the code their app shows, each code once', async () => {
  const context = await env.browser.newContext();
  const desk = await context.newPage();
  await signIn(desk, env.server.base, 'sam', 'demo-worker-pass');
  await desk.getByRole('button', { name: 'Account', exact: true }).click();
  await desk.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  const typed = await desk.getByTestId('two-step-secret').textContent();
  await desk.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  await assertAccessible(desk, 'setting up two-step sign-in');
  const confirmedAt = Math.floor(Date.now() / 30_000);
  await desk.getByLabel('The 6-digit code your app shows now').fill(authenticatorCode(typed, confirmedAt));
  await desk.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await desk.getByText('Two-step sign-in is on.').waitFor();
  // Ten recovery codes, shown this once, for a day the phone is lost or left at home.
  const recovery = await desk.getByTestId('recovery-codes').getByRole('listitem').allTextContents();
  assert.equal(recovery.length, 10, JSON.stringify(recovery));
  await assertAccessible(desk, 'the recovery codes');
  await desk.getByRole('button', { name: 'I have kept them somewhere safe' }).click();
  await desk.getByText('You have 10 recovery codes left.').waitFor();
  assert.equal(await desk.getByTestId('recovery-codes').count(), 0, 'not shown again');

  // Another device: the password first, then the code, on the same form.
  const laptop = await (await env.browser.newContext()).newPage();
  await typeSignIn(laptop, env.server.base, 'sam', 'demo-worker-pass');
  const codeField = laptop.getByLabel('Code from your authenticator app');
  await codeField.waitFor();
  assert.equal(await laptop.getByRole('alert').count(), 0, 'asking for the code is not shown as a problem');
  await assertAccessible(laptop, 'the sign-in asking for a code');
  // The code that turned it on is used up: the app's newest one is asked for.
  await codeField.fill(authenticatorCode(typed, confirmedAt));
  await laptop.getByRole('button', { name: 'Sign in' }).click();
  await laptop.getByRole('alert').filter({ hasText: 'each works once' }).waitFor();
  // The next step's code (the app shows it within 30 s), or the current one if that is later
  // (a slow machine).
  await codeField.fill(authenticatorCode(typed, Math.max(confirmedAt + 1, Math.floor(Date.now() / 30_000))));
  await laptop.getByRole('button', { name: 'Sign in' }).click();
  await laptop.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await laptop.context().close();

  // A day without the phone: a recovery code in its place, typed as read off paper.
  const borrowed = await (await env.browser.newContext()).newPage();
  await typeSignIn(borrowed, env.server.base, 'sam', 'demo-worker-pass');
  await borrowed.getByRole('button', { name: "My phone isn't with me: use a recovery code" }).click();
  await borrowed.getByLabel('Recovery code').fill(recovery[0].toLowerCase());
  await borrowed.getByRole('button', { name: 'Sign in' }).click();
  await borrowed.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await borrowed.locator('#farewell').getByText('You signed in with a recovery code, and have 9 left. If your phone is lost, or you have a new one, choose "Move it to a new phone" under "Your account": it makes new codes too.').waitFor();
  await borrowed.getByRole('button', { name: 'Account', exact: true }).click();
  await borrowed.getByText('You have 9 recovery codes left.').waitFor();
  await borrowed.context().close();

  // New codes, with the password: the old ones stop working.
  await desk.getByLabel('Your password, to make new recovery codes or turn it off').fill('demo-worker-pass');
  await desk.getByRole('button', { name: 'Make new recovery codes' }).click();
  await desk.getByText('New recovery codes are ready. The ones before no longer work.').waitFor();
  const renewed = await desk.getByTestId('recovery-codes').getByRole('listitem').allTextContents();
  assert.equal(renewed.filter((c) => recovery.includes(c)).length, 0, 'all new');
  await desk.getByRole('button', { name: 'I have kept them somewhere safe' }).click();

  // A new phone: a new key, and new recovery codes with it; the old phone's codes stop working.
  await desk.getByRole('button', { name: 'Move it to a new phone' }).click();
  const moved = await desk.getByTestId('two-step-secret').textContent();
  assert.notEqual(moved, typed);
  await desk.getByLabel('The 6-digit code your app shows now').fill(authenticatorCode(moved));
  await desk.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await desk.getByText('Two-step sign-in is on your new phone now. Your recovery codes are new too').waitFor();
  const third = await desk.getByTestId('recovery-codes').getByRole('listitem').allTextContents();
  assert.equal(third.filter((c) => renewed.includes(c)).length, 0, 'new with the phone');
  await desk.getByRole('button', { name: 'I have kept them somewhere safe' }).click();
  const oldPhone = await (await env.browser.newContext()).newPage();
  await typeSignIn(oldPhone, env.server.base, 'sam', 'demo-worker-pass');
  await oldPhone.getByLabel('Code from your authenticator app').fill(authenticatorCode(typed));
  await oldPhone.getByRole('button', { name: 'Sign in' }).click();
  await oldPhone.getByRole('alert').filter({ hasText: "that code isn't right" }).waitFor();
  await oldPhone.context().close();

  // Turned off with the password, on the account screen.
  await desk.getByLabel('Your password, to make new recovery codes or turn it off').fill('demo-worker-pass');
  await desk.getByRole('button', { name: 'Turn off two-step sign-in' }).click();
  await desk.getByText('Two-step sign-in is off.').waitFor();
  await desk.getByRole('button', { name: 'Set up two-step sign-in' }).waitFor();
  await context.close();
});

/** Gives someone (by the name others see) a PIN or password as if chosen before Tandem refused
 *  easy ones, which no screen can choose now: `hash` is its argon2id hash, made once with the
 *  server's own parameters. */
async function chosenBeforeTheRule(displayName, hash) {
  const id = await (await asAdmin(env.server.base)).idOf(displayName);
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', env.server.db, `UPDATE people SET secret_hash = '${hash}' WHERE id = '${id}'`]);
}

test('a young person whose PIN was chosen before easy ones were refused is told at sign-in, and changes it', async () => {
  // Mo's PIN made 1234: an argon2id hash of "1234".
  await chosenBeforeTheRule('mo', '$argon2id$v=19$m=19456,t=2,p=1$zs4rv7VFl9JS1sTSh7JrMg$qiqZGx71nQEUomB9EJfWwrZnU1877eSyhrmJNU/CH4k');
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'mo', '1234');
  const told = page.locator('#farewell');
  await told.getByText('Your PIN is one that someone could guess, like 1234 or a year. Choose a new one under Account, so only you can open your things.').waitFor();
  await assertAccessible(page, 'home, told the PIN is easy to guess');
  await told.getByRole('button', { name: 'OK' }).click();
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  const form = page.getByRole('form', { name: 'Change your PIN' });
  await form.getByLabel('Your PIN now').fill('1234');
  await form.getByLabel('Your new PIN', { exact: true }).fill('4321');
  await form.getByLabel('Your new PIN again').fill('4321');
  await form.getByRole('button', { name: 'Save my new PIN' }).click();
  await form.getByRole('alert').getByText('Someone could guess that one: lots of people use it. Choose a different PIN or password.').waitFor();
  await form.getByLabel('Your new PIN', { exact: true }).fill('5286');
  await form.getByLabel('Your new PIN again').fill('5286');
  await form.getByRole('button', { name: 'Save my new PIN' }).click();
  await form.getByText('Your PIN is changed. Use the new one next time you sign in.').waitFor();

  // Signed in with the new one: nothing is said.
  const again = await (await env.browser.newContext()).newPage();
  await signIn(again, env.server.base, 'mo', '5286');
  await again.getByRole('heading', { name: 'Good things about you' }).waitFor();
  assert.equal(await again.locator('#farewell').count(), 0, 'no notice with a PIN that is not easy');
  await again.context().close();
  await context.close();
});

test('staff whose password is easy to guess choose a new one before anything else', async () => {
  // Priya's password made "Password123!": an argon2id hash of it.
  await chosenBeforeTheRule('Priya', '$argon2id$v=19$m=19456,t=2,p=1$LuNGgrEMSkjYIcOpdkoATw$XykVb3vQkg+7qBreM9TFyoLpTxSOPZgmrGbXZJcIzTo');
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await typeSignIn(page, env.server.base, 'priya', 'Password123!');
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await page.getByText("Your password is one that someone could guess, and a staff password opens many young people's words.", { exact: false }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Young people you support' }).count(), 0, 'nothing else until it is changed');
  await page.getByLabel('Your password now').fill('Password123!');
  await page.getByLabel('Your new password', { exact: true }).fill('Password1234!');
  await page.getByLabel('Your new password again').fill('Password1234!');
  await page.getByRole('button', { name: 'Save my password' }).click();
  await page.getByRole('alert').getByText(/^That password would be too easy to guess \(lots of people use it\)\./).waitFor();
  await page.getByLabel('Your new password', { exact: true }).fill('kettle orbit parsley');
  await page.getByLabel('Your new password again').fill('kettle orbit parsley');
  await page.getByRole('button', { name: 'Save my password' }).click();
  await page.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await context.close();
});

test('a young person changes the name they go by, and their key worker sees it at once; a new sign-in name needs their PIN', async () => {
  const admin = await asAdmin(env.server.base);
  const { code } = await admin.post('/api/admin/invites', { display_name: 'R', workers: [await admin.idOf('Sam')] });
  assert.equal((await post(env.server.base, '/api/auth/join', { code, name: 'rae', secret: '6419', device: crypto.randomUUID() })).status, 200);

  const workers = await env.browser.newContext();
  const laptop = await workers.newPage();
  await signIn(laptop, env.server.base, 'sam', 'demo-worker-pass');
  await laptop.getByRole('heading', { name: 'rae', exact: true }).waitFor();

  const mine = await env.browser.newContext();
  const phone = await mine.newPage();
  await signIn(phone, env.server.base, 'rae', '6419');
  await phone.getByText('Hi rae.').waitFor();
  await phone.getByRole('button', { name: 'Account', exact: true }).click();
  const form = phone.getByRole('form', { name: 'Your name' });
  await form.getByLabel('Your name in Tandem').fill('Rae Morgan');
  assert.equal(await form.getByLabel(/Your PIN, to change/).count(), 0, 'no PIN asked for the name others see');
  await assertAccessible(phone, 'account, your name');
  await form.getByRole('button', { name: 'Save my name' }).click();
  await form.getByRole('status').getByText('Saved.').waitFor();
  // Sam's open screen follows, with no reload.
  await laptop.getByRole('heading', { name: 'Rae Morgan', exact: true }).waitFor();

  // A new sign-in name: the PIN is asked, and a wrong one changes nothing.
  await form.getByLabel(/A new name to sign in with/).fill('rae.m');
  await form.getByLabel('Your PIN, to change the name you sign in with').fill('1111');
  await form.getByRole('button', { name: 'Save my name' }).click();
  await form.getByRole('alert').getByText("Your current PIN isn't right.").waitFor();
  await form.getByLabel('Your PIN, to change the name you sign in with').fill('6419');
  await form.getByRole('button', { name: 'Save my name' }).click();
  await form.getByRole('status').getByText('Saved. From now on, sign in as rae.m.').waitFor();
  await phone.getByRole('button', { name: 'Home' }).click();
  await phone.getByText('Hi Rae Morgan.').waitFor();

  const other = await env.browser.newContext();
  const tablet = await other.newPage();
  await signIn(tablet, env.server.base, 'rae.m', '6419');
  await tablet.getByText('Hi Rae Morgan.').waitFor();
  await Promise.all([workers.close(), mine.close(), other.close()]);
});
