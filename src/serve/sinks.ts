import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Alert } from '../core/alert.js';
import { alertLine } from '../detect/alerts.js';

/** Where the receiver sends alerts: stdout (JSON lines), a file (appended, fsynced), an HTTP webhook. */
export type SinkSpec = { kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'webhook'; url: string };

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
              const response = await fetch(spec.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: alertLine(alert), signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
              if (response.ok) return;
              lastError = new Error(`HTTP ${response.status}`);
              if (response.status < 500 && response.status !== 429) break;
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
