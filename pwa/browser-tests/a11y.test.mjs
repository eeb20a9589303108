import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, signIn, startServer } from './harness.mjs';

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

async function scan(page, screen) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${screen} has serious violations`);
}

for (const scheme of ['light', 'dark']) {
  test(`no serious or critical axe-core violations on any young person's screen (${scheme}, 320 px)`, async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 640 }, colorScheme: scheme });
    const page = await context.newPage();
    await page.goto(server.base + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await scan(page, 'sign in');
    await page.getByRole('button', { name: /I have a code/ }).click();
    await scan(page, 'join');
    await signIn(page, server.base, 'ash', '2468');
    await scan(page, 'home');
    await page.locator('details.who-details summary').first().click();
    await scan(page, 'home with who-can-see open');
    for (const [button, screen] of [[/My goals/, 'goals'], [/What I want you to know/, 'statements'], [/From my worker/, 'from my worker'], [/Who has seen/, 'who has seen'], [/Save or print/, 'export']]) {
      await page.getByRole('button', { name: 'Home' }).click();
      await page.getByRole('button', { name: button }).click();
      await page.locator('h1').first().waitFor();
      await scan(page, screen);
    }
    await page.getByRole('button', { name: 'Home' }).click();
    await page.getByRole('button', { name: /My goals/ }).click();
    await page.getByRole('button', { name: /Open/ }).first().click();
    await page.getByText('How is it going?').waitFor();
    await scan(page, 'goal editor');
    const scrolls = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(scrolls, false, 'nothing scrolls sideways at 320 px');
    await context.close();
  });
}

test('no serious or critical violations on the worker screens', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.base, 'sam', 'demo-worker-pass');
  await page.getByRole('heading', { name: 'Young people you support' }).waitFor();
  await scan(page, 'caseload');
  await page.getByRole('button', { name: /Open ash/ }).click();
  await scan(page, 'young person');
  await context.close();
});
