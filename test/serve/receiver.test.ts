import { createServer as createHttpsServer } from 'node:https';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';
import { startAuditWebhook, type AuditWebhook, type AuditWebhookOptions } from '../../src/serve/audit-webhook.js';
import { batch, get, item, makePki, metric, post, receiverOptions, SECRET, tempDir, type Pki } from './helpers.js';

/**
 * The audit webhook over real HTTPS, posted to the way kube-apiserver posts: EventList batches whose
 * items have no kind/apiVersion, Content-Type application/json, retried until a 2xx.
 */
let pki: Pki;
const rules = loadKubewardRules(builtinDetectRuleFiles());
const TOKEN = 'audit-webhook-token-123';

beforeAll(async () => {
  pki = await makePki();
}, 60_000);

let server: AuditWebhook | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(overrides: Partial<AuditWebhookOptions> = {}, dir = tempDir()): Promise<{ dir: string; alerts: string; journal: string }> {
  server = await startAuditWebhook(receiverOptions(pki, dir, { maxBodyBytes: 64 * 1024, pipeline: { rules }, ...overrides }));
  return { dir, alerts: join(dir, 'alerts.jsonl'), journal: join(dir, 'journal.jsonl') };
}

const send = (body: string, options: { token?: string } = {}) => post(server!.url, body, pki, options);
const readAlerts = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []);
/** The journal's batches (its header line aside). */
const journalBatches = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((value) => value.kind === 'EventList');

describe('kubeward detect serve', () => {
  it('accepts EventList batches durably, drops retried events, and sends each alert once', async () => {
    const { dir, alerts, journal } = await start({ token: TOKEN });
    const body = batch(item('a-1'), item('a-2', { verb: 'list', requestURI: '/api/v1/secrets', objectRef: { resource: 'secrets', apiVersion: 'v1' } }));
    expect(await send(body, { token: TOKEN })).toMatchObject({ status: 200 });
    // the API server did not see the answer in time and sends the same batch again
    expect(await send(body, { token: TOKEN })).toMatchObject({ status: 200 });
    await server!.idle();
    const sent = readAlerts(alerts);
    expect(sent.map((a) => a.rule).sort()).toEqual(['anonymous-request-allowed', 'anonymous-request-allowed', 'secrets-listed-cluster-wide']);
    expect(new Set(sent.flatMap((a) => a.evidence))).toEqual(new Set(['a-1', 'a-2']));
    expect(journalBatches(journal)).toHaveLength(2);
    expect(readFileSync(journal, 'utf8')).not.toContain(SECRET);
    expect(JSON.stringify(sent)).not.toContain(SECRET);
    expect(Number(readFileSync(join(dir, 'journal.jsonl.offset'), 'utf8'))).toBe(Buffer.byteLength(journalBatches(journal).map((b) => JSON.stringify(b) + '\n').join('')));
    // journal, spool, checkpoint and cursors hold audit data: owner only
    for (const file of ['journal.jsonl', 'journal.jsonl.alerts', 'journal.jsonl.offset', 'journal.jsonl.alerts.cursors', 'alerts.jsonl']) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);

    const metrics = await get(server!.url, '/metrics', pki);
    expect(metrics.status).toBe(200);
    expect(metric(metrics.body, 'kubeward_audit_events_total')).toBe(4);
    expect(metric(metrics.body, 'kubeward_audit_duplicate_events_total')).toBe(2);
    expect(metric(metrics.body, 'kubeward_audit_batches_total{result="accepted"}')).toBe(2);
    expect(metric(metrics.body, 'kubeward_alerts_total{rule="anonymous-request-allowed",priority="high"}')).toBe(2);
    expect(metric(metrics.body, `kubeward_sink_delivered_alerts_total{sink="file:${alerts}"}`)).toBe(3);
    expect(metric(metrics.body, 'kubeward_journal_writable')).toBe(1);
    expect(metrics.body).toMatch(/kubeward_audit_lag_seconds \d/);
    expect(await get(server!.url, '/healthz', pki)).toMatchObject({ status: 200, body: 'ok\n' });
    expect(await get(server!.url, '/readyz', pki)).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it.each<[string, number, { token?: string; body?: string }]>([
    ['a missing token', 401, { token: undefined }],
    ['a wrong token', 401, { token: 'nope' }],
    ['a body that is not JSON', 400, { token: TOKEN, body: '{"kind":"EventList",' }],
    ['a body over the limit', 413, { token: TOKEN, body: batch(...Array.from({ length: 600 }, (_, i) => item(`big-${i}`))) }],
    ['a body with no audit event ({})', 400, { token: TOKEN, body: '{}' }],
    ['a body with no audit event (null)', 400, { token: TOKEN, body: 'null' }],
    ['an EventList of junk items', 400, { token: TOKEN, body: batch(null, 42, 'x', { kind: 'Pod' }, { auditID: 'no-stage' }) }],
    ['a body nested 100,000 deep', 400, { token: TOKEN, body: '['.repeat(100_000) + ']'.repeat(100_000) }],
    ['an event nested 100,000 deep', 400, { token: TOKEN, body: batch(item('deep', { requestObject: { a: [0] } })).replace('[0]', '['.repeat(100_000) + ']'.repeat(100_000)) }],
  ])('answers %s with %i, and keeps nothing', async (_name, status, options) => {
    const { alerts, journal } = await start({ token: TOKEN, maxBodyBytes: 256 * 1024 });
    const reply = await send(options.body ?? batch(item('x-1')), { token: options.token });
    expect(reply.status).toBe(status);
    await server!.idle();
    expect(readAlerts(alerts)).toEqual([]);
    expect(journalBatches(journal)).toEqual([]);
  });

  it('counts the items that are not events, keeps the rest of their batch, and 200s an empty one', async () => {
    const { alerts, journal } = await start();
    expect((await send(batch(item('good-1'), null, {}, 'junk', { auditID: 'x', stage: 'ResponseComplete' }, item('good-2')))).status).toBe(200);
    expect((await send(batch())).status).toBe(200);
    await server!.idle();
    expect(readAlerts(alerts).map((a) => a.evidence[0])).toEqual(['good-1', 'good-2']);
    expect(journalBatches(journal).map((b) => b.items.map((i: { auditID: string }) => i.auditID))).toEqual([['good-1', 'good-2']]);
    const metrics = (await get(server!.url, '/metrics', pki)).body;
    expect(metric(metrics, 'kubeward_audit_rejected_events_total{reason="not a JSON object"}')).toBe(2);
    expect(metric(metrics, 'kubeward_audit_rejected_events_total{reason="event without auditID or stage"}')).toBe(1);
    expect(metric(metrics, `kubeward_audit_rejected_events_total{reason="can't read stageTimestamp"}`)).toBe(1);
    expect(metric(metrics, 'kubeward_audit_batches_total{result="empty"}')).toBe(1);
  });

  it('processes on restart the batches it accepted but had not processed, and not again after that', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'journal.jsonl'), `${batch(item('before-crash'))}\n`); // a journal from before headers
    const { alerts } = await start({}, dir);
    await server!.idle();
    expect(readAlerts(alerts).map((a) => a.evidence)).toEqual([['before-crash']]);
    await server!.close();
    await start({}, dir);
    expect((await send(batch(item('after-restart')))).status).toBe(200);
    await server!.idle();
    expect(readAlerts(alerts).map((a) => a.evidence)).toEqual([['before-crash'], ['after-restart']]);
  });

  it('drops a line torn by a crash mid-write, so the next batch is whole', async () => {
    const dir = tempDir();
    const journal = join(dir, 'journal.jsonl');
    writeFileSync(journal, `${batch(item('whole'))}\n${batch(item('torn')).slice(0, 40)}`);
    const { alerts } = await start({}, dir);
    expect((await send(batch(item('after-restart')))).status).toBe(200);
    await server!.idle();
    expect(readAlerts(alerts).map((a) => a.evidence)).toEqual([['whole'], ['after-restart']]);
    expect(journalBatches(journal).map((b) => b.items[0].auditID)).toEqual(['whole', 'after-restart']);
  });

  it('recovers a batch an older kubeward glued to the fragment of a failed write', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'journal.jsonl'), `${batch(item('fragment')).slice(0, 50)}${batch(item('acknowledged'))}\n`);
    const { alerts } = await start({}, dir);
    await server!.idle();
    expect(readAlerts(alerts).map((a) => a.evidence)).toEqual([['acknowledged']]);
  });

  it('rotates the journal past its size limit once the previous file is processed, positions carrying on', async () => {
    const { dir, journal } = await start({ journalMaxBytes: 256 });
    for (const id of ['r-1', 'r-2', 'r-3']) {
      expect((await send(batch(item(id)))).status).toBe(200);
      await server!.idle();
    }
    // Every batch is over 256 bytes: each one fills the journal, is processed, and is rotated away.
    expect(journalBatches(journal)).toEqual([]);
    expect(journalBatches(`${journal}.1`)[0].items[0].auditID).toBe('r-3');
    const header = JSON.parse(readFileSync(journal, 'utf8').split('\n')[0]);
    expect(header).toEqual({ kubeward: 'journal', base: Number(readFileSync(join(dir, 'journal.jsonl.offset'), 'utf8')) });
    expect(header.base).toBeGreaterThan(3 * 256);
    // a restart resumes from there: nothing replayed
    await server!.close();
    const again = await start({ journalMaxBytes: 256 }, dir);
    await server!.idle();
    expect(readAlerts(again.alerts)).toHaveLength(3);
  });

  it('sends alerts to a webhook sink over HTTPS with a private CA and a token, retrying a 5xx', async () => {
    const received: { authorization?: string; body: string }[] = [];
    const receiver = createHttpsServer({ cert: pki.cert, key: pki.key }, (request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ authorization: request.headers.authorization, body });
        response.statusCode = received.length === 1 ? 503 : 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://localhost:${(receiver.address() as AddressInfo).port}/hook`;
      await start({ sinks: [{ kind: 'webhook', url, headers: { authorization: 'Bearer sink-token' }, ca: Buffer.from(pki.ca) }] });
      expect((await send(batch(item('to-webhook')))).status).toBe(200);
      await server!.idle();
      expect(received).toHaveLength(2);
      expect(received.every((request) => request.authorization === 'Bearer sink-token')).toBe(true);
      const alert = JSON.parse(received[1].body);
      expect(alert).toMatchObject({ rule: 'anonymous-request-allowed', evidence: ['to-webhook'], stage: 'expose' });
      expect(received[1].body).not.toContain(SECRET);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('with a client CA, accepts batches only from clients with a certificate it signed; probes still work', async () => {
    const { alerts } = await start({ tls: { cert: pki.cert, key: pki.key, clientCa: pki.ca } });
    expect((await send(batch(item('c-1')))).status).toBe(401);
    expect((await get(server!.url, '/healthz', pki)).status).toBe(200);
    expect((await post(server!.url, batch(item('c-2')), pki, { client: pki })).status).toBe(200);
    await server!.idle();
    expect(readAlerts(alerts).map((a) => a.evidence)).toEqual([['c-2']]);
  });
});
