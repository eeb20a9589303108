// Staff signing in with their organisation's own account (OpenID Connect), in the browser from
// end to end: linking it under Your account, signing in with it on another device, the unlock
// code that device then asks for, and what a person is told when it doesn't work.
//
// Real here: the app, the server, the browser leaving Tandem for the sign-in page and coming
// back. Standing in: the organisation's provider, a small OpenID Connect provider on loopback
// with a sign-in page of two buttons, signing ID tokens RS256 as Microsoft's and Google's do.
import assert from 'node:assert/strict';
import { createHash, createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { after, test } from 'node:test';
import { assertAccessible, authenticatorCode, serverAndBrowser, signIn, typeSignIn } from './harness.mjs';

const CLIENT = { id: 'tandem-browser-test', secret: 'provider-secret' };
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
/** A JWT signed RS256 with the provider's key, as its ID and logout tokens are. */
const signJwt = (claims, typ = 'JWT') => {
  const signed = `${b64url({ alg: 'RS256', kid: 'k1', typ })}.${b64url(claims)}`;
  return `${signed}.${createSign('RSA-SHA256').update(signed).sign(privateKey).toString('base64url')}`;
};
/** code → { subject, nonce, challenge, redirect, sid } */
const codes = new Map();
/** subject → the provider's sessions (`sid`) signed in at it, which its sign-out page ends. */
const sessions = new Map();
/** The provider's settings name another issuer than Tandem was given, until the first test mends them. */
let namesAnother = true;
/** The front-channel logout address registered with the provider (Tandem's, once it has started). */
let frontChannel = '';

const provider = createServer((req, res) => {
  const url = new URL(req.url, ISSUER);
  const json = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (url.pathname === '/.well-known/openid-configuration') {
    // Until the first test puts it right, its settings name another issuer (a misconfiguration).
    const issuer = namesAnother ? 'https://elsewhere.example' : ISSUER;
    return json(200, { issuer, authorization_endpoint: `${ISSUER}/authorize`, token_endpoint: `${ISSUER}/token`, jwks_uri: `${ISSUER}/jwks` });
  }
  if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
  if (url.pathname === '/authorize') {
    // The organisation's sign-in page: who to sign in as, or cancel.
    const q = url.searchParams;
    const keep = ['state', 'nonce', 'code_challenge', 'redirect_uri'].map((k) => `<input type="hidden" name="${k}" value="${q.get(k)}">`).join('');
    return res.writeHead(200, { 'content-type': 'text/html' }).end(
      `<!doctype html><html lang="en"><title>Northshire Council sign-in</title><main><h1>Northshire Council</h1><form action="/approve">${keep}` +
        '<button name="subject" value="entra-sam">Continue as sam@northshire.example</button>' +
        '<button name="subject" value="entra-stranger">Continue as someone@northshire.example</button>' +
        '<button name="subject" value="entra-priya">Continue as priya@northshire.example</button>' +
        '<button name="cancel" value="1">Cancel</button></form></main></html>',
    );
  }
  if (url.pathname === '/approve') {
    const q = url.searchParams;
    const back = new URL(q.get('redirect_uri'));
    back.searchParams.set('state', q.get('state'));
    if (q.get('cancel')) back.searchParams.set('error', 'access_denied');
    else {
      const code = crypto.randomUUID();
      const sid = crypto.randomUUID();
      sessions.set(q.get('subject'), [...(sessions.get(q.get('subject')) ?? []), sid]);
      codes.set(code, { subject: q.get('subject'), nonce: q.get('nonce'), challenge: q.get('code_challenge'), redirect: q.get('redirect_uri'), sid });
      back.searchParams.set('code', code);
    }
    return res.writeHead(302, { location: back.href }).end();
  }
  if (url.pathname === '/signout') {
    // Its sign-out page, as Microsoft Entra ID's: a hidden frame for each app signed in with
    // each of the person's sessions, naming only the session.
    const subject = url.searchParams.get('subject');
    const frames = (sessions.get(subject) ?? []).map((sid) => `<iframe title="Signing out" hidden src="${frontChannel}?sid=${sid}"></iframe>`);
    sessions.delete(subject);
    return res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><html lang="en"><title>Signed out</title><main><h1>You signed out</h1>${frames.join('')}</main></html>`);
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const given = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      const verifier = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (basic !== `${CLIENT.id}:${CLIENT.secret}` || !given || given.challenge !== verifier || given.redirect !== form.get('redirect_uri')) {
        return json(400, { error: 'invalid_grant' });
      }
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: ISSUER, aud: CLIENT.id, sub: given.subject, nonce: given.nonce, iat: now, exp: now + 300, auth_time: now, sid: given.sid };
      json(200, { id_token: signJwt(claims), access_token: 'unused', token_type: 'Bearer' });
    });
    return undefined;
  }
  return json(404, { error: 'not_found' });
});
await new Promise((resolve) => provider.listen(0, '127.0.0.1', resolve));
const ISSUER = `http://127.0.0.1:${provider.address().port}`;
// The server this file starts trusts it (and, with no --public-url, sends people back to
// itself on loopback).
Object.assign(process.env, {
  TANDEM_SSO_ISSUER: ISSUER,
  TANDEM_SSO_CLIENT_ID: CLIENT.id,
  TANDEM_SSO_CLIENT_SECRET: CLIENT.secret,
  TANDEM_SSO_NAME: 'Northshire Council',
});
after(() => {
  provider.closeAllConnections();
  provider.close();
});

const env = serverAndBrowser();
// Unnamed on the sign-in screen, which a signed-out young person's phone shows too.
const START = "Staff: sign in with your organisation's account";

/** Chooses `code` as the device's unlock code, as a device signed in through the organisation asks. */
async function chooseUnlockCode(page, code) {
  await page.getByLabel('Unlock code (at least 6 numbers or letters)').fill(code);
  await page.getByLabel('Type it again').fill(code);
  await page.getByRole('button', { name: 'Use this code' }).click();
}

/** Sam, whose account the first test linked, signs in through the organisation on a new device. */
async function samThroughOrganisation(context, code) {
  const page = await context.newPage();
  await page.goto(env.server.base + '/');
  await page.getByRole('button', { name: START }).click();
  await page.getByRole('button', { name: 'Continue as sam@northshire.example' }).click();
  await chooseUnlockCode(page, code);
  await page.getByRole('button', { name: /Open ash/ }).waitFor();
  return page;
}

test("an admin is told when the organisation's sign-in can't be read, and why, until it is put right", async () => {
  const desk = await env.browser.newContext();
  const admin = await desk.newPage();
  await signIn(admin, env.server.base, 'admin', 'demo-admin-pass');
  await admin.getByRole('button', { name: 'People' }).click();
  const policy = admin.getByRole('region', { name: 'Signing in with Northshire Council' });
  await policy.getByRole('alert').filter({ hasText: "Staff can't sign in with Northshire Council just now" }).waitFor();
  assert.match(await policy.getByRole('alert').innerText(), /elsewhere\.example/, 'it says what is wrong');
  await assertAccessible(admin, "the console saying the organisation's sign-in can't be read");
  // Mended at the provider: no restart, and the console says nothing more.
  namesAnother = false;
  await admin.reload();
  await policy.getByRole('button', { name: 'Ask them to sign in only with Northshire Council' }).waitFor();
  assert.equal(await policy.getByRole('alert').count(), 0);
  await desk.close();
});

test('a key worker links their organisation account and signs in with it elsewhere (that device locks with a code chosen there), and a service can ask for it alone', async () => {
  // Sam links it from their account, signed in with their password.
  const laptop = await env.browser.newContext();
  const page = await laptop.newPage();
  await signIn(page, env.server.base, 'sam', 'demo-worker-pass');
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign in with Northshire Council' }).waitFor();
  await assertAccessible(page, 'Your account, offering to link the organisation account');
  await page.getByRole('button', { name: 'Link my Northshire Council' }).click();
  await page.getByRole('heading', { name: 'Northshire Council' }).waitFor();
  await page.getByRole('button', { name: 'Continue as sam@northshire.example' }).click();
  await page.getByText('Linked. Next time, choose "Staff: sign in with your organisation\'s account" on the sign-in screen.').waitFor();
  await page.getByText(/You linked it on/).waitFor();
  assert.equal(new URL(page.url()).search, '', 'the handoff code is gone from the address');
  assert.equal(new URL(page.url()).hash, '#/account');

  // On a new device: the sign-in page offers it; it asks for an unlock code before anything.
  const tablet = await env.browser.newContext();
  const other = await tablet.newPage();
  await other.goto(env.server.base + '/');
  await other.getByRole('button', { name: START }).click();
  await other.getByRole('button', { name: 'Continue as sam@northshire.example' }).click();
  await other.getByRole('heading', { name: 'Choose an unlock code for this device' }).waitFor();
  assert.equal(await other.getByText(/ash|kai/).count(), 0, 'nobody shown before the device can lock');
  await assertAccessible(other, 'choosing an unlock code');
  await chooseUnlockCode(other, '4821');
  await other.getByRole('alert').filter({ hasText: 'Choose at least 6 numbers or letters.' }).waitFor();
  await chooseUnlockCode(other, '482193');
  const ash = other.getByRole('button', { name: /Open ash/ });
  await ash.waitFor();

  // Signed out there from the laptop (as when the organisation's day-long sign-in runs out): the
  // way back in is the organisation's sign-in again, as the same person, and the device keeps
  // its unlock code.
  await page.getByRole('button', { name: 'Home' }).click();
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out there' }).click();
  await other.getByRole('heading', { name: 'Sign in again' }).waitFor();
  await assertAccessible(other, 'signing in again with the organisation account');
  await other.getByRole('button', { name: 'Sign in with Northshire Council' }).click();
  await other.getByRole('button', { name: 'Continue as sam@northshire.example' }).click();
  await ash.waitFor();
  assert.equal(await other.getByRole('heading', { name: 'Choose an unlock code for this device' }).count(), 0);

  // Left for a quarter of an hour it locks, and opens with that code, not a password.
  await other.clock.install();
  await other.reload();
  await ash.waitFor();
  await other.clock.fastForward('15:30');
  await other.getByRole('heading', { name: 'Locked' }).waitFor();
  await other.getByLabel('Your unlock code for this device').fill('demo-worker-pass');
  await other.getByRole('button', { name: 'Unlock' }).click();
  await other.getByRole('alert').filter({ hasText: "That code didn't match. Try again, or sign out." }).waitFor();
  await other.getByLabel('Your unlock code for this device').fill('482193');
  await other.getByRole('button', { name: 'Unlock' }).click();
  await ash.waitFor();

  // The admin's people list says who signs in this way (and so who the organisation's own
  // sign-in stops when they leave).
  const desk = await env.browser.newContext();
  const admin = await desk.newPage();
  await signIn(admin, env.server.base, 'admin', 'demo-admin-pass');
  await admin.getByRole('button', { name: 'People' }).click();
  const row = (name) => admin.getByRole('row').filter({ has: admin.getByRole('cell', { name, exact: true }) });
  await row('Sam').getByRole('cell', { name: 'Active, organisation sign-in linked' }).waitFor();
  await row('Priya').getByRole('cell', { name: 'Active, password only' }).waitFor();

  // The admin asks staff who linked it to sign in only with it: Sam's password is refused, with
  // what to do instead.
  const policy = admin.getByRole('region', { name: 'Signing in with Northshire Council' });
  await policy.getByText('Staff who have linked it can also sign in with their Tandem password.').waitFor();
  await policy.getByRole('button', { name: 'Ask them to sign in only with Northshire Council' }).click();
  await policy.getByText('Staff who have linked it sign in only with Northshire Council: their Tandem password no longer lets them in.').waitFor();
  await assertAccessible(admin, "the People screen's organisation sign-in");
  const third = await env.browser.newContext();
  const byPassword = await third.newPage();
  await typeSignIn(byPassword, env.server.base, 'sam', 'demo-worker-pass');
  await byPassword.getByRole('alert').filter({ hasText: 'Your service asks you to sign in with your organisation\'s account, not your password: use the "Staff: sign in with" button.' }).waitFor();
  await third.close();
  // Sam's laptop, signed in with the password before, is asked to sign in again when it next
  // renews its sign-in (here, opened again): through the organisation, and as it held a check of
  // the password, with an unlock code chosen now.
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in again' }).waitFor();
  await page.getByRole('button', { name: 'Sign in with Northshire Council' }).click();
  await page.getByRole('button', { name: 'Continue as sam@northshire.example' }).click();
  await page.getByRole('heading', { name: 'Choose an unlock code for this device' }).waitFor();
  await chooseUnlockCode(page, 'laptop-code');
  await page.getByRole('button', { name: /Open ash/ }).waitFor();
  // Nor can Sam unlink it to have the password back.
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await page.getByText('so it stays linked and your Tandem password doesn\'t sign you in').waitFor();
  assert.equal(await page.getByRole('button', { name: /Stop signing in/ }).count(), 0);
  await policy.getByRole('button', { name: 'Let them use their password too' }).click();
  await policy.getByText('Staff who have linked it can also sign in with their Tandem password.').waitFor();
  await desk.close();
  await laptop.close();
  await tablet.close();
});

test('signed out at the organisation, an open Tandem is signed out at once; the admin is shown the address for it', async () => {
  const context = await env.browser.newContext();
  const page = await samThroughOrganisation(context, 'logout-code');

  // Sam's sessions are ended at the organisation (Sam has left): it tells Tandem, server to
  // server, with a signed logout token, and the open screen is signed out without a reload.
  const now = Math.floor(Date.now() / 1000);
  const token = signJwt(
    { iss: ISSUER, aud: CLIENT.id, sub: 'entra-sam', iat: now, exp: now + 120, jti: crypto.randomUUID(), events: { 'http://schemas.openid.net/event/backchannel-logout': {} } },
    'logout+jwt',
  );
  const told = await fetch(env.server.base + '/api/auth/sso/logout', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }),
  });
  assert.equal(told.status, 200, await told.text());
  await page.getByRole('heading', { name: 'Sign in again' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Open ash/ }).count(), 0, 'nobody shown once signed out');

  // Where the admin finds the address to give the organisation's sign-in.
  const desk = await env.browser.newContext();
  const admin = await desk.newPage();
  await signIn(admin, env.server.base, 'admin', 'demo-admin-pass');
  await admin.getByRole('button', { name: 'People' }).click();
  const policy = admin.getByRole('region', { name: 'Signing in with Northshire Council' });
  await policy.getByText('Addresses to give whoever looks after Northshire Council').click();
  await policy.getByText(`${env.server.base}/api/auth/sso/logout`, { exact: true }).waitFor();
  await policy.getByText(`${env.server.base}/api/auth/sso/frontchannel-logout`, { exact: true }).waitFor();
  await policy.getByText(`${env.server.base}/api/auth/sso/callback`, { exact: true }).waitFor();
  await policy.getByText(/lasts up to 12 hours before it is asked again/).waitFor();
  await policy.getByText(/where it doesn't say, staff with two-step sign-in type their code after it/).waitFor();
  await assertAccessible(admin, 'the addresses for the organisation sign-in');
  // A new password for someone linked says what happens to the link (the way back in for
  // someone the organisation gave a new account, where linked staff use only theirs).
  const sam = admin.getByRole('row').filter({ has: admin.getByRole('cell', { name: 'Sam', exact: true }) });
  await sam.getByRole('button', { name: 'New password for Sam' }).click();
  await admin.getByText(/They have linked their organisation account\. If the service asks linked staff to sign in only with it, the link is removed too/).waitFor();
  await admin.getByRole('button', { name: 'Cancel' }).click();
  await desk.close();
  await context.close();
});

test("signed out on the organisation's sign-out page, an open Tandem in the same browser is signed out too (front-channel, as Microsoft Entra ID does it)", async () => {
  frontChannel = `${env.server.base}/api/auth/sso/frontchannel-logout`;
  const context = await env.browser.newContext();
  const page = await samThroughOrganisation(context, 'frame-code');

  // Sam signs out of the organisation in another tab: its page frames Tandem's address, which
  // Tandem lets that page (and only that page) show, and Sam's open Tandem is signed out.
  const other = await context.newPage();
  await other.goto(`${ISSUER}/signout?subject=entra-sam`);
  await other.getByRole('heading', { name: 'You signed out' }).waitFor();
  const frame = other.frameLocator('iframe[title="Signing out"]').first();
  await frame.getByText('Signed out of Tandem.').waitFor({ state: 'attached' });
  await page.getByRole('heading', { name: 'Sign in again' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Open ash/ }).count(), 0, 'nobody shown once signed out');
  await context.close();
});

test("with Tandem's two-step on, and nothing from the organisation's sign-in about a second step, its code finishes the sign-in", async () => {
  // Priya turns two-step on and links her account, with her password.
  const desk = await (await env.browser.newContext()).newPage();
  await signIn(desk, env.server.base, 'priya', 'demo-worker-pass');
  await desk.getByRole('button', { name: 'Account', exact: true }).click();
  await desk.getByRole('button', { name: 'Set up two-step sign-in' }).click();
  const typed = await desk.getByTestId('two-step-secret').textContent();
  const confirmedAt = Math.floor(Date.now() / 30_000);
  await desk.getByLabel('The 6-digit code your app shows now').fill(authenticatorCode(typed, confirmedAt));
  await desk.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await desk.getByRole('button', { name: 'I have kept them somewhere safe' }).click();
  await desk.getByRole('button', { name: 'Link my Northshire Council' }).click();
  await desk.getByRole('button', { name: 'Continue as priya@northshire.example' }).click();
  await desk.getByText(/You linked it on/).waitFor();
  await desk.context().close();

  // On a new device, through the organisation (whose token says nothing of a second step):
  // Tandem asks for the code, on the sign-in screen, as a step, not a problem.
  const page = await (await env.browser.newContext()).newPage();
  await page.goto(env.server.base + '/');
  await page.getByRole('button', { name: START }).click();
  await page.getByRole('button', { name: 'Continue as priya@northshire.example' }).click();
  const codeField = page.getByLabel('Code from your authenticator app');
  await codeField.waitFor();
  await page.getByText("Your organisation's sign-in knows you. Two-step sign-in is on:", { exact: false }).waitFor();
  assert.equal(await page.getByRole('alert').count(), 0, 'asking for the code is not shown as a problem');
  assert.equal(await page.getByLabel('Your PIN or password').count(), 0, 'only the step at hand is shown');
  await assertAccessible(page, 'the organisation sign-in asking for a code');
  await codeField.fill(authenticatorCode(typed, Math.max(confirmedAt + 1, Math.floor(Date.now() / 30_000))));
  await page.getByRole('button', { name: 'Finish signing in' }).click();
  await page.getByRole('heading', { name: 'Choose an unlock code for this device' }).waitFor();
  await chooseUnlockCode(page, 'priya-code');
  await page.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await page.context().close();
});

test("a sign-in that doesn't finish says why, and what to do, on the sign-in screen", async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.server.base + '/');
  await assertAccessible(page, 'the sign-in screen offering the organisation account');

  // Cancelled at the organisation's page.
  await page.getByRole('button', { name: START }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('alert').filter({ hasText: "You didn't finish signing in with your organisation's account. Try again, or sign in with your name and password." }).waitFor();
  assert.equal(await page.getByText('Northshire').count(), 0, "the sign-in screen never names the service's organisation");

  // An account nobody linked in Tandem.
  await page.getByRole('button', { name: START }).click();
  await page.getByRole('button', { name: 'Continue as someone@northshire.example' }).click();
  // Whatever is said first is read, so a failure says what was shown instead (seen once under stress).
  const said = page.getByRole('alert').first();
  await said.waitFor();
  assert.equal(await said.textContent(), "That account isn't linked to anyone in Tandem; sign in with your name and password, then link it under Your account.");
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0, 'not signed in');

  // A return to a tab that didn't start it (a link someone sent): not used.
  const elsewhere = await context.newPage();
  await elsewhere.goto(env.server.base + '/?sso=a-handoff-from-someone-else');
  await elsewhere.getByRole('alert').filter({ hasText: 'That sign-in was started in another tab or browser, so it has not been used. Start it again here.' }).waitFor();
  assert.equal(new URL(elsewhere.url()).search, '');
  await context.close();
});

test('young people never see it, and a lent tablet does not offer it', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, env.server.base, 'ash', '6159');
  await page.getByRole('button', { name: 'Account', exact: true }).click();
  await page.getByRole('heading', { name: 'Change your PIN' }).waitFor();
  assert.equal(await page.getByText('Northshire Council').count(), 0);
  await context.close();

  // Drop-in staff hand the tablet over: the sign-in for a visit is a young person's.
  const tablet = await env.browser.newContext();
  const staff = await tablet.newPage();
  await signIn(staff, env.server.base, 'dropin', 'demo-dropin-pass');
  await staff.getByRole('button', { name: 'Hand the tablet to a young person' }).click();
  await staff.getByRole('heading', { name: 'Sign in for your visit' }).waitFor();
  // Once the screen has asked whether the service offers it (it does: see above), and heard.
  await staff.waitForLoadState('networkidle');
  assert.equal(await staff.getByRole('button', { name: START }).count(), 0, 'not on a visit');
  await tablet.close();
});
