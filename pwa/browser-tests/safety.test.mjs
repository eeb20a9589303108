import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertAccessible, eventually, serverAndBrowser, signIn, waitForServiceWorker } from './harness.mjs';

const env = serverAndBrowser();

test("\"I don't feel safe\" raised offline reaches the worker's open screen on reconnect, and the young person learns it was seen", async () => {
  const yp = await env.browser.newContext();
  const wk = await env.browser.newContext();
  const ash = await yp.newPage();
  const sam = await wk.newPage();
  await signIn(ash, env.server.base, 'ash', '6159');
  await waitForServiceWorker(ash);
  await signIn(sam, env.server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('heading', { name: 'Young people you support' }).waitFor();

  // Opened again with no signal: what the service said to show is on the phone.
  await yp.setOffline(true);
  await ash.reload();
  await ash.getByRole('button', { name: "I don't feel safe right now" }).click();
  // It says honestly what will happen, and who will be told, before anything is sent.
  await ash.getByText(/will tell Sam straight away/).waitFor();
  await ash.getByText(/call 999/).waitFor();
  // Someone who answers now, one tap away: the demo service's helplines.
  assert.equal(await ash.getByRole('link', { name: 'call 999' }).getAttribute('href'), 'tel:999');
  const childline = ash.getByRole('link', { name: 'Call Childline: 0800 1111' });
  assert.equal(await childline.getAttribute('href'), 'tel:08001111');
  assert.equal(await ash.getByRole('link', { name: 'Text Shout: 85258' }).getAttribute('href'), 'sms:85258');
  await assertAccessible(ash, "the I don't feel safe panel");
  await ash.getByRole('button', { name: 'Yes, tell Sam' }).click();
  await ash.getByText(/Saved on this phone. It will be sent to Sam as soon as there is signal/).waitFor();
  await childline.waitFor();
  assert.equal(await sam.getByText(/said they don't feel safe/).count(), 0, 'nothing reached the worker while offline');

  await yp.setOffline(false);
  await ash.evaluate(() => window.dispatchEvent(new Event('online')));
  await sam.getByText("ash said they don't feel safe right now").waitFor({ timeout: 15_000 });
  // A worker with Tandem in a background tab sees it in the tab's title; no name is in it.
  await eventually(async () => (await sam.title()) === "(1) Someone doesn't feel safe: Tandem", 10_000, 'the alert in the tab title');
  await ash.getByText('Sent to Sam. Waiting for them to see it.').waitFor();

  await sam.getByRole('button', { name: "I've seen this" }).click();
  await ash.getByText("Sam has seen that you don't feel safe.").waitFor({ timeout: 15_000 });
  await childline.waitFor({ state: 'detached' });
  // Wait for the state expected: the flag goes once the worker's screen has caught up.
  await eventually(async () => (await sam.getByText(/said they don't feel safe/).count()) === 0, 15_000, 'acknowledged alerts to stop flagging');
  await eventually(async () => (await sam.title()) === 'Tandem', 10_000, 'the title back to Tandem');
  await yp.close();
  await wk.close();
});
