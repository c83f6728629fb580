import { spawn, spawnSync } from 'node:child_process';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiServerClient, freePort, get, loadBatchOf, LOAD_RULE, makePki, post, spawnServe, tempDir, until, wholeJsonLines, writePki, type Pki } from './helpers.js';

/**
 * Faults a real `kubeward detect serve` process meets: kill -9 under load, a full filesystem, SIGTERM
 * with sinks behind. The client behaves as kube-apiserver: it retries every batch until it gets a 200.
 * The claim under test: an acknowledged event is never lost, and a crash repeats at most one delivery
 * round (100 alerts) per sink.
 */
let pki: Pki;
const TOKEN = 'fault-token';
beforeAll(async () => {
  pki = await makePki();
}, 60_000);

const BATCH = 100;
const loadBatch = (n: number) => loadBatchOf(`b${n}`, BATCH);

function setUp(dir: string) {
  const files = writePki(pki, dir);
  writeFileSync(join(dir, 'token'), TOKEN);
  writeFileSync(join(dir, 'load.yaml'), LOAD_RULE);
  return (port: number, extra: string[] = []) => [
    '--listen', `127.0.0.1:${port}`, '--tls-cert', files.cert, '--tls-key', files.key, '--token-file', join(dir, 'token'),
    '--journal', join(dir, 'journal.jsonl'), '--no-builtin-rules', '--rules', join(dir, 'load.yaml'), '-q', ...extra,
  ];
}

/** The alerts a sink file holds so far (the one being written, if any, once it is whole). */
const alertsIn = (file: string) => wholeJsonLines<{ evidence: string[] }>(file);

/** The events of acknowledged batches that no alert names. */
function missing(acknowledged: Iterable<number>, alerts: { evidence: string[] }[]): string[] {
  const seen = new Set(alerts.flatMap((alert) => alert.evidence));
  const lost: string[] = [];
  for (const n of acknowledged) for (let i = 0; i < BATCH; i++) if (!seen.has(`b${n}-${i}`)) lost.push(`b${n}-${i}`);
  return lost;
}

/** Waits until every acknowledged event has its alert in the sink file (duplicates do not count), then checks. */
async function expectNothingLost(acknowledged: Iterable<number>, file: string): Promise<{ evidence: string[] }[]> {
  const batches = [...acknowledged];
  await until(() => missing(batches, alertsIn(file)).length === 0, 60_000, 'every acknowledged event delivered').catch(() => undefined);
  const alerts = alertsIn(file);
  expect(missing(batches, alerts)).toEqual([]);
  return alerts;
}

describe('detect serve under faults', () => {
  it('loses no acknowledged event to kill -9 at random moments under load, and repeats at most a round per crash', async () => {
    const dir = tempDir();
    const port = await freePort();
    const args = setUp(dir)(port, ['--sink', `file:${join(dir, 'alerts.jsonl')}`]);
    const TOTAL = 60;
    const client = new ApiServerClient(`https://127.0.0.1:${port}`, pki, TOKEN, loadBatch, TOTAL, 4);
    let serve = await spawnServe(args);
    client.start();
    try {
      const CRASHES = 3;
      for (let crash = 0; crash < CRASHES; crash++) {
        // a random moment: after a random number of acknowledged batches, then a random few milliseconds
        const target = Math.min(TOTAL - 5, client.acknowledged.size + 3 + Math.floor(Math.random() * 10));
        await until(() => client.acknowledged.size >= target, 60_000, 'load');
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
        serve.child.kill('SIGKILL');
        await serve.exited;
        serve = await spawnServe(args);
      }
      await until(() => client.done, 60_000, 'every batch acknowledged');
      await client.stop();
      const alerts = await expectNothingLost(client.acknowledged, join(dir, 'alerts.jsonl'));
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
      expect(readFileSync(join(dir, 'alerts.jsonl'), 'utf8').endsWith('\n')).toBe(true); // stopped: every alert whole
      const duplicates = alerts.length - new Set(alerts.map((alert) => alert.evidence[0])).size;
      expect(duplicates).toBeLessThanOrEqual(CRASHES * 100);
      // the journal holds whole lines only: no fragment of a write the kill cut short
      for (const line of readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    } finally {
      await client.stop();
      serve.child.kill('SIGKILL'); // a failed check leaves no receiver running
    }
  }, 120_000);

  it('on a full filesystem (a small tmpfs): 503 and not ready with the journal as it was, 200 once there is room, nothing lost to a crash after', async (context) => {
    // A tmpfs of 1 MiB mounted in a mount namespace of its own (the machine's mounts are untouched),
    // held open by a sleeping process; the receiver runs inside it (nsenter), the test reaches its
    // files through /proc/<holder>/root.
    const mount = tempDir();
    const unprivileged = process.getuid?.() !== 0 ? ['--user', '--map-root-user'] : [];
    const holder = spawn('unshare', [...unprivileged, '--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=1m,mode=0700 kubeward-test '${mount}' && echo ready && exec sleep 600`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = await new Promise<boolean>((resolve) => {
      holder.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve(true));
      holder.on('exit', () => resolve(false));
      holder.on('error', () => resolve(false));
    });
    if (!ready || spawnSync('nsenter', ['--version']).status !== 0) {
      holder.kill('SIGKILL');
      context.skip(); // no mount namespaces here: the injected-fault test (full-disk.test.ts) covers this path
      return;
    }
    const prefix = ['nsenter', '--target', String(holder.pid), '--mount', ...(unprivileged.length ? ['--user', '--preserve-credentials'] : []), '--'];
    const inside = (path: string) => `/proc/${holder.pid}/root${path}`;
    try {
      const config = tempDir();
      const port = await freePort();
      const args = setUp(config)(port, ['--journal', join(mount, 'journal.jsonl'), '--sink', `file:${join(mount, 'alerts.jsonl')}`]);
      const url = `https://127.0.0.1:${port}`;
      const send = (n: number) => post(url, loadBatch(n), pki, { token: TOKEN });
      let serve = await spawnServe(args, { prefix });
      expect((await send(1)).status).toBe(200);
      await until(() => alertsIn(inside(join(mount, 'alerts.jsonl'))).length === BATCH, 30_000, 'alerts of batch 1');
      const journalBefore = readFileSync(inside(join(mount, 'journal.jsonl')));

      // Fill the filesystem, then give back 8 KiB: the next batch (~35 KB) is written in part, then ENOSPC.
      const filler = inside(join(mount, 'filler'));
      const page = Buffer.alloc(4096, 1);
      let filled = 0;
      try {
        for (;;) {
          writeFileSync(filler, page, { flag: 'a' });
          filled += page.length;
        }
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      spawnSync('truncate', ['-s', String(filled - 8192), filler]);
      const refused = await send(2);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(readFileSync(inside(join(mount, 'journal.jsonl')))).toEqual(journalBefore); // truncated back: no fragment
      const notReady = await get(url, '/readyz', pki);
      expect(notReady.status).toBe(503);
      expect(notReady.body).toContain('ENOSPC');

      rmSync(filler);
      await until(async () => (await get(url, '/readyz', pki)).status === 200, 30_000, 'ready again');
      expect((await send(3)).status).toBe(200);
      // a crash, and a restart on the same journal; then the API server retries batch 2
      serve.child.kill('SIGKILL');
      await serve.exited;
      serve = await spawnServe(args, { prefix });
      expect((await send(2)).status).toBe(200);
      await expectNothingLost([1, 2, 3], inside(join(mount, 'alerts.jsonl')));
      for (const line of readFileSync(inside(join(mount, 'journal.jsonl')), 'utf8').split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 120_000);

  it('stops within --shutdown-timeout on SIGTERM with a dead webhook sink far behind, and delivers its alerts after the restart', async () => {
    const dir = tempDir();
    const port = await freePort();
    const hookPort = await freePort(); // nothing listens there yet: a dead sink
    const hook = `webhook:https://localhost:${hookPort}/hook`;
    writeFileSync(join(dir, 'hook-ca.crt'), pki.ca);
    const args = setUp(dir)(port, ['--sink', `file:${join(dir, 'alerts.jsonl')}`, '--sink', hook, '--sink-ca', join(dir, 'hook-ca.crt'), '--shutdown-timeout', '1']);
    const TOTAL = 8;
    const client = new ApiServerClient(`https://127.0.0.1:${port}`, pki, TOKEN, loadBatch, TOTAL, 4);
    let serve = await spawnServe(args);
    client.start();
    await until(() => client.done, 60_000, 'every batch acknowledged');
    await client.stop();
    const asked = Date.now();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(Date.now() - asked).toBeLessThan(1000 + 9000); // the timeout, and room for a loaded machine
    const cursors = JSON.parse(readFileSync(join(dir, 'journal.jsonl.alerts.cursors'), 'utf8'));
    expect(Object.values(cursors).map((cursor) => (cursor as { name: string }).name).sort()).toEqual([`file:${join(dir, 'alerts.jsonl')}`, `webhook:https://localhost:${hookPort}/hook`]);

    // the webhook receiver comes up; the restarted receiver delivers what it had not confirmed
    const received: string[] = [];
    const receiver = createHttpsServer({ cert: pki.cert, key: pki.key }, (request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push(JSON.parse(body).evidence[0]);
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(hookPort, '127.0.0.1', resolve));
    try {
      serve = await spawnServe(args);
      await until(() => new Set(received).size === TOTAL * BATCH, 60_000, 'the webhook sink catching up');
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
    const alerts = await expectNothingLost(client.acknowledged, join(dir, 'alerts.jsonl'));
    expect(alerts.length).toBeLessThanOrEqual(TOTAL * BATCH + 100);
  }, 120_000);
});
