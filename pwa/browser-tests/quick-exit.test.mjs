import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, serverAndBrowser, signIn } from './harness.mjs';

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
    await signIn(page, env.server.base, 'ash', '6159');
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

test('words being read out loud stop at Stop, when Tandem is put away, when the screen changes, and when Leave quickly is pressed', async () => {
  const context = await contextWithNeutralSite();
  // The phone's own voice, listened to: what the app asks it to say and to stop, told to the test
  // (the page itself goes when it leaves). A stop ends what was being said, as a real voice does.
  const heard = [];
  await context.exposeFunction('__voice', (what) => heard.push(what));
  await context.addInitScript(() => {
    let current = null;
    const voice = {
      speak(words) { current = words; window.__voice(`speak (${words.lang}): ${words.text}`); },
      cancel() {
        window.__voice('stop');
        const was = current;
        current = null;
        if (was?.onend) setTimeout(() => was.onend(new Event('end')), 0);
      },
      getVoices: () => [],
    };
    Object.defineProperty(window, 'speechSynthesis', { value: voice, configurable: true });
  });
  const page = await context.newPage();
  await page.goto('about:blank');
  await signIn(page, env.server.base, 'ash', '6159');
  const stopsSoFar = () => heard.filter((h) => h === 'stop').length;

  // Read out, then Stop.
  await page.getByRole('button', { name: /^Read this out loud: I'm a good listener/ }).click();
  await page.getByRole('button', { name: 'Stop reading out loud' }).waitFor();
  assert.ok(heard.includes("speak (en-GB): I'm a good listener. My mates come to me."), JSON.stringify(heard));
  let stops = stopsSoFar();
  await page.getByRole('button', { name: 'Stop reading out loud' }).click();
  await page.getByRole('button', { name: /^Read this out loud: I'm a good listener/ }).waitFor();
  assert.ok(stopsSoFar() > stops, 'Stop stopped the voice');

  // Put away (the screen turned off, another app opened): it stops.
  await page.getByRole('button', { name: /^Read this out loud: I'm a good listener/ }).click();
  await page.getByRole('button', { name: 'Stop reading out loud' }).waitFor();
  stops = stopsSoFar();
  const shown = (state) => page.evaluate((s) => {
    Object.defineProperty(document, 'visibilityState', { value: s, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
  await shown('hidden');
  await eventually(() => stopsSoFar() > stops, 15_000, 'the voice to stop when Tandem is put away');
  await shown('visible');
  await page.getByRole('button', { name: /^Read this out loud: I'm a good listener/ }).waitFor();

  // Another screen read out, then Back: the voice of the screen left stops.
  await page.getByRole('button', { name: /What I want you to know/ }).click();
  await page.getByRole('heading', { level: 1, name: /want you to know/ }).waitFor();
  await page.getByRole('button', { name: /^Read this out loud/ }).first().click();
  await page.getByRole('button', { name: 'Stop reading out loud' }).waitFor();
  stops = stopsSoFar();
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Good things about you' }).waitFor();
  await eventually(() => stopsSoFar() > stops, 15_000, 'the voice to stop on leaving the screen');

  // Leave quickly while words are being said, from the app's first screen (nothing to walk
  // back through, so no screen is closed on the way): they stop, before anything else.
  await page.getByRole('button', { name: /^Read this page out loud/ }).click();
  await page.getByRole('button', { name: 'Stop reading out loud' }).waitFor();
  stops = stopsSoFar();
  await page.getByRole('button', { name: 'Leave quickly' }).click();
  await page.waitForURL('https://www.bbc.co.uk/weather');
  await eventually(() => stopsSoFar() > stops, 15_000, 'the voice to stop on leaving quickly');
  await context.close();
});
