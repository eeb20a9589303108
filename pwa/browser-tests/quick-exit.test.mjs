import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverAndBrowser, signIn } from './harness.mjs';

const env = serverAndBrowser();

async function contextWithNeutralSite() {
  const context = await env.browser.newContext();
  // The neutral site is on the internet; stand in for it so the test runs with no network.
  await context.route('https://www.bbc.co.uk/**', (route) => route.fulfill({ contentType: 'text/html', body: '<title>Weather</title><h1>Weather</h1>' }));
  return context;
}

for (const how of ['button', 'shift three times']) {
  test(`quick exit (${how}) leaves the app and Back does not return to it`, async () => {
    const context = await contextWithNeutralSite();
    const page = await context.newPage();
    await page.goto('about:blank');
    await signIn(page, env.server.base, 'ash', '2468');
    await page.getByRole('button', { name: /My goals/ }).click();
    await page.getByRole('heading', { name: 'My goals' }).waitFor();
    if (how === 'button') {
      await page.getByRole('button', { name: 'Leave quickly' }).click();
    } else {
      await page.keyboard.press('Shift');
      await page.keyboard.press('Shift');
      await page.keyboard.press('Shift');
    }
    await page.waitForURL('https://www.bbc.co.uk/weather');
    await page.goBack().catch(() => undefined);
    const url = page.url();
    assert.ok(!url.startsWith(env.server.base), `Back returned to the app (${url})`);
    // Nor does Forward (twice): an app entry left behind leaves again before drawing anything.
    for (let i = 0; i < 2; i++) {
      await page.goForward().catch(() => undefined);
      await page.waitForURL('https://www.bbc.co.uk/weather');
    }
    await context.close();
  });
}
