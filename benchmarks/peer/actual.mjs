// The peer workload against Actual Budget's sync server: starts it on loopback with its data in
// the folder given, sets it up as a new user would (password, one budget file), then runs the
// same shape of work as the Tandem and pouchdb-server rows, and prints the timings as JSON.
//
// Each document is one Actual message (dataset, row, column, value) with a hybrid logical clock
// timestamp from @actual-app/crdt, sent in SyncRequest protobufs of 100, as Actual's client sends
// them; the server stores each message and updates the file's merkle trie, which is what it must
// do to accept a write. The changes are then pulled by a second client with `since`.
//
//   node benchmarks/peer/actual.mjs <folder>   →   {"insert_secs":…,"update_secs":…,…}
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  MessageEnvelopeSchema,
  MessageSchema,
  SyncRequestSchema,
  SyncResponseSchema,
  Timestamp,
  create,
  fromBinary,
  makeClientId,
  makeClock,
  setClock,
  toBinary,
} from '@actual-app/crdt';

const DOCS = 10_000;
const CHANGES = 1_000;
const BATCH = 100;
const here = dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2];
if (!dir) throw new Error('usage: actual.mjs <folder>');

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startServer() {
  const port = await freePort();
  for (const d of ['server-files', 'user-files']) mkdirSync(join(dir, d), { recursive: true });
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ port, hostname: '127.0.0.1', serverFiles: join(dir, 'server-files'), userFiles: join(dir, 'user-files'), dataDir: dir }));
  // app.js reads its configuration file from the environment (the `actual-server` wrapper sets it from --config).
  const env = { ...process.env, ACTUAL_CONFIG_PATH: config, NODE_ENV: 'production' };
  const child = spawn(process.execPath, [join(here, 'node_modules/@actual-app/sync-server/build/app.js')], { stdio: 'ignore', cwd: dir, env });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return { base, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('Actual sync server did not start');
}

async function json(res) {
  const body = await res.json();
  if (body.status !== 'ok') throw new Error(`Actual answered ${JSON.stringify(body)}`);
  return body;
}

const { base, child } = await startServer();
try {
  const boot = await json(await fetch(`${base}/account/bootstrap`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: 'bench-password-1' }) }));
  const token = boot.data.token;
  const fileId = crypto.randomUUID();
  const upload = await json(
    await fetch(`${base}/sync/upload-user-file`, {
      method: 'POST',
      headers: { 'x-actual-token': token, 'x-actual-name': 'bench', 'x-actual-file-id': fileId, 'x-actual-format': '2', 'content-type': 'application/encrypted-file' },
      body: new Uint8Array(64),
    }),
  );
  const groupId = upload.groupId;

  const sync = async (messages, since) => {
    const body = toBinary(SyncRequestSchema, create(SyncRequestSchema, { messages, fileId, groupId, keyId: '', since }));
    const res = await fetch(`${base}/sync/sync`, { method: 'POST', headers: { 'x-actual-token': token, 'content-type': 'application/actual-sync' }, body });
    if (!res.ok) throw new Error(`sync: ${res.status} ${await res.text()}`);
    return fromBinary(SyncResponseSchema, new Uint8Array(await res.arrayBuffer()));
  };
  setClock(makeClock(new Timestamp(0, 0, makeClientId())));
  const envelope = (row, text) => {
    const content = toBinary(MessageSchema, create(MessageSchema, { dataset: 'strengths', row, column: 'text', value: `S:${text}` }));
    return create(MessageEnvelopeSchema, { timestamp: Timestamp.send().toString(), isEncrypted: false, content });
  };
  // The client's `since` is the last timestamp it has synced; Actual's server returns what others wrote after it.
  let since = Timestamp.zero.toString();
  const rows = [];

  let t = performance.now();
  for (let b = 0; b < DOCS / BATCH; b++) {
    const messages = [];
    for (let i = 0; i < BATCH; i++) {
      const row = crypto.randomUUID();
      rows.push(row);
      messages.push(envelope(row, `doc ${b}-${i}`));
    }
    await sync(messages, since);
    since = messages[messages.length - 1].timestamp;
  }
  const insertSecs = (performance.now() - t) / 1000;
  const before = since;

  t = performance.now();
  for (let b = 0; b < CHANGES / BATCH; b++) {
    const messages = rows.slice(b * BATCH, (b + 1) * BATCH).map((row) => envelope(row, 'changed'));
    await sync(messages, since);
    since = messages[messages.length - 1].timestamp;
  }
  const updateSecs = (performance.now() - t) / 1000;

  t = performance.now();
  const pulled = await sync([], before);
  const seen = pulled.messages.map((m) => fromBinary(MessageSchema, m.content)).filter((m) => m.value === 'S:changed').length;
  const replicateSecs = (performance.now() - t) / 1000;

  console.log(JSON.stringify({ insert_secs: insertSecs, update_secs: updateSecs, replicate_secs: replicateSecs, changes_seen: seen }));
} finally {
  child.kill();
}
