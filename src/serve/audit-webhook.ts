import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { InputError } from '../core/errors.js';
import { oneLine, systemErrorText } from '../core/sanitize.js';
import { emptyAuditStats } from '../detect/audit.js';
import { DetectPipeline, type PipelineOptions } from '../detect/pipeline.js';
import { NotARegularFile, type FileIo } from './append-file.js';
import { batchOf, journalLine, MAX_BODY_DEPTH } from './batch.js';
import { CursorStore, SinkRunner } from './delivery.js';
import { DurableLog } from './durable-log.js';
import { bearerMatches, BodyTooLarge, jsonDepth, readBody, reply } from './http.js';
import { Metrics } from './metrics.js';
import { Processor, readCheckpoint } from './processor.js';
import { serve, type ConnectionLimits, type RunningServer, type ServerTls } from './server.js';
import { openSink, type Sink, type SinkSpec } from './sinks.js';

export type { SinkSpec };

/**
 * `kubeward detect serve`: the audit webhook backend. The API server POSTs EventList batches (items
 * without kind/apiVersion) and retries any batch not answered 2xx. What an answer means:
 *  - 200: the batch's events are in the journal, fsynced (concurrent batches share one fsync). The
 *    rule work happens after the answer; nothing acknowledged is lost to a crash, a full disk or a
 *    failing sink (see processor.ts and delivery.ts);
 *  - 429 (with Retry-After): more than --max-backlog-bytes of accepted batches wait for the rules;
 *  - 503 (with Retry-After): the journal cannot be written now, or the receiver is starting or
 *    stopping: retrying later succeeds;
 *  - 400: the body can never succeed (not JSON, nested deeper than any API server sends, no audit
 *    event in it); 413: over --max-body-bytes; 401: credentials missing or wrong.
 * Items that are not audit events are counted and left out; the rest of their batch is kept.
 * GET /healthz (alive), /readyz (the journal takes writes) and /metrics need no credentials.
 */

export interface AuditWebhookOptions {
  host: string;
  port: number;
  tls?: ServerTls;
  token?: string;
  maxBodyBytes: number;
  journal: string;
  /** Rotate the journal to `<journal>.1` past this size once `<journal>.1` is processed. */
  journalMaxBytes?: number;
  sinks: SinkSpec[];
  /** Rotate the alert spool past this size; a sink still behind the previous spool file loses those alerts. */
  sinkSpoolMaxBytes?: number;
  /** Past this many accepted bytes waiting for the rules, batches are answered 429. */
  maxBacklogBytes?: number;
  connections?: Partial<ConnectionLimits>;
  /** How long a shutdown may take (processing, sinks catching up) before it stops where it is. */
  shutdownTimeoutMs?: number;
  pipeline: PipelineOptions;
  log?: (message: string) => void;
  /** The file system calls of the journal, spool and file sinks (tests make them fail). */
  io?: FileIo;
}

export interface AuditWebhook {
  url: string;
  metrics: Metrics;
  /** Resolves when every batch accepted so far is processed and every sink has its alerts. */
  idle(): Promise<void>;
  /** Resolves when every batch accepted so far is processed (its alerts in the spool, the checkpoint saved). */
  processed(): Promise<void>;
  /** Open connections now. */
  connections(): number;
  /** Stops within the shutdown timeout: no new batches, processing and sinks given until then, cursors saved. */
  close(): Promise<void>;
}

export const DEFAULT_JOURNAL_MAX_BYTES = 128 * 1024 * 1024;
export const DEFAULT_SPOOL_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_BACKLOG_BYTES = 64 * 1024 * 1024;
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
const RETRY_AFTER_SECONDS = 5;
/**
 * Batches read, checked and journaled at once; more wait for a 429 rather than a place in a queue
 * (group commit gains nothing past this, and the answers to the others would only come later).
 */
export const MAX_BATCHES_IN_PROGRESS = 64;

function defineMetrics(metrics: Metrics): void {
  metrics.define('kubeward_audit_batches_total', 'counter', 'webhook requests by result');
  metrics.define('kubeward_audit_events_total', 'counter', 'audit events accepted (journaled)');
  metrics.define('kubeward_audit_rejected_events_total', 'counter', 'items of accepted or refused bodies that are not audit events, by reason');
  metrics.define('kubeward_audit_truncated_events_total', 'counter', 'events stored without a field nested too deep (annotated kubeward.io/truncated)');
  metrics.define('kubeward_audit_duplicate_events_total', 'counter', 'events dropped as already seen (retried batches)');
  metrics.define('kubeward_audit_backlog_bytes', 'gauge', 'journal bytes accepted and not yet processed');
  metrics.define('kubeward_audit_lag_seconds', 'gauge', 'now minus the time of the latest event processed');
  metrics.define('kubeward_alerts_total', 'counter', 'alerts raised, by rule and priority');
  metrics.define('kubeward_journal_bytes', 'gauge', 'size of the current journal file');
  metrics.define('kubeward_journal_writes_total', 'counter', 'journal writes, each fsynced once for every batch it carried');
  metrics.define('kubeward_journal_errors_total', 'counter', 'journal writes that failed (their batches were answered 503)');
  metrics.define('kubeward_journal_writable', 'gauge', '1 while the journal takes writes (what /readyz reports)');
  metrics.define('kubeward_journal_unreadable_lines_total', 'counter', 'journal lines replay could not read');
  metrics.define('kubeward_spool_errors_total', 'counter', 'failed writes of alerts to the spool (processing waits and retries)');
  metrics.define('kubeward_sink_delivered_alerts_total', 'counter', 'alerts a sink confirmed');
  metrics.define('kubeward_sink_errors_total', 'counter', 'failed delivery attempts (retried)');
  metrics.define('kubeward_sink_dropped_alerts_total', 'counter', 'alerts a sink will never get: refused for good, or rotated away while it was behind');
  metrics.define('kubeward_sink_backlog_bytes', 'gauge', 'spool bytes a sink has not confirmed');
  metrics.define('kubeward_connections', 'gauge', 'open connections');
  metrics.define('kubeward_connections_closed_total', 'counter', 'connections closed or refused by the limits, by reason');
}

/** File system errors at start as one line: which file, what is wrong. */
function startError(what: string, path: string, error: unknown): InputError {
  if (error instanceof NotARegularFile) return new InputError(`${what} ${path} must be a regular file (it is appended, fsynced and truncated)`);
  return new InputError(`cannot open ${what} ${path}: ${systemErrorText(error)}`);
}

export async function startAuditWebhook(options: AuditWebhookOptions): Promise<AuditWebhook> {
  // Messages carry foreign text (network errors, paths, sink names): one line, controls escaped.
  const log = (message: string) => options.log?.(oneLine(message));
  const metrics = new Metrics();
  defineMetrics(metrics);
  const maxBacklog = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
  let state: 'starting' | 'running' | 'stopping' = 'starting';
  let journal: DurableLog | undefined;
  let processor: Processor | undefined;
  let inFlightBytes = 0;
  let inProgress = 0;

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: Error) => {
      log(`request failed: ${error.message}`);
      if (!response.headersSent) reply(response, 500, 'internal error\n');
    });
  };
  const running: RunningServer = await serve({ host: options.host, port: options.port, tls: options.tls, limits: options.connections, onConnection: (event) => {
    if (event === 'opened') return;
    metrics.add('kubeward_connections_closed_total', 1, { reason: { closed_idle: 'idle', closed_for_room: 'room', refused: 'refused' }[event] });
  } }, listener);

  // Files only once the port is ours: a start that fails leaves nothing behind.
  const created: string[] = [];
  const sinks: Sink[] = [];
  let spool: DurableLog | undefined;
  let runners: SinkRunner[] = [];
  let cursors: CursorStore;
  const checkpointPath = `${options.journal}.offset`;
  const spoolPath = `${options.journal}.alerts`;
  try {
    const checkpoint = await readCheckpoint(checkpointPath);
    journal = await DurableLog.open(options.journal, 'journal', { io: options.io, base: checkpoint }).catch((error) => {
      throw startError('journal', options.journal, error);
    });
    if (journal.created) created.push(options.journal);
    const saved = await CursorStore.load(`${spoolPath}.cursors`);
    spool = await DurableLog.open(spoolPath, 'alerts', { io: options.io, base: Math.max(0, ...saved.values()) }).catch((error) => {
      throw startError('alert spool', spoolPath, error);
    });
    if (spool.created) created.push(spoolPath);
    for (const spec of options.sinks) {
      const sink = await openSink(spec, options.io).catch((error) => {
        throw startError('sink file', spec.kind === 'file' ? spec.path : spec.kind, error);
      });
      sinks.push(sink);
      if (sink.createdPath) created.push(sink.createdPath);
    }
    const pipeline = new DetectPipeline({ ...options.pipeline, retainAlerts: false });
    // before the sinks' positions are read: opening may remove what a crash left of a batch's alerts
    processor = await Processor.open(
      { journal, spool, checkpointPath, pipeline, metrics, log, journalMaxBytes: options.journalMaxBytes ?? DEFAULT_JOURNAL_MAX_BYTES, spoolMaxBytes: options.sinkSpoolMaxBytes ?? DEFAULT_SPOOL_MAX_BYTES, runners: () => runners },
      checkpoint,
    );
    const openedSpool = spool;
    runners = sinks.map((sink) => {
      // A sink without a saved cursor starts with the alerts raised from now on.
      const position = Math.min(Math.max(saved.get(sink.key) ?? openedSpool.end, openedSpool.start), openedSpool.end);
      return new SinkRunner(sink, openedSpool, position, metrics, log, () => void cursors.save());
    });
    cursors = new CursorStore(`${spoolPath}.cursors`, () => Object.fromEntries(runners.map((runner) => [runner.sink.key, { name: runner.sink.name, position: runner.position }])));
  } catch (error) {
    running.destroyConnections();
    await running.stopListening();
    await journal?.close().catch(() => undefined);
    await spool?.close().catch(() => undefined);
    for (const sink of sinks) await sink.close().catch(() => undefined);
    for (const path of created) await rm(path, { force: true }).catch(() => undefined);
    throw error;
  }
  const theJournal = journal;
  const theProcessor = processor;
  const theSpool = spool;
  await cursors.save();
  theProcessor.start();
  for (const runner of runners) runner.start();
  state = 'running';

  // While the journal refuses writes, probe it so that readiness comes back with the disk.
  let probing: Promise<void> | undefined;
  const probeUntilWritable = () => {
    probing ??= (async () => {
      while (state === 'running' && !(await theJournal.probe())) await new Promise((resolve) => setTimeout(resolve, 1000));
    })().finally(() => (probing = undefined));
  };

  const readiness = (): string | undefined => {
    if (state !== 'running') return state;
    if (!theJournal.writable) return `the journal cannot be written (${(theJournal.error as NodeJS.ErrnoException)?.code ?? theJournal.error?.message})`;
    return undefined;
  };

  const refuse = (response: ServerResponse, code: number, result: string, text: string, headers: Record<string, string | number> = {}) => {
    metrics.add('kubeward_audit_batches_total', 1, { result });
    reply(response, code, text, undefined, false, headers);
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') return reply(response, 200, 'ok\n');
    if (request.method === 'GET' && path === '/readyz') {
      const why = readiness();
      return why ? reply(response, 503, `not ready: ${why}\n`) : reply(response, 200, 'ok\n');
    }
    if (request.method === 'GET' && path === '/metrics') {
      if (processor) {
        metrics.set('kubeward_audit_lag_seconds', processor.lagSeconds());
        metrics.set('kubeward_audit_backlog_bytes', processor.backlogBytes);
      }
      if (journal) {
        metrics.set('kubeward_journal_bytes', journal.currentBytes);
        metrics.set('kubeward_journal_writable', journal.writable ? 1 : 0);
        metrics.set('kubeward_journal_writes_total', journal.writes);
      }
      for (const runner of runners) metrics.set('kubeward_sink_backlog_bytes', Math.max(0, theSpool.end - runner.position), { sink: runner.sink.name });
      metrics.set('kubeward_connections', running.connections());
      return reply(response, 200, metrics.render(), 'text/plain; version=0.0.4; charset=utf-8');
    }
    if (request.method !== 'POST') return reply(response, 405, 'POST an EventList, or GET /healthz, /readyz or /metrics\n');
    if (state !== 'running') return refuse(response, 503, 'unavailable', `${state}; retry\n`, { 'retry-after': RETRY_AFTER_SECONDS });
    // With a client CA the TLS layer asks for a certificate but lets the handshake finish, so the
    // kubelet's probes reach /healthz; a batch needs a certificate the CA signed.
    if (options.tls?.clientCa && !(request.socket as TLSSocket).authorized) return refuse(response, 401, 'unauthorized', 'a client certificate signed by --client-ca is required\n');
    if (options.token && !bearerMatches(request.headers.authorization, options.token)) return refuse(response, 401, 'unauthorized', 'unauthorized\n');
    if (theProcessor.backlogBytes + inFlightBytes >= maxBacklog) {
      return refuse(response, 429, 'throttled', `more than ${maxBacklog} bytes of batches wait for processing; retry\n`, { 'retry-after': RETRY_AFTER_SECONDS });
    }
    if (inProgress >= MAX_BATCHES_IN_PROGRESS) return refuse(response, 429, 'throttled', `${inProgress} batches are being stored; retry\n`, { 'retry-after': RETRY_AFTER_SECONDS });
    inProgress++;
    try {
      await accept(request, response);
    } finally {
      inProgress--;
    }
  }

  async function accept(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(request, options.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) return; // the client went away
      log(`rejected a batch over ${options.maxBodyBytes} bytes (lower --audit-webhook-batch-max-size)`);
      return refuse(response, 413, 'too_large', `body over ${options.maxBodyBytes} bytes\n`, { connection: 'close' });
    }
    const depth = jsonDepth(body, MAX_BODY_DEPTH);
    if (depth > MAX_BODY_DEPTH) return refuse(response, 400, 'bad_request', `body nested deeper than ${MAX_BODY_DEPTH} levels\n`);
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(response, 400, 'bad_request', 'body is not JSON\n');
    }
    const stats = emptyAuditStats();
    let batch;
    try {
      batch = batchOf(value, stats, depth);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      return refuse(response, 400, 'bad_request', 'body nested too deep to read\n');
    }
    for (const [reason, count] of Object.entries(stats.rejectReasons)) metrics.add('kubeward_audit_rejected_events_total', count, { reason });
    if (batch.events.length === 0) {
      if (stats.rejected > 0) return refuse(response, 400, 'bad_request', 'no audit event in the body (an EventList, an Event, or a JSON array of them)\n');
      return refuse(response, 200, 'empty', '{}', { 'content-type': 'application/json' });
    }
    const line = journalLine(batch, value, body);
    const bytes = (typeof line === 'string' ? Buffer.byteLength(line) : line.length) + 1;
    let end: number;
    inFlightBytes += bytes;
    try {
      end = await theJournal.append([line]);
    } catch (error) {
      metrics.add('kubeward_journal_errors_total');
      log(`journal ${options.journal}: ${(error as Error).message}`);
      probeUntilWritable();
      return refuse(response, 503, 'journal_error', 'cannot store the batch; retry\n', { 'retry-after': RETRY_AFTER_SECONDS });
    } finally {
      inFlightBytes -= bytes;
    }
    metrics.add('kubeward_audit_events_total', batch.events.length);
    if (batch.truncated > 0) metrics.add('kubeward_audit_truncated_events_total', batch.truncated);
    refuse(response, 200, 'accepted', '{}', { 'content-type': 'application/json' });
    theProcessor.enqueue(batch.events, end, bytes);
  }

  const waitFor = async (done: () => boolean) => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  let closing: Promise<void> | undefined;
  return {
    url: running.url,
    metrics,
    processed: () => waitFor(() => theProcessor.settled && inFlightBytes === 0),
    idle: () => waitFor(() => theProcessor.settled && inFlightBytes === 0 && runners.every((runner) => runner.caughtUp)),
    connections: () => running.connections(),
    close: () =>
      (closing ??= (async () => {
        state = 'stopping';
        const deadline = Date.now() + (options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
        const untilDeadline = new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())).unref());
        await Promise.race([running.stopListening(), untilDeadline]);
        await theProcessor.stop(deadline);
        await Promise.all(runners.map((runner) => runner.drain(deadline)));
        await Promise.all(runners.map((runner) => runner.stop()));
        await cursors.save();
        running.destroyConnections();
        await theJournal.close();
        await theSpool.close();
        for (const sink of sinks) await sink.close();
      })()),
  };
}
