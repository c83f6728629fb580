/**
 * `kubeward webhook serve`: a validating admission webhook (AdmissionReview v1) applying
 * ValidatingAdmissionPolicies (and, with `rules`, kubeward's rule pack) to what the API server
 * sends. Only HTTPS; the certificate and key are re-read when their files change (a rotated
 * Secret, cert-manager), with no restart and no dropped connection.
 *
 *  - POST /validate: 200 with the AdmissionReview response: `uid` echoed, `allowed`, `status`
 *    (code, reason, message) on a deny, `warnings`, `auditAnnotations`; never a patch.
 *  - 400 for a body that is not JSON or not an AdmissionReview v1; 413 above the body limit.
 *  - GET /healthz (alive), /readyz (policies compiled and a certificate loaded), /metrics.
 * A policy error follows the policy's failurePolicy (Fail: the request is denied with the error;
 * Ignore: admitted) and is logged either way.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureContext } from 'node:tls';
import type { Finding } from '../core/finding.js';
import { Inventory } from '../core/inventory.js';
import { atOrAbove, type Severity } from '../core/severity.js';
import { parseAdmissionRequest, type AdmissionRequest } from '../policy/admission.js';
import { evaluateAdmission, type AdmissionResult, type EvaluationContext } from '../policy/evaluate.js';
import type { PolicySetLike } from '../policy/run.js';
import { runRules } from '../rules/engine.js';
import { builtinRules } from '../rules/index.js';
import { BodyTooLarge, closeServer, listen, readBody, reply } from './http.js';
import { Metrics } from './metrics.js';

export interface AdmissionWebhookOptions {
  host: string;
  port: number;
  tlsCert: string;
  tlsKey: string;
  set: PolicySetLike;
  context: EvaluationContext;
  /** Also apply kubeward's rule pack: findings at or above `rulesDenyAt` deny, low and medium ones warn. */
  rules?: boolean;
  rulesDenyAt?: Severity;
  maxBodyBytes: number;
  /** How often certificate files are checked for changes (ms). */
  certPollMs?: number;
  log?: (message: string) => void;
}

export interface AdmissionWebhook {
  url: string;
  metrics: Metrics;
  /** Resolves after the next certificate reload (for tests and operators' scripts). */
  reloaded(): Promise<void>;
  close(): Promise<void>;
}

/** Seconds; fine steps up to the 5 ms a webhook should answer in (the old bounds are all kept, so no series disappears). */
const LATENCY_BUCKETS = [0.00025, 0.0005, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * kubeward's rule pack on the incoming object, as extra Deny and Warn lines. `info` findings are
 * context with nothing to fix (and, on one object alone, often only say that the request is alone:
 * a ServiceAccount "bound to nothing in the sources"): they are not sent back as warnings.
 */
function ruleDecisions(request: AdmissionRequest, denyAt: Severity): { deny: Finding[]; warn: Finding[] } {
  if (!request.object || request.operation === 'DELETE') return { deny: [], warn: [] };
  const object = structuredClone(request.object);
  if (request.namespace && !object.metadata.namespace) object.metadata.namespace = request.namespace;
  const findings = runRules(Inventory.of([object]), builtinRules).filter((finding) => !finding.suppressed);
  return { deny: findings.filter((finding) => atOrAbove(finding.severity, denyAt)), warn: findings.filter((finding) => !atOrAbove(finding.severity, denyAt) && atOrAbove(finding.severity, 'low')) };
}

/** The AdmissionReview v1 response for a request and its result. */
export function admissionResponse(uid: string, result: AdmissionResult): Record<string, unknown> {
  const response: Record<string, unknown> = { uid, allowed: result.allowed };
  if (!result.allowed && result.status) response.status = { code: result.status.code, reason: result.status.reason, message: result.status.message };
  if (result.warnings.length) response.warnings = result.warnings;
  if (Object.keys(result.auditAnnotations).length) response.auditAnnotations = result.auditAnnotations;
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

export async function startAdmissionWebhook(options: AdmissionWebhookOptions): Promise<AdmissionWebhook> {
  const log = options.log ?? (() => undefined);
  const metrics = new Metrics();
  metrics.define('kubeward_admission_requests_total', 'counter', 'AdmissionReview requests by result (allowed, denied, bad_request, too_large)');
  metrics.define('kubeward_admission_decisions_total', 'counter', 'policy failures by policy and action (Deny, Warn, Audit)');
  metrics.define('kubeward_admission_policy_errors_total', 'counter', 'policy evaluation errors by policy and failure policy');
  metrics.define('kubeward_admission_certificate_reloads_total', 'counter', 'serving certificate reloads by result');
  metrics.defineHistogram('kubeward_admission_duration_seconds', 'time from the end of the request body to the response', LATENCY_BUCKETS);

  const readCertificate = () => ({ cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) });
  let current = readCertificate();
  let reloadWaiters: (() => void)[] = [];

  const handleReview = (body: Buffer, response: ServerResponse, started: bigint) => {
    let review: unknown;
    try {
      review = JSON.parse(body.toString('utf8'));
    } catch {
      metrics.add('kubeward_admission_requests_total', 1, { result: 'bad_request' });
      return reply(response, 400, 'body is not JSON\n');
    }
    const envelope = review as { apiVersion?: unknown; kind?: unknown; request?: unknown };
    if (envelope?.apiVersion !== 'admission.k8s.io/v1' || envelope.kind !== 'AdmissionReview') {
      metrics.add('kubeward_admission_requests_total', 1, { result: 'bad_request' });
      return reply(response, 400, 'body is not an admission.k8s.io/v1 AdmissionReview\n');
    }
    const request = parseAdmissionRequest(envelope.request);
    if (typeof request === 'string') {
      metrics.add('kubeward_admission_requests_total', 1, { result: 'bad_request' });
      return reply(response, 400, `${request}\n`);
    }
    const result = evaluateAdmission(options.set.policies, options.set.bindings, request, options.context);
    if (options.rules) {
      const { deny, warn } = ruleDecisions(request, options.rulesDenyAt ?? 'high');
      for (const finding of warn) result.warnings.push(`kubeward ${finding.ruleId} (${finding.severity}): ${finding.message}`);
      if (deny.length && result.allowed) {
        result.allowed = false;
        result.status = { code: 403, reason: 'Forbidden', message: `kubeward rule ${deny[0].ruleId} (${deny[0].severity}) denied request: ${deny.map((finding) => finding.message).join('; ')}` };
      }
      for (const finding of deny) metrics.add('kubeward_admission_decisions_total', 1, { policy: `rule:${finding.ruleId}`, action: 'Deny' });
    }
    for (const violation of result.violations) {
      for (const action of violation.actions) metrics.add('kubeward_admission_decisions_total', 1, { policy: violation.policy, action });
      if (violation.kind === 'error') {
        metrics.add('kubeward_admission_policy_errors_total', 1, { policy: violation.policy, failure_policy: 'Fail' });
        log(`policy ${violation.policy} (binding ${violation.binding}) ${violation.field}: ${violation.message} (failurePolicy Fail: request ${request.uid} denied)`);
      }
    }
    for (const error of result.ignoredErrors) {
      metrics.add('kubeward_admission_policy_errors_total', 1, { policy: error.policy, failure_policy: 'Ignore' });
      log(`policy ${error.policy} (binding ${error.binding}) ${error.field}: ${error.message} (failurePolicy Ignore: request ${request.uid} not judged by it)`);
    }
    metrics.add('kubeward_admission_requests_total', 1, { result: result.allowed ? 'allowed' : 'denied' });
    reply(response, 200, JSON.stringify(admissionResponse(request.uid, result)), 'application/json');
    metrics.observe('kubeward_admission_duration_seconds', Number(process.hrtime.bigint() - started) / 1e9);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') return reply(response, 200, 'ok\n');
    if (request.method === 'GET' && path === '/readyz') return reply(response, 200, 'ready\n');
    if (request.method === 'GET' && path === '/metrics') return reply(response, 200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
    if (path !== '/validate') return reply(response, 404, 'POST an AdmissionReview to /validate; GET /healthz, /readyz, /metrics\n');
    if (request.method !== 'POST') return reply(response, 405, 'POST an AdmissionReview to /validate\n');
    let body: Buffer;
    try {
      body = await readBody(request, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        metrics.add('kubeward_admission_requests_total', 1, { result: 'too_large' });
        log(`rejected a request body over ${options.maxBodyBytes} bytes`);
        return reply(response, 413, `body over ${options.maxBodyBytes} bytes\n`, undefined, true);
      }
      throw error;
    }
    handleReview(body, response, process.hrtime.bigint());
  };

  const server: Server = createServer({ ...current, minVersion: 'TLSv1.2' }, (request, response) => {
    handle(request, response).catch((error: Error) => {
      log(`request failed: ${error.message}`);
      if (!response.headersSent) reply(response, 500, 'internal error\n');
    });
  });
  server.keepAliveTimeout = 30_000;

  // Rotation: a Secret volume swaps its files atomically; polling stat() sees the new ones.
  const reload = () => {
    let next: typeof current;
    try {
      next = readCertificate();
      if (next.cert.equals(current.cert) && next.key.equals(current.key)) return;
      createSecureContext(next); // throws on a key that does not match the certificate (a rotation half done)
      server.setSecureContext({ ...next, minVersion: 'TLSv1.2' });
    } catch (error) {
      metrics.add('kubeward_admission_certificate_reloads_total', 1, { result: 'error' });
      log(`certificate reload failed, keeping the previous one: ${(error as Error).message}`);
      return;
    }
    current = next;
    metrics.add('kubeward_admission_certificate_reloads_total', 1, { result: 'success' });
    log('serving certificate reloaded');
    const waiters = reloadWaiters;
    reloadWaiters = [];
    for (const resolve of waiters) resolve();
  };
  const interval = options.certPollMs ?? 2000;
  for (const file of [options.tlsCert, options.tlsKey]) watchFile(file, { interval, persistent: false }, reload);

  const url = await listen(server, options.host, options.port, 'https');
  return {
    url,
    metrics,
    reloaded: () => new Promise<void>((resolve) => reloadWaiters.push(resolve)),
    close: async () => {
      for (const file of [options.tlsCert, options.tlsKey]) unwatchFile(file, reload);
      await closeServer(server);
    },
  };
}
