import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadFalcoRules } from '../../src/detect/falco.js';
import { FIELD_TABLES } from '../../src/detect/fields.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';
import { startAuditWebhook, type AuditWebhook } from '../../src/serve/audit-webhook.js';
import { get, makePki, metric, post, receiverOptions, tempDir, type Pki } from './helpers.js';

/** What the receiver stores and sends never holds a Secret's value, whatever shape the body takes. */
let pki: Pki;
beforeAll(async () => {
  pki = await makePki();
}, 60_000);
let server: AuditWebhook | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const CANARY = 'Y2FuYXJ5LXNlY3JldC12YWx1ZQ';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.canary-token';
const secret = {
  kind: 'Secret',
  apiVersion: 'v1',
  metadata: { name: 'db', namespace: 'prod', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"data":{"password":"${CANARY}"}}` } },
  data: { password: CANARY },
  stringData: { plain: `${CANARY}-plain` },
};
const event = (auditID: string, extra: Record<string, unknown>) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'RequestResponse',
  auditID,
  stage: 'ResponseComplete',
  verb: 'create',
  user: { username: 'system:anonymous' },
  annotations: { 'authorization.k8s.io/decision': 'allow' },
  responseStatus: { code: 201 },
  stageTimestamp: '2026-03-01T10:00:00Z',
  ...extra,
});
const secretsRef = { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' };

async function start() {
  const dir = tempDir();
  // a Falco rule that prints whole events: what it prints must be redacted too
  const falco = loadFalcoRules([{ name: 'obj.yaml', text: `- rule: Obj\n  desc: prints the event\n  condition: jevt.rawtime exists\n  output: "%jevt.obj"\n  priority: DEBUG\n  source: k8s_audit\n` }], { fields: FIELD_TABLES.audit });
  server = await startAuditWebhook(receiverOptions(pki, dir, { maxBodyBytes: 4 * 1024 * 1024, pipeline: { rules: loadKubewardRules(builtinDetectRuleFiles()), falco } }));
  return dir;
}

/**
 * Every file the receiver wrote, as text. It may still write a checkpoint (cursor positions, to a
 * temporary file renamed over the old one) after `idle()`: a temporary file listed may be gone when read.
 */
const written = (dir: string) => readdirSync(dir).map((name) => readIfPresent(join(dir, name))).join('\n');
function readIfPresent(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

describe('the receiver stores and sends no Secret value', () => {
  it('redacts a top-level JSON array of events as it redacts an EventList: data, stringData, last-applied, tokens', async () => {
    const dir = await start();
    const body = JSON.stringify([
      event('create', { objectRef: secretsRef, requestObject: secret, responseObject: secret }),
      event('list', { verb: 'list', objectRef: { resource: 'secrets', namespace: 'prod', apiVersion: 'v1' }, responseObject: { kind: 'SecretList', items: [secret] } }),
      event('token', { objectRef: { resource: 'serviceaccounts', subresource: 'token', namespace: 'prod', name: 'bot', apiVersion: 'v1' }, responseObject: { kind: 'TokenRequest', status: { token: TOKEN } } }),
      { kind: 'EventList', items: [event('in-list', { objectRef: secretsRef, requestObject: secret })] },
    ]);
    expect((await post(server!.url, body, pki)).status).toBe(200);
    await server!.idle();
    const text = written(dir);
    expect(text).toContain('in-list');
    expect(text).toContain('<redacted>');
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(TOKEN);
    for (const name of readdirSync(dir)) {
      const stat = statSync(join(dir, name), { throwIfNoEntry: false }); // a checkpoint's temporary file may be renamed away meanwhile
      if (stat) expect(stat.mode & 0o777).toBe(0o600);
    }
  });

  it('redacts a Secret nested deep in a requestObject, and drops (marking the event) a field nested past what is walked', async () => {
    const dir = await start();
    const deep = (depth: number, id: string) =>
      JSON.stringify(event(id, { objectRef: { resource: 'configmaps', namespace: 'prod', name: id, apiVersion: 'v1' }, requestObject: 'HERE' })).replace(
        '"HERE"',
        `${'{"nested":'.repeat(depth)}${JSON.stringify(secret)}${'}'.repeat(depth)}`,
      );
    const body = `{"kind":"EventList","items":[${deep(100, 'at-100')},${deep(2000, 'at-2000')}]}`;
    expect((await post(server!.url, body, pki)).status).toBe(200);
    await server!.idle();
    const text = written(dir);
    expect(text).not.toContain(CANARY);
    const journal = readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n')[1];
    const items = JSON.parse(journal).items;
    expect(items.map((item: { auditID: string }) => item.auditID)).toEqual(['at-100', 'at-2000']);
    expect(items[1].requestObject).toBeUndefined();
    expect(items[1].annotations['kubeward.io/truncated']).toMatch(/^requestObject nested deeper than \d+ levels$/);
    // both events were processed: the Falco rule printed each
    expect(readFileSync(join(dir, 'alerts.jsonl'), 'utf8').match(/"rule":"Obj"/g)).toHaveLength(2);
    expect(metric((await get(server!.url, '/metrics', pki)).body, 'kubeward_audit_truncated_events_total')).toBe(1);
  });
});
