import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { resolve } from 'node:path';
import type { Alert } from '../core/alert.js';
import { alertLine } from '../detect/alerts.js';
import { AppendFile, type FileIo } from './append-file.js';

/**
 * Where the receiver sends alerts: stdout (JSON lines), a file (appended and fsynced, with the same
 * torn-write rules as the journal), an HTTP webhook (one POST per alert). A sink only transports: the
 * delivery loop (delivery.ts) keeps its cursor, retries and backs off.
 */
export type SinkSpec = { kind: 'stdout' } | { kind: 'file'; path: string } | ({ kind: 'webhook'; url: string } & WebhookOptions);

/** How a webhook sink reaches its receiver: extra headers (e.g. an Authorization token read from a file) and the CA that signed its certificate. */
export interface WebhookOptions {
  headers?: Record<string, string>;
  ca?: Buffer;
}

/** What a delivery got through: `delivered` alerts from the front (of which `dropped` were refused for good), then `error` if it stopped short. */
export interface Delivery {
  delivered: number;
  dropped: number;
  error?: Error;
}

export interface Sink {
  /** For logs and metrics (a webhook URL without credentials or query). */
  name: string;
  /** What its cursor is saved under: the same sink on the next start. */
  key: string;
  /** True when the sink created its file at open (a failed start removes it). */
  createdPath?: string;
  deliver(alerts: readonly Alert[], signal: AbortSignal): Promise<Delivery>;
  close(): Promise<void>;
}

export const WEBHOOK_TIMEOUT_MS = 5000;
/** POSTs a webhook sink has in flight at once (alerts are independent; order is by their time field). */
export const WEBHOOK_CONCURRENCY = 8;
/** Answers that mean the receiver will never take this alert: it is dropped (counted), not retried. */
const REFUSED_FOR_GOOD = new Set([400, 413, 415, 422]);

export async function openSink(spec: SinkSpec, io?: FileIo): Promise<Sink> {
  switch (spec.kind) {
    case 'stdout':
      return { name: 'stdout', key: 'stdout', deliver: writeStdout, close: async () => undefined };
    case 'file': {
      const file = await AppendFile.open(spec.path, io);
      return {
        name: `file:${spec.path}`,
        key: `file:${resolve(spec.path)}`,
        createdPath: file.created ? spec.path : undefined,
        deliver: async (alerts) => {
          try {
            await file.append(Buffer.from(alerts.map((alert) => `${alertLine(alert)}\n`).join('')));
            return { delivered: alerts.length, dropped: 0 };
          } catch (error) {
            return { delivered: 0, dropped: 0, error: error as Error };
          }
        },
        close: () => file.close(),
      };
    }
    case 'webhook':
      return {
        name: `webhook:${displayUrl(spec.url)}`,
        key: `webhook:${spec.url}`,
        deliver: (alerts, signal) => postAll(spec, alerts, signal),
        close: async () => undefined,
      };
  }
}

/**
 * POSTs alerts, WEBHOOK_CONCURRENCY at a time. What counts as delivered is the run of alerts from the
 * front that succeeded (or were refused for good): after a failure, later alerts that got through are
 * sent again with the retry (at least once).
 */
async function postAll(spec: { url: string } & WebhookOptions, alerts: readonly Alert[], signal: AbortSignal): Promise<Delivery> {
  const outcome: ('sent' | 'refused' | Error | undefined)[] = new Array(alerts.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < alerts.length) {
      const index = next++;
      try {
        const status = await post(spec, alertLine(alerts[index]), signal);
        if (status >= 200 && status <= 299) outcome[index] = 'sent';
        else if (REFUSED_FOR_GOOD.has(status)) outcome[index] = 'refused';
        else outcome[index] = new Error(`HTTP ${status}`);
      } catch (error) {
        outcome[index] = error as Error;
      }
      if (outcome[index] instanceof Error) failed = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(WEBHOOK_CONCURRENCY, alerts.length) }, worker));
  let delivered = 0;
  let dropped = 0;
  for (; delivered < alerts.length; delivered++) {
    const result = outcome[delivered];
    if (result === 'refused') dropped++;
    else if (result !== 'sent') return { delivered, dropped, error: result ?? new Error('not sent') };
  }
  return { delivered, dropped };
}

function writeStdout(alerts: readonly Alert[]): Promise<Delivery> {
  return new Promise((done) => {
    process.stdout.write(alerts.map((alert) => `${alertLine(alert)}\n`).join(''), (error) =>
      done(error ? { delivered: 0, dropped: 0, error } : { delivered: alerts.length, dropped: 0 }),
    );
  });
}

/** A URL as logs and metrics show it: no user, password or query (they may hold a token). */
export function displayUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '<invalid URL>';
  }
}

/** POSTs one alert and resolves with the status code (node:https, so a private CA can be trusted). */
function post(spec: { url: string } & WebhookOptions, body: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(spec.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...spec.headers },
        timeout: WEBHOOK_TIMEOUT_MS,
        signal,
        ...(url.protocol === 'https:' && spec.ca ? { ca: spec.ca } : {}),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${WEBHOOK_TIMEOUT_MS / 1000}s`)));
    request.on('error', reject);
    request.end(body);
  });
}
