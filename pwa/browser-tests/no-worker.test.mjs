import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertAccessible, serverAndBrowser, signIn } from './harness.mjs';

const env = serverAndBrowser();

async function call(base, token, method, path, body) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const r = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

async function tokenFor(base, name, secret) {
  const r = await fetch(`${base}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, secret, device: crypto.randomUUID() }),
  });
  return (await r.json()).access_token;
}

test("with no key worker, \"I don't feel safe\" says honestly that Tandem can't tell anyone, and offers no false promise", async () => {
  const base = env.server.base;
  const mo = await tokenFor(base, 'mo', '5286');
  const admin = await tokenFor(base, 'admin', 'demo-admin-pass');
  const me = (await call(base, mo, 'GET', '/api/me')).json;
  assert.ok(me.workers.length > 0, 'Mo starts with a key worker');
  for (const w of me.workers) {
    const ended = await call(base, admin, 'POST', '/api/admin/assignments/end', { worker: w.id, young_person: me.id });
    assert.equal(ended.status, 200, JSON.stringify(ended.json));
  }
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await signIn(page, base, 'mo', '5286');
  await page.getByRole('button', { name: "I don't feel safe right now" }).click();
  const panel = page.getByRole('region', { name: "I don't feel safe right now" });
  await panel.getByText("You don't have a key worker in Tandem right now").waitFor();
  assert.equal(await panel.getByRole('button', { name: /Yes, tell/ }).count(), 0, 'no button that would tell nobody');
  assert.ok(await panel.getByText('call 999').isVisible());
  // Tandem can't tell anyone, but the helplines the service names are there to call now.
  await panel.getByRole('link', { name: 'Call Samaritans: 116 123' }).waitFor();
  assert.equal(await panel.getByRole('link', { name: 'call 999' }).getAttribute('href'), 'tel:999');
  await assertAccessible(page, 'safety panel with no key worker');
  await panel.getByRole('button', { name: 'Close' }).click();
  await context.close();
});
