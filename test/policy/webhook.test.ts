import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inventory } from '../../src/core/inventory.js';
import type { KubeObject } from '../../src/core/object.js';
import { loadPolicySet, type PolicySet } from '../../src/load/policies.js';
import { loadSources } from '../../src/load/sources.js';
import { requestFor } from '../../src/policy/admission.js';
import { offlineContext } from '../../src/policy/run.js';
import { startAdmissionWebhook, type AdmissionWebhook } from '../../src/serve/admission-webhook.js';
import { REPO } from '../helpers/cli.js';

/** The admission webhook over real HTTPS: AdmissionReview v1 in, the API server's expectations out. */
let ca: string;
let dir: string;
let set: PolicySet;
let webhook: AdmissionWebhook;
const logs: string[] = [];

async function certificate(commonName: string): Promise<{ cert: string; key: string }> {
  const issuer = await generate([{ name: 'commonName', value: 'kubeward webhook test CA' }], { keyType: 'ec', algorithm: 'sha256', extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }] });
  ca = issuer.cert;
  const server = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: issuer.private, cert: issuer.cert },
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  return { cert: server.cert, key: server.private };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubeward-webhook-'));
  const first = await certificate('webhook-1');
  writeFileSync(join(dir, 'tls.crt'), first.cert);
  writeFileSync(join(dir, 'tls.key'), first.key);
  set = await loadPolicySet({});
  webhook = await startAdmissionWebhook({
    host: '127.0.0.1',
    port: 0,
    tlsCert: join(dir, 'tls.crt'),
    tlsKey: join(dir, 'tls.key'),
    set,
    context: offlineContext(set, Inventory.of([])),
    rules: true,
    maxBodyBytes: 64 * 1024,
    certPollMs: 50,
    log: (message) => logs.push(message),
  });
}, 60_000);

afterAll(async () => {
  await webhook?.close();
});

interface Reply {
  status: number;
  body: string;
  certificate: string;
}

function call(path: string, body?: string | Buffer, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, webhook.url), { method, ca, agent: false, headers: body ? { 'content-type': 'application/json' } : {} }, (response) => {
      const chunks: Buffer[] = [];
      const peer = (response.socket as TLSSocket).getPeerCertificate();
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), certificate: String(peer.subject?.CN ?? '') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function review(object: KubeObject, uid: string, user?: { username: string; groups: string[] }): string {
  return JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: requestFor(object, { uid, user }) });
}

const pod = (spec: Record<string, unknown>, name = 'p'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop' }, spec: { serviceAccountName: 'web', ...spec } });

describe('kubeward webhook serve', () => {
  it('echoes the uid and denies a privileged pod with the policy message and code', async () => {
    const reply = await call('/validate', review(pod({ containers: [{ name: 'c', image: 'nginx:1', securityContext: { privileged: true } }] }), 'uid-deny-1'));
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.body);
    expect(body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'uid-deny-1', allowed: false, status: { code: 403, reason: 'Forbidden' } } });
    expect(body.response.status.message).toMatch(/^ValidatingAdmissionPolicy 'kubeward-privileged' with binding 'kubeward-privileged' denied request: .*container\(s\) c run privileged/);
    expect(body.response.patch).toBeUndefined();
  });

  it('allows with warnings (Warn bindings and kubeward rules below high)', async () => {
    const reply = await call('/validate', review(pod({ containers: [{ name: 'c', image: 'nginx:latest' }] }), 'uid-warn-1'));
    const body = JSON.parse(reply.body);
    expect(body.response).toMatchObject({ uid: 'uid-warn-1', allowed: true });
    expect(body.response.status).toBeUndefined();
    expect(body.response.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^Validation failed for ValidatingAdmissionPolicy 'kubeward-image-digest' with binding 'kubeward-image-digest': /), expect.stringMatching(/^kubeward image-latest-tag/)]));
    // info findings (no ephemeral-storage limit, no probes) are context, not warnings.
    expect(body.response.warnings.filter((warning: string) => /\(info\)/.test(warning))).toEqual([]);
    expect(body.response.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^kubeward container-resources \(low\)/)]));
  });

  it('sends no warning for a ServiceAccount alone in its request (bound to nothing in the sources is info)', async () => {
    const account: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } };
    const body = JSON.parse((await call('/validate', review(account, 'uid-sa-1'))).body);
    expect(body.response).toMatchObject({ uid: 'uid-sa-1', allowed: true });
    expect(body.response.warnings ?? []).toEqual([]);
  });

  it('denies a ClusterRoleBinding from a developer and admits it from an administrator', async () => {
    const binding: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' }, subjects: [] };
    const denied = JSON.parse((await call('/validate', review(binding, 'u1', { username: 'alice', groups: ['dev', 'system:authenticated'] }))).body);
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.status.message).toMatch(/not alice/);
    const admitted = JSON.parse((await call('/validate', review(binding, 'u2', { username: 'root', groups: ['system:masters'] }))).body);
    expect(admitted.response).toMatchObject({ uid: 'u2', allowed: true });
  });

  it('denies the trojan chart and its variants and admits its own chart and the clean ones, object by object', async () => {
    const verdicts = async (args: { path: string; namespace: string; release: string }) => {
      const { inventory } = await loadSources([join(REPO, args.path)], { namespace: args.namespace, release: args.release });
      const results: boolean[] = [];
      for (const [index, object] of inventory.objects.entries()) results.push(JSON.parse((await call('/validate', review(object, `o-${index}`))).body).response.allowed);
      return results;
    };
    expect((await verdicts({ path: 'test/fixtures/charts/fast-trace-agent', namespace: 'checkout', release: 'tracing' })).includes(false)).toBe(true);
    expect((await verdicts({ path: 'deploy/chart/kubeward', namespace: 'kubeward', release: 'kubeward' })).every(Boolean)).toBe(true);
    // The recon fixtures: a trojan variant is denied, the clean charts admitted, as by `policy test`.
    expect((await verdicts({ path: 'test/fixtures/charts/recon/trojan-native-sidecar', namespace: 'shop', release: 'rel' })).includes(false)).toBe(true);
    for (const clean of ['clean-pinned', 'clean-log-shipper', 'clean-secret-by-name']) {
      expect((await verdicts({ path: `test/fixtures/charts/recon/${clean}`, namespace: 'shop', release: 'rel' })).every(Boolean), clean).toBe(true);
    }
  });

  it('answers 413 to a body over the limit, 400 to malformed JSON or a wrong envelope', async () => {
    expect((await call('/validate', Buffer.alloc(80 * 1024, 'x'))).status).toBe(413);
    expect((await call('/validate', '{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionRev')).status).toBe(400);
    expect((await call('/validate', JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: {} }))).status).toBe(400);
    expect((await call('/validate', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: '' } }))).status).toBe(400);
    expect(webhook.metrics.get('kubeward_admission_requests_total', { result: 'too_large' })).toBe(1);
  });

  it('serves /healthz, /readyz and Prometheus /metrics with decisions by policy and a latency histogram', async () => {
    expect((await call('/healthz', undefined, 'GET')).status).toBe(200);
    expect((await call('/readyz', undefined, 'GET')).status).toBe(200);
    const metrics = (await call('/metrics', undefined, 'GET')).body;
    expect(metrics).toMatch(/kubeward_admission_decisions_total\{policy="kubeward-privileged",action="Deny"\} [1-9]/);
    expect(metrics).toMatch(/# TYPE kubeward_admission_duration_seconds histogram/);
    expect(metrics).toMatch(/kubeward_admission_duration_seconds_count [1-9]/);
  });

  it('serves a rotated certificate without a restart', async () => {
    expect((await call('/healthz', undefined, 'GET')).certificate).toBe('webhook-1');
    const second = await certificate('webhook-2');
    const reloaded = webhook.reloaded();
    // As a Secret volume does: new files in place by rename.
    writeFileSync(join(dir, 'tls.key.new'), second.key);
    writeFileSync(join(dir, 'tls.crt.new'), second.cert);
    renameSync(join(dir, 'tls.key.new'), join(dir, 'tls.key'));
    renameSync(join(dir, 'tls.crt.new'), join(dir, 'tls.crt'));
    await reloaded;
    const reply = await call('/validate', review(pod({ containers: [{ name: 'c', image: 'nginx@sha256:' + '0'.repeat(64) }] }), 'after-rotation'));
    expect(reply.certificate).toBe('webhook-2');
    expect(JSON.parse(reply.body).response.uid).toBe('after-rotation');
  });

  it('applies failurePolicy to a policy error and logs it', async () => {
    const errorDir = mkdtempSync(join(tmpdir(), 'kubeward-webhook-policy-'));
    const file = join(errorDir, 'p.yaml');
    const policy = (name: string, failurePolicy: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: ${name}}
spec:
  failurePolicy: ${failurePolicy}
  matchConstraints: {resourceRules: [{apiGroups: [""], apiVersions: ["*"], resources: [pods], operations: [CREATE]}]}
  validations: [{expression: "object.spec.missingField == 1"}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: ${name}}
spec: {policyName: ${name}, validationActions: [Deny]}
`;
    for (const [failurePolicy, allowed] of [
      ['Fail', false],
      ['Ignore', true],
    ] as const) {
      writeFileSync(file, policy(`missing-${failurePolicy.toLowerCase()}`, failurePolicy));
      const errorSet = await loadPolicySet({ policyPaths: [file] });
      const messages: string[] = [];
      const server = await startAdmissionWebhook({ host: '127.0.0.1', port: 0, tlsCert: join(dir, 'tls.crt'), tlsKey: join(dir, 'tls.key'), set: errorSet, context: offlineContext(errorSet, Inventory.of([])), maxBodyBytes: 65536, log: (message) => messages.push(message) });
      try {
        const saved = webhook;
        webhook = server;
        const body = JSON.parse((await call('/validate', review(pod({ containers: [{ name: 'c', image: 'c:1' }] }), `fp-${failurePolicy}`))).body);
        webhook = saved;
        expect(body.response.allowed).toBe(allowed);
        if (!allowed) expect(body.response.status.message).toMatch(/resulted in error: No such key: missingField/);
        expect(messages.join('\n')).toMatch(new RegExp(`failurePolicy ${failurePolicy}`));
      } finally {
        await server.close();
      }
    }
  });
});
