// Starts the real `tandem serve --demo` on a free loopback port with a fresh database, and
// Debian's Chromium through playwright-core.
import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, afterEach, before } from 'node:test';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../..');
const BINARY = process.env.TANDEM_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'debug/tandem');

function spawnServer(dir, listen) {
  const child = spawn(BINARY, ['serve', '--demo', '--listen', listen, '--db', join(dir, 'tandem.db')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TANDEM_LOG: 'warn' },
  });
  let out = '';
  if (process.env.SHOW_SERVER_LOG) child.stderr.on('data', (c) => process.stderr.write(c));
  const started = new Promise((resolveStarted, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/running at (http:\/\/[^/\s]+)\//);
      if (m && /invite code|already in this database/.test(out)) {
        clearTimeout(timer);
        resolveStarted({ base: m[1], invite: out.match(/invite code (\S+)/)?.[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  return { child, started };
}

async function stopChild(child, signal) {
  const exited = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.on('exit', r)));
  child.kill(signal);
  await exited;
}

export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-browser-'));
  let { child, started } = spawnServer(dir, '127.0.0.1:0');
  const { base, invite } = await started;
  return {
    base,
    invite,
    /** The SQLite file, for a test to change what no screen can (how long ago something was). */
    db: join(dir, 'tandem.db'),
    /** Stops the server (SIGKILL: no warning; SIGTERM: graceful) and starts it again on the same address and database. */
    async restart(signal = 'SIGKILL') {
      await stopChild(child, signal);
      ({ child, started } = spawnServer(dir, base.replace('http://', '')));
      await started;
    },
    /** Takes a backup with `tandem backup` while the server runs; returns its path. */
    backup() {
      const to = join(dir, `backup-${Date.now()}.db`);
      execFileSync(BINARY, ['backup', '--db', join(dir, 'tandem.db'), '--to', to]);
      return to;
    },
    /** Stops the server, puts a backup in place of the database (as after a lost disk) and
     *  starts it again on the same address, with the same key files. */
    async restoreFrom(backup) {
      await stopChild(child, 'SIGTERM');
      for (const extra of ['-wal', '-shm']) rmSync(join(dir, `tandem.db${extra}`), { force: true });
      copyFileSync(backup, join(dir, 'tandem.db'));
      ({ child, started } = spawnServer(dir, base.replace('http://', '')));
      await started;
    },
    async stop() {
      await stopChild(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const CHROMIUM = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

export async function launch() {
  return chromium.launch(CHROMIUM);
}

/** A browser whose storage is on disk in `profile`, as a phone's is: the contexts `launch` makes
 *  keep IndexedDB in memory, where a write never waits for the disk. */
export async function launchOnDisk(profile) {
  return chromium.launchPersistentContext(profile, CHROMIUM);
}

/**
 * The real server and Chromium for one test file: started before its tests, stopped after.
 * Read `env.server` and `env.browser` inside tests.
 */
export function serverAndBrowser() {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await startServer();
    env.browser = await launch();
    if (process.env.TANDEM_AUDIT_WAITS) await auditWaits(env.browser, process.env.TANDEM_AUDIT_WAITS);
    // Every page's uncaught errors are kept: a test fails if its pages threw anything.
    const newContext = env.browser.newContext.bind(env.browser);
    env.browser.newContext = async (...args) => {
      const context = await newContext(...args);
      context.on('page', (page) => page.on('pageerror', (e) => uncaught.push(`${e.name}: ${e.message} ${(e.stack ?? '').split('\n')[1] ?? ''}`)));
      return context;
    };
  });
  const uncaught = [];
  afterEach(() => {
    const thrown = uncaught.splice(0);
    assert.deepEqual(thrown, [], 'nothing in the page threw without being caught');
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/** For finding waits that prove nothing: with `TANDEM_AUDIT_WAITS=<file>`, every `waitFor()`
 *  whose element was already showing when the wait began is written to the file with its test
 *  line. Most are fine (the result came before the wait did); one after a tap, for words that
 *  were there before it ("Everything is sent."), waits for nothing. */
async function auditWaits(browser, file) {
  const context = await browser.newContext();
  const proto = Object.getPrototypeOf((await context.newPage()).locator('body'));
  await context.close();
  if (proto.audited) return;
  proto.audited = true;
  const waitFor = proto.waitFor;
  proto.waitFor = async function (options) {
    if ((options?.state ?? 'visible') === 'visible' && (await this.first().isVisible().catch(() => false))) {
      const site = new Error().stack.split('\n').find((l) => l.includes('.test.mjs'))?.trim() ?? '';
      appendFileSync(file, `${site} :: ${this}\n`);
    }
    return waitFor.call(this, options);
  };
}

/** Signs in through the real sign-in screen and waits for the home screen. */
export async function signIn(page, base, name, secret, { shared = false } = {}) {
  await typeSignIn(page, base, name, secret, { shared });
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Opens Tandem and signs in, without waiting for what comes next (a code asked for, a new
 *  password to choose). */
export async function typeSignIn(page, base, name, secret, { shared = false } = {}) {
  await page.goto(base + '/');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Your PIN or password').fill(secret);
  if (shared) await page.getByLabel(/shared tablet/).check();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** axe-core, every rule: no serious or critical violation on the page as it stands. */
export async function assertAccessible(page, screen) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${screen} has serious violations`);
}

/** Waits until the page's service worker is active and controls it, so it will start offline. */
export async function waitForServiceWorker(page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) {
    await page.reload();
    await page.waitForFunction(() => !!navigator.serviceWorker.controller);
  }
}

const HEADERS = { 'content-type': 'application/json', 'tandem-protocol': '1', 'tandem-schema': '1' };

/** A POST to the API from outside the browser (signed in with `token`, if given): its status and JSON. */
export async function post(base, path, body = {}, token) {
  const headers = token ? { ...HEADERS, authorization: `Bearer ${token}` } : HEADERS;
  const r = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** The demo's admin, from outside the browser: people's ids by name, and admin actions that must succeed. */
export async function asAdmin(base) {
  const { access_token: token } = (await post(base, '/api/auth/sign-in', { name: 'admin', secret: 'demo-admin-pass', device: crypto.randomUUID() })).body;
  return {
    async idOf(name) {
      const people = await (await fetch(`${base}/api/admin/people`, { headers: { ...HEADERS, authorization: `Bearer ${token}` } })).json();
      return people.find((p) => p.display_name === name)?.id;
    },
    async post(path, body) {
      const answer = await post(base, path, body, token);
      assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
  };
}

/** The same API the PWA uses, from outside the browser, to check what reached the server. */
export async function api(base, name, secret) {
  const device = crypto.randomUUID();
  const headers = HEADERS;
  const r = await fetch(`${base}/api/auth/sign-in`, { method: 'POST', headers, body: JSON.stringify({ name, secret, device }) });
  if (!r.ok) throw new Error(`sign in ${name}: ${r.status}`);
  const tokens = await r.json();
  const auth = { ...headers, authorization: `Bearer ${tokens.access_token}` };
  return {
    person: tokens.person,
    async records() {
      const all = [];
      let since = 0;
      for (;;) {
        const page = await (await fetch(`${base}/api/sync/pull?since=${since}`, { headers: auth })).json();
        all.push(...page.records);
        since = page.cursor;
        if (!page.more) return all;
      }
    },
    async texts() {
      return (await this.records()).map((r) => r.fields.text?.value.value ?? r.fields.title?.value.value);
    },
    /** `GET /api/me`: what the server tells each of their devices at its start. */
    async me() {
      return (await fetch(`${base}/api/me`, { headers: auth })).json();
    },
  };
}

/** A young person, signed in on `page`, writes a "what I want you to know" statement and shares
 *  it with their worker (or as `choice` says), as on the screen. */
export async function writeAndShare(page, words, choice = 'Me and my worker') {
  await page.getByRole('button', { name: /What I want you to know/ }).click();
  await page.getByLabel('What you want people to know').fill(words);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const card = page.locator('li.card', { hasText: words });
  await card.locator('summary', { hasText: 'Who can see this' }).click();
  await card.getByLabel(choice).check();
}

/** On "Your account", a young person locks Tandem on this phone with `code`. */
export async function chooseLockCode(page, code) {
  const lock = page.getByRole('region', { name: 'Lock Tandem on this phone' });
  await lock.getByLabel(/Choose a lock code/).fill(code);
  await lock.getByLabel('Type it again').fill(code);
  await lock.getByRole('button', { name: 'Lock Tandem with this code' }).click();
  await lock.getByText(/^Done\./).waitFor();
}

/** Lets a test fill the page's storage: from `full(true)` on, IndexedDB writes are refused as on
 *  a phone with no space left. (Chromium here ignores a quota override for IndexedDB, so the
 *  refusal is made at the API: the same error, from the same call.) Call before the page loads. */
export async function fillableStorage(page) {
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
      if (globalThis.storageFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  return (yes) => page.evaluate((f) => { globalThis.storageFull = f; }, yes);
}

/** Holds the page's pulls until the returned function is called: what a device shows before its
 *  first fetch has come back. */
export async function holdPulls(page) {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await page.route('**/api/sync/pull*', async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/** Everything the page's origin keeps: `text`, every IndexedDB store and cache entry as text
 *  (to search for words or ids), and `stored`, every IndexedDB value. */
export async function keptOnDevice(page) {
  return page.evaluate(async () => {
    const found = [];
    const stored = [];
    for (const info of await indexedDB.databases()) {
      const db = await new Promise((res, rej) => {
        const r = indexedDB.open(info.name);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      for (const store of db.objectStoreNames) {
        const all = await new Promise((res) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => res(r.result);
        });
        found.push(JSON.stringify(all));
        stored.push(...all);
      }
      db.close();
    }
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const req of await cache.keys()) {
        const body = await (await cache.match(req)).text();
        found.push(req.url + body);
      }
    }
    return { text: found.join('\n'), stored };
  });
}

export async function metric(base, name) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return Number(line?.split(' ')[1] ?? NaN);
}

/** Polls `check` until it returns truthy or `ms` passes (no fixed sleeps). `what` says what was
 *  awaited; a function is asked only on timeout (to say what was seen). */
export async function eventually(check, ms = 15_000, what = 'condition') {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  const said = typeof what === 'function' ? what() : what;
  throw new Error(`timed out waiting for ${said} (last: ${JSON.stringify(last)})`);
}

/** The code an authenticator app shows for a two-step secret as Tandem shows it to be typed
 *  (base32), at 30-second step `step` (RFC 6238: HMAC-SHA1, 6 digits), made here with Node's own
 *  crypto so a mistake in the server's shows. */
export function authenticatorCode(typed, step = Math.floor(Date.now() / 30_000)) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let [bits, count] = [0, 0];
  const secret = [];
  for (const c of typed.replace(/\s/g, '')) {
    bits = ((bits << 5) | alphabet.indexOf(c)) & 0xfff;
    count += 5;
    if (count >= 8) {
      count -= 8;
      secret.push((bits >> count) & 0xff);
    }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', Buffer.from(secret)).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
