import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Alert } from '../core/alert.js';
import { alertLine } from '../detect/alerts.js';

/** Where the receiver sends alerts: stdout (JSON lines), a file (appended, fsynced), an HTTP webhook. */
export type SinkSpec = { kind: 'stdout' } | { kind: 'file'; path: string } | ({ kind: 'webhook'; url: string } & WebhookOptions);

/** How a webhook sink reaches its receiver: extra headers (e.g. an Authorization token read from a file) and the CA that signed its certificate. */
export interface WebhookOptions {
  headers?: Record<string, string>;
  ca?: Buffer;
}

export interface Sink {
  name: string;
  send(alert: Alert): Promise<void>;
  close(): void;
}

const WEBHOOK_TIMEOUT_MS = 5000;
const WEBHOOK_ATTEMPTS = 3;

export function openSink(spec: SinkSpec): Sink {
  switch (spec.kind) {
    case 'stdout':
      return { name: 'stdout', send: async (alert) => void process.stdout.write(`${alertLine(alert)}\n`), close: () => undefined };
    case 'file': {
      const fd = openSync(spec.path, 'a', 0o600);
      return {
        name: `file:${spec.path}`,
        send: async (alert) => {
          writeSync(fd, `${alertLine(alert)}\n`);
          fsyncSync(fd);
        },
        close: () => closeSync(fd),
      };
    }
    case 'webhook':
      return {
        name: `webhook:${spec.url}`,
        send: async (alert) => {
          let lastError: unknown;
          for (let attempt = 0; attempt < WEBHOOK_ATTEMPTS; attempt++) {
            try {
              const status = await post(spec, alertLine(alert));
              if (status >= 200 && status < 300) return;
              lastError = new Error(`HTTP ${status}`);
              if (status < 500 && status !== 429) break;
            } catch (error) {
              lastError = error;
            }
            await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
          }
          throw lastError instanceof Error ? lastError : new Error(String(lastError));
        },
        close: () => undefined,
      };
  }
}

/** POSTs one alert and resolves with the status code (node:https, so a private CA can be trusted). */
function post(spec: { url: string } & WebhookOptions, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(spec.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...spec.headers },
        timeout: WEBHOOK_TIMEOUT_MS,
        ...(url.protocol === 'https:' && spec.ca ? { ca: spec.ca } : {}),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${WEBHOOK_TIMEOUT_MS / 1000}s`)));
    request.on('error', reject);
    request.end(body);
  });
}
