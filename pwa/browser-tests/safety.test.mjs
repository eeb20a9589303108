import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, signIn, startServer, waitForServiceWorker } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("\"I don't feel safe\" raised offline reaches the worker's open screen on reconnect, and the young person learns it was seen", async () => {
  const yp = await browser.newContext();
  const wk = await browser.newContext();
  const ash = await yp.newPage();
  const sam = await wk.newPage();
  await signIn(ash, server.base, 'ash', '2468');
  await waitForServiceWorker(ash);
  await signIn(sam, server.base, 'sam', 'demo-worker-pass');
  await sam.getByRole('heading', { name: 'Young people you support' }).waitFor();

  await yp.setOffline(true);
  await ash.getByRole('button', { name: "I don't feel safe right now" }).click();
  // It says honestly what will happen, and who will be told, before anything is sent.
  await ash.getByText(/will tell Sam straight away/).waitFor();
  await ash.getByText(/call 999/).waitFor();
  const a11y = await new AxeBuilder({ page: ash }).analyze();
  assert.deepEqual(a11y.violations.filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => v.id), []);
  await ash.getByRole('button', { name: 'Yes, tell Sam' }).click();
  await ash.getByText(/Saved on this phone. It will be sent to Sam as soon as there is signal/).waitFor();
  assert.equal(await sam.getByText(/said they don't feel safe/).count(), 0, 'nothing reached the worker while offline');

  await yp.setOffline(false);
  await ash.evaluate(() => window.dispatchEvent(new Event('online')));
  await sam.getByText("ash said they don't feel safe right now").waitFor({ timeout: 15_000 });
  await ash.getByText('Sent to Sam. Waiting for them to see it.').waitFor();

  await sam.getByRole('button', { name: "I've seen this" }).click();
  await ash.getByText("Sam has seen that you don't feel safe.").waitFor({ timeout: 15_000 });
  assert.equal(await sam.getByText(/said they don't feel safe/).count(), 0, 'acknowledged alerts stop flagging');
  await yp.close();
  await wk.close();
});
