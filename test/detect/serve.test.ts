import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';
import { startAuditWebhook, type AuditWebhook, type AuditWebhookOptions } from '../../src/serve/audit-webhook.js';

/**
 * The audit webhook over real HTTPS, posted to the way kube-apiserver posts: EventList batches whose
 * items have no kind/apiVersion, Content-Type application/json, retried until a 2xx.
 */
let pki: { ca: string; cert: string; key: string; clientCert: string; clientKey: string };
const rules = loadKubewardRules(builtinDetectRuleFiles());
const SECRET = 'dG9wLXNlY3JldC12YWx1ZQ==';
const TOKEN = 'audit-webhook-token-123';

beforeAll(async () => {
  const ca = await generate([{ name: 'commonName', value: 'kubeward test CA' }], { keyType: 'ec', algorithm: 'sha256', extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }] });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  const client = await generate([{ name: 'commonName', value: 'kube-apiserver' }], { keyType: 'ec', algorithm: 'sha256', ca: { key: ca.private, cert: ca.cert }, extensions: [{ name: 'extKeyUsage', clientAuth: true }] });
  pki = { ca: ca.cert, cert: server.cert, key: server.private, clientCert: client.cert, clientKey: client.private };
}, 60_000);

const item = (auditID: string, extra: Record<string, unknown> = {}) => ({
  level: 'RequestResponse',
  auditID,
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/prod/secrets/db',
  verb: 'get',
  user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
  objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' },
  responseStatus: { code: 200 },
  responseObject: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'db' }, data: { password: SECRET } },
  requestReceivedTimestamp: '2026-03-01T10:00:00.000000Z',
  stageTimestamp: '2026-03-01T10:00:00.001000Z',
  annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': '' },
  ...extra,
});
const batch = (...items: unknown[]) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });

interface Reply {
  status: number;
  body: string;
}

function post(server: AuditWebhook, body: string | Buffer, options: { token?: string; path?: string; method?: string; client?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const url = new URL(options.path ?? '/k8s-audit', server.url);
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        ca: pki.ca,
        servername: 'localhost',
        headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        ...(options.client ? { cert: pki.clientCert, key: pki.clientKey } : {}),
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    if (options.method === 'GET') req.end();
    else req.end(body);
  });
}

let server: AuditWebhook | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(overrides: Partial<AuditWebhookOptions> = {}): Promise<{ dir: string; alerts: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeward-serve-'));
  const alerts = join(dir, 'alerts.jsonl');
  server = await startAuditWebhook({
    host: '127.0.0.1',
    port: 0,
    tls: { cert: pki.cert, key: pki.key },
    maxBodyBytes: 64 * 1024,
    journal: join(dir, 'journal.jsonl'),
    sinks: [{ kind: 'file', path: alerts }],
    pipeline: { rules },
    ...overrides,
  });
  return { dir, alerts };
}

const readAlerts = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []);

describe('kubeward detect serve', () => {
  it('accepts EventList batches durably, drops retried events, and sends each alert once', async () => {
    const { dir, alerts } = await start({ token: TOKEN });
    const body = batch(item('a-1'), item('a-2', { verb: 'list', requestURI: '/api/v1/secrets', objectRef: { resource: 'secrets', apiVersion: 'v1' } }));
    expect(await post(server!, body, { token: TOKEN })).toMatchObject({ status: 200 });
    // the API server did not see the answer in time and sends the same batch again
    expect(await post(server!, body, { token: TOKEN })).toMatchObject({ status: 200 });
    await server!.idle();
    const sent = readAlerts(alerts);
    expect(sent.map((a) => a.rule).sort()).toEqual(['anonymous-request-allowed', 'anonymous-request-allowed', 'secrets-listed-cluster-wide']);
    expect(new Set(sent.flatMap((a) => a.evidence))).toEqual(new Set(['a-1', 'a-2']));
    const journal = readFileSync(join(dir, 'journal.jsonl'), 'utf8');
    expect(journal.trim().split('\n')).toHaveLength(2);
    expect(journal).not.toContain(SECRET);
    expect(JSON.stringify(sent)).not.toContain(SECRET);
    expect(Number(readFileSync(join(dir, 'journal.jsonl.offset'), 'utf8'))).toBe(Buffer.byteLength(journal));

    const metrics = await post(server!, '', { path: '/metrics', method: 'GET', token: TOKEN });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('kubeward_audit_events_total 4');
    expect(metrics.body).toContain('kubeward_audit_duplicate_events_total 2');
    expect(metrics.body).toContain('kubeward_audit_batches_total{result="accepted"} 2');
    expect(metrics.body).toContain('kubeward_alerts_total{rule="anonymous-request-allowed",priority="high"} 2');
    expect(metrics.body).toMatch(/kubeward_audit_lag_seconds \d/);
    expect(await post(server!, '', { path: '/healthz', method: 'GET' })).toMatchObject({ status: 200, body: 'ok\n' });
  });

  it.each<[string, { token?: string; body?: string }, number]>([
    ['a missing token', { token: undefined }, 401],
    ['a wrong token', { token: 'nope' }, 401],
    ['a body that is not JSON', { token: TOKEN, body: '{"kind":"EventList",' }, 400],
    ['a body over the limit', { token: TOKEN, body: batch(...Array.from({ length: 200 }, (_, i) => item(`big-${i}`))) }, 413],
  ])('answers %s with %i, and keeps nothing', async (_name, options, status) => {
    const { dir, alerts } = await start({ token: TOKEN });
    expect(await post(server!, options.body ?? batch(item('x-1')), { token: options.token })).toMatchObject({ status });
    await server!.idle();
    expect(readAlerts(alerts)).toEqual([]);
    expect(readFileSync(join(dir, 'journal.jsonl'), 'utf8')).toBe('');
  });

  it('answers 503 when the batch cannot be stored, so the API server retries', async () => {
    await start({ journal: '/dev/full' });
    expect((await post(server!, batch(item('f-1')))).status).toBe(503);
  });

  it('processes on restart the batches it accepted but had not processed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeward-serve-'));
    writeFileSync(join(dir, 'journal.jsonl'), `${batch(item('before-crash'))}\n`);
    const { alerts } = await start({ journal: join(dir, 'journal.jsonl') });
    await server!.idle();
    expect(readAlerts(alerts).map((a) => a.evidence)).toEqual([['before-crash']]);
    await server!.close();
    // and not again after a clean restart
    const again = await start({ journal: join(dir, 'journal.jsonl') });
    await server!.idle();
    expect(readAlerts(again.alerts)).toEqual([]);
  });

  it('skips a line torn by a crash mid-write and keeps the next batch on a line of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeward-serve-'));
    const journal = join(dir, 'journal.jsonl');
    writeFileSync(journal, `${batch(item('whole'))}\n${batch(item('torn')).slice(0, 40)}`);
    const { alerts } = await start({ journal });
    await server!.idle();
    expect((await post(server!, batch(item('after-restart')))).status).toBe(200);
    await server!.idle();
    expect(readAlerts(alerts).map((a) => a.evidence)).toEqual([['whole'], ['after-restart']]);
    const lines = readFileSync(journal, 'utf8').split('\n');
    expect(lines[1]).toBe(batch(item('torn')).slice(0, 40));
    expect(JSON.parse(lines[2]).items[0].auditID).toBe('after-restart');
  });

  it('rotates the journal once it is processed and past its size limit', async () => {
    const { dir } = await start({ journalMaxBytes: 256 });
    for (const id of ['r-1', 'r-2', 'r-3']) {
      expect((await post(server!, batch(item(id)))).status).toBe(200);
      await server!.idle();
    }
    // Every batch is over 256 bytes: each one fills the journal, is processed, and is rotated away.
    expect(readFileSync(join(dir, 'journal.jsonl'), 'utf8')).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'journal.jsonl.1'), 'utf8')).items[0].auditID).toBe('r-3');
    expect(readFileSync(join(dir, 'journal.jsonl.offset'), 'utf8').trim()).toBe('0');
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
      expect((await post(server!, batch(item('to-webhook')))).status).toBe(200);
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
    expect((await post(server!, batch(item('c-1')))).status).toBe(401);
    expect((await post(server!, '', { path: '/healthz', method: 'GET' })).status).toBe(200);
    expect((await post(server!, batch(item('c-2')), { client: true })).status).toBe(200);
    await server!.idle();
    expect(readAlerts(alerts).map((a) => a.evidence)).toEqual([['c-2']]);
  });
});
