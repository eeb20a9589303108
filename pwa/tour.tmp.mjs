import { chromium } from 'playwright-core';
const base = 'http://127.0.0.1:8090';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const shots = process.argv[2] ?? 'x';
async function tour(name, secret, width, steps) {
  const ctx = await browser.newContext({ viewport: { width, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(base);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Your PIN or password').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForTimeout(1500);
  let i = 0;
  for (const s of steps) {
    try { await s(page); await page.waitForTimeout(800); } catch (e) { console.log(name, 'step failed', e.message.split('\n')[0]); }
    await page.screenshot({ path: `/tmp/shots/${shots}-${name}-${i++}.png`, fullPage: true });
  }
  await ctx.close();
}
const btn = (n) => (p) => p.getByRole('button', { name: n }).first().click();
const steps = JSON.parse(process.argv[3] ?? '[]');
await tour(process.argv[4] ?? 'ash', process.argv[5] ?? '2468', Number(process.argv[6] ?? 360), steps.map((s) => btn(new RegExp(s))));
await browser.close();
