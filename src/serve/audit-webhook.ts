import { timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { auditEventsOfValue } from '../detect/audit.js';
import type { DetectedAlert } from '../detect/detector.js';
import { DetectPipeline, type PipelineOptions } from '../detect/pipeline.js';
import { redactAuditRaw } from '../detect/redact.js';
import { isRecord } from '../core/object.js';
import { BodyTooLarge, closeServer, listen, readBody, reply } from './http.js';
import { Journal } from './journal.js';
import { Metrics } from './metrics.js';
import { openSink, type Sink, type SinkSpec } from './sinks.js';

export type { SinkSpec };

/**
 * `kubeward detect serve`: the audit webhook backend. The API server POSTs EventList batches (the
 * items without kind/apiVersion) and retries any batch not answered 2xx, so:
 *  - 200 only after the batch is appended to the journal and fsynced (durably accepted);
 *  - 503 when the journal cannot be written (the API server retries);
 *  - 401 on a missing or wrong bearer token or client certificate, 413 for a body over the limit,
 *    400 for a body that is not JSON (retrying would not help);
 *  - /healthz and /metrics need neither (probes and scrapers have no credentials of the API server);
 *  - a retried batch is processed again but its events are dropped as duplicates (auditID + stage).
 * Batches are processed in arrival order, after the answer, by the same pipeline as `detect`.
 * The journal holds the batches with Secret payloads redacted.
 */

export interface AuditWebhookOptions {
  host: string;
  port: number;
  tls?: { cert: Buffer | string; key: Buffer | string; clientCa?: Buffer | string };
  token?: string;
  maxBodyBytes: number;
  journal: string;
  /** Rotate the journal to `<journal>.1` once it is processed and past this size. */
  journalMaxBytes?: number;
  sinks: SinkSpec[];
  pipeline: PipelineOptions;
  log?: (message: string) => void;
}

export interface AuditWebhook {
  url: string;
  metrics: Metrics;
  /** Resolves when every accepted batch so far has been processed and its alerts sent. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The batch with Secret payloads redacted, as one journal line. */
function journalLine(value: unknown): string {
  if (isRecord(value) && Array.isArray(value.items)) return JSON.stringify({ ...value, items: value.items.map((item) => (isRecord(item) ? redactAuditRaw(item) : item)) });
  if (isRecord(value)) return JSON.stringify(redactAuditRaw(value));
  return JSON.stringify(value);
}

/** Rotate the journal once it is fully processed and larger than this. */
export const DEFAULT_JOURNAL_MAX_BYTES = 128 * 1024 * 1024;

export async function startAuditWebhook(options: AuditWebhookOptions): Promise<AuditWebhook> {
  const log = options.log ?? (() => undefined);
  const pipeline = new DetectPipeline({ ...options.pipeline, retainAlerts: false });
  const journal = new Journal(options.journal);
  const sinks: Sink[] = options.sinks.map(openSink);
  const metrics = new Metrics();
  metrics.define('kubeward_audit_batches_total', 'counter', 'webhook requests by result');
  metrics.define('kubeward_audit_events_total', 'counter', 'audit events read from accepted batches');
  metrics.define('kubeward_audit_duplicate_events_total', 'counter', 'events dropped as already seen (retried batches)');
  metrics.define('kubeward_alerts_total', 'counter', 'alerts raised, by rule and priority');
  metrics.define('kubeward_sink_errors_total', 'counter', 'alerts a sink failed to deliver');
  metrics.define('kubeward_audit_lag_seconds', 'gauge', 'now minus the time of the latest event processed');
  metrics.define('kubeward_journal_bytes', 'gauge', 'size of the journal');
  metrics.set('kubeward_journal_bytes', journal.bytes);
  let latestEventTime = 0;
  let queue: Promise<void> = Promise.resolve();

  const deliver = async (alerts: readonly DetectedAlert[]) => {
    for (const { alert } of alerts) {
      metrics.add('kubeward_alerts_total', 1, { rule: alert.rule, priority: alert.priority });
      for (const sink of sinks) {
        try {
          await sink.send(alert);
        } catch (error) {
          metrics.add('kubeward_sink_errors_total', 1, { sink: sink.name });
          log(`sink ${sink.name}: ${(error as Error).message}`);
        }
      }
    }
  };

  const processBatch = (value: unknown, end: number) => {
    const before = { events: pipeline.auditStats.events, duplicates: pipeline.detector.stats.duplicates };
    const events = auditEventsOfValue(value, pipeline.auditStats);
    for (const event of events) latestEventTime = Math.max(latestEventTime, event.time);
    const alerts = [...pipeline.auditEvents(events), ...pipeline.flushDns()];
    metrics.add('kubeward_audit_events_total', pipeline.auditStats.events - before.events);
    metrics.add('kubeward_audit_duplicate_events_total', pipeline.detector.stats.duplicates - before.duplicates);
    queue = queue.then(async () => {
      await deliver(alerts);
      try {
        journal.saveCheckpoint(end);
        if (journal.rotateIfDone(end, options.journalMaxBytes ?? DEFAULT_JOURNAL_MAX_BYTES)) log(`journal rotated to ${options.journal}.1`);
      } catch (error) {
        // the batch is processed; at worst a restart replays it and its alerts are sent again
        log(`journal checkpoint: ${(error as Error).message}`);
      }
    });
  };

  // batches accepted before a restart but not processed then
  for (const { line, end } of journal.unprocessed(journal.checkpoint())) {
    try {
      processBatch(JSON.parse(line), end);
    } catch {
      log(`journal: skipped an unreadable line before offset ${end}`);
    }
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') return reply(response, 200, 'ok\n');
    if (request.method === 'GET' && path === '/metrics') {
      metrics.set('kubeward_audit_lag_seconds', latestEventTime ? Math.max(0, (Date.now() - latestEventTime) / 1000) : 0);
      metrics.set('kubeward_journal_bytes', journal.bytes);
      return reply(response, 200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
    }
    if (request.method !== 'POST') return reply(response, 405, 'POST an EventList, or GET /healthz or /metrics\n');
    // With a client CA the TLS layer asks for a certificate but lets the handshake finish, so the
    // kubelet's probes reach /healthz; a batch needs a certificate the CA signed.
    if (options.tls?.clientCa && !(request.socket as TLSSocket).authorized) {
      metrics.add('kubeward_audit_batches_total', 1, { result: 'unauthorized' });
      return reply(response, 401, 'a client certificate signed by --client-ca is required\n');
    }
    if (options.token && !bearerMatches(request.headers.authorization, options.token)) {
      metrics.add('kubeward_audit_batches_total', 1, { result: 'unauthorized' });
      return reply(response, 401, 'unauthorized\n');
    }
    let body: Buffer;
    try {
      body = await readBody(request, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        metrics.add('kubeward_audit_batches_total', 1, { result: 'too_large' });
        log(`rejected a batch over ${options.maxBodyBytes} bytes (lower --audit-webhook-batch-max-size)`);
        return reply(response, 413, `body over ${options.maxBodyBytes} bytes\n`, undefined, true);
      }
      throw error;
    }
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      metrics.add('kubeward_audit_batches_total', 1, { result: 'bad_request' });
      return reply(response, 400, 'body is not JSON\n');
    }
    let end: number;
    try {
      end = journal.append(journalLine(value));
    } catch (error) {
      metrics.add('kubeward_audit_batches_total', 1, { result: 'journal_error' });
      log(`journal ${options.journal}: ${(error as Error).message}`);
      return reply(response, 503, 'cannot store the batch; retry\n');
    }
    metrics.add('kubeward_audit_batches_total', 1, { result: 'accepted' });
    reply(response, 200, '{}', 'application/json');
    processBatch(value, end);
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: Error) => {
      log(`request failed: ${error.message}`);
      if (!response.headersSent) reply(response, 500, 'internal error\n');
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, ca: options.tls.clientCa, requestCert: Boolean(options.tls.clientCa), rejectUnauthorized: false }, listener)
    : createHttpServer(listener);
  const url = await listen(server, options.host, options.port, options.tls ? 'https' : 'http');
  return {
    url,
    metrics,
    idle: () => queue,
    close: async () => {
      await closeServer(server);
      await queue;
      journal.close();
      for (const sink of sinks) sink.close();
    },
  };
}
