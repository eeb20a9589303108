import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const who = process.argv[2], pass = process.argv[3];
const ctx = await browser.newContext({ viewport: { width: 1024, height: 700 } });
const page = await ctx.newPage();
let n = 0;
const shot = async (name) => { await page.waitForTimeout(800); await page.screenshot({ path: `/tmp/shots/${who}-${String(++n).padStart(2, '0')}-${name}.png`, fullPage: true }); };
await page.goto('http://127.0.0.1:8099/');
await page.getByLabel(/name/i).first().fill(who);
await page.getByLabel(/PIN|password/i).first().fill(pass);
await page.getByRole('button', { name: /sign in/i }).first().click();
await page.waitForTimeout(2500);
await shot('home');
for (const name of process.argv.slice(4)) {
  await page.getByRole('button', { name, exact: true }).first().click();
  await shot(name.replace(/\W+/g, '_'));
}
console.log((await page.getByRole('button').allTextContents()).join(' | '));
await browser.close();
