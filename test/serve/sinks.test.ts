import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAuditWebhook, type AuditWebhook, type AuditWebhookOptions } from '../../src/serve/audit-webhook.js';
import { FillingDisk, freePort, get, loadBatchOf, makePki, metric, post, receiverOptions, tempDir, until, wholeJsonLines, type Pki } from './helpers.js';

/**
 * Delivery per sink: at least once, each sink on its own cursor. A dead or slow sink holds back
 * nobody else: not the file sink beside it, not processing, not the journal's checkpoint.
 */
let pki: Pki;
beforeAll(async () => {
  pki = await makePki();
}, 60_000);

let server: AuditWebhook | undefined;
const receivers: Server[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const receiver of receivers.splice(0)) {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
});

async function start(overrides: Partial<AuditWebhookOptions>, dir = tempDir()) {
  server = await startAuditWebhook(receiverOptions(pki, dir, overrides));
  return { dir, alerts: join(dir, 'alerts.jsonl') };
}

const events = loadBatchOf;
const evidence = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).evidence[0]) : []);

/** An HTTPS alert receiver; `handler` decides each answer (it may hold a request). */
async function receiver(handler: (request: IncomingMessage, response: ServerResponse, body: string) => void, port = 0): Promise<string> {
  const listening = createHttpsServer({ cert: pki.cert, key: pki.key }, (request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => handler(request, response, body));
  });
  await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
  receivers.push(listening);
  return `https://localhost:${(listening.address() as AddressInfo).port}/hook`;
}

describe('sinks', () => {
  it('a dead and a slow webhook beside a file sink: the file sink, processing and the checkpoint go on; both catch up later', async () => {
    const held: ServerResponse[] = [];
    const slowGot: string[] = [];
    let release = false;
    const slow = await receiver((_request, response, body) => {
      slowGot.push(JSON.parse(body).evidence[0]);
      if (release) response.end();
      else held.push(response);
    });
    const deadPort = await freePort();
    const dead = `https://localhost:${deadPort}/hook`;
    const ca = Buffer.from(pki.ca);
    const file = join(tempDir(), 'alerts.jsonl');
    const { dir } = await start({ sinks: [{ kind: 'webhook', url: dead, ca }, { kind: 'webhook', url: slow, ca }, { kind: 'file', path: file }] });
    for (const name of ['a', 'b', 'c']) expect((await post(server!.url, events(name, 10), pki)).status).toBe(200);
    const all = ['a', 'b', 'c'].flatMap((name) => Array.from({ length: 10 }, (_, i) => `${name}-${i}`));
    // the file sink gets everything, processing is done and checkpointed, while the others confirmed nothing
    await until(() => wholeJsonLines(file).length === 30, 30_000, 'the file sink');
    expect(evidence(file)).toEqual(all);
    await server!.processed();
    const journalBytes = readFileSync(join(dir, 'journal.jsonl')).length - readFileSync(join(dir, 'journal.jsonl'), 'utf8').indexOf('\n') - 1;
    expect(Number(readFileSync(join(dir, 'journal.jsonl.offset'), 'utf8'))).toBe(journalBytes);
    const metrics = async () => (await get(server!.url, '/metrics', pki)).body;
    await until(async () => metric(await metrics(), `kubeward_sink_errors_total{sink="webhook:${dead}"}`) >= 1, 30_000, 'the dead sink failing');
    const text = await metrics();
    expect(metric(text, 'kubeward_audit_backlog_bytes')).toBe(0);
    expect(metric(text, `kubeward_sink_delivered_alerts_total{sink="webhook:${dead}"}`)).toBe(0);
    expect(metric(text, `kubeward_sink_delivered_alerts_total{sink="webhook:${slow}"}`)).toBe(0);
    expect(metric(text, `kubeward_sink_backlog_bytes{sink="webhook:${dead}"}`)).toBeGreaterThan(0);
    expect(held.length).toBeGreaterThan(0); // the slow one holds what it got so far

    // the slow one answers, the dead one comes up: both get every alert
    release = true;
    for (const response of held.splice(0)) response.end();
    const deadGot: string[] = [];
    await receiver((_request, response, body) => {
      deadGot.push(JSON.parse(body).evidence[0]);
      response.end();
    }, deadPort);
    await until(() => new Set(slowGot).size === 30 && new Set(deadGot).size === 30, 60_000, 'webhooks catching up');
    expect([...new Set(deadGot)].sort()).toEqual([...all].sort());
    expect([...new Set(slowGot)].sort()).toEqual([...all].sort());
  }, 90_000);

  it('keeps alerts a full disk refused in the spool and delivers them whole once there is room, processing meanwhile', async () => {
    const disk = new FillingDisk((path) => path.endsWith('alerts.jsonl'));
    const { dir, alerts } = await start({ io: disk.io });
    expect((await post(server!.url, events('before', 5), pki)).status).toBe(200);
    await server!.idle();
    disk.free = 300; // part of one alert fits, then ENOSPC
    expect((await post(server!.url, events('full', 20), pki)).status).toBe(200);
    await server!.processed();
    await until(() => disk.failedWrites >= 2, 30_000, 'the sink retrying');
    expect(evidence(alerts)).toEqual(Array.from({ length: 5 }, (_, i) => `before-${i}`)); // no fragment either
    expect(Number(readFileSync(join(dir, 'journal.jsonl.offset'), 'utf8'))).toBeGreaterThan(0);
    disk.free = undefined;
    await server!.idle();
    expect(evidence(alerts)).toEqual([...Array.from({ length: 5 }, (_, i) => `before-${i}`), ...Array.from({ length: 20 }, (_, i) => `full-${i}`)]);
  });

  it('drops an alert a webhook refuses for good (400) and counts it, retrying other failures', async () => {
    let calls = 0;
    const url = await receiver((_request, response) => {
      calls++;
      response.statusCode = calls === 1 ? 500 : calls === 2 ? 400 : 200;
      response.end();
    });
    await start({ sinks: [{ kind: 'webhook', url, ca: Buffer.from(pki.ca) }] });
    expect((await post(server!.url, events('r', 1), pki)).status).toBe(200);
    await server!.idle();
    const text = (await get(server!.url, '/metrics', pki)).body;
    expect(calls).toBe(2);
    expect(metric(text, `kubeward_sink_dropped_alerts_total{sink="webhook:${url}",reason="refused"}`)).toBe(1);
    expect(metric(text, `kubeward_sink_errors_total{sink="webhook:${url}"}`)).toBe(1);
  });

  it('rotates the alert spool past --sink-spool-max-bytes; a sink a whole spool file behind loses those alerts, counted', async () => {
    const deadPort = await freePort();
    const dead = `https://localhost:${deadPort}/x`;
    const { dir } = await start({ sinkSpoolMaxBytes: 4096, sinks: [{ kind: 'webhook', url: dead, ca: Buffer.from(pki.ca) }, { kind: 'file', path: join(tempDir(), 'alerts.jsonl') }] });
    for (let round = 0; round < 4; round++) {
      expect((await post(server!.url, events(`s${round}`, 20), pki)).status).toBe(200);
      await server!.processed();
    }
    // (polled while it rotates: between its two renames the file is briefly absent)
    await until(() => existsSync(join(dir, 'journal.jsonl.alerts.1')) && existsSync(join(dir, 'journal.jsonl.alerts')) && readFileSync(join(dir, 'journal.jsonl.alerts')).length < 4096, 30_000, 'the spool rotating');
    expect(existsSync(join(dir, 'journal.jsonl.alerts.1'))).toBe(true);
    const text = (await get(server!.url, '/metrics', pki)).body;
    expect(metric(text, `kubeward_sink_dropped_alerts_total{sink="webhook:${dead}",reason="backlog"}`)).toBeGreaterThanOrEqual(20);
  });
});
