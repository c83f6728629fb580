import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Agent as HttpsAgent, request, type Agent } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';
import { loadKubewardRules } from '../../src/detect/rules.js';
import type { AuditWebhookOptions } from '../../src/serve/audit-webhook.js';

/** What the receiver's tests share: a private CA with server and client certificates, audit events as the API server sends them, a client. */

export interface Pki {
  ca: string;
  cert: string;
  key: string;
  clientCert: string;
  clientKey: string;
}

export async function makePki(): Promise<Pki> {
  const ca = await generate([{ name: 'commonName', value: 'kubeward test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }],
  });
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  const client = await generate([{ name: 'commonName', value: 'kube-apiserver' }], { keyType: 'ec', algorithm: 'sha256', ca: { key: ca.private, cert: ca.cert }, extensions: [{ name: 'extKeyUsage', clientAuth: true }] });
  return { ca: ca.cert, cert: server.cert, key: server.private, clientCert: client.cert, clientKey: client.private };
}

/** The PKI as files, for the CLI. */
export function writePki(pki: Pki, dir: string): { cert: string; key: string; ca: string } {
  const files = { cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), ca: join(dir, 'ca.crt') };
  writeFileSync(files.cert, pki.cert);
  writeFileSync(files.key, pki.key);
  writeFileSync(files.ca, pki.ca);
  return files;
}

export const tempDir = () => mkdtempSync(join(tmpdir(), 'kubeward-serve-'));

/**
 * The JSON lines a file a sink is still writing holds so far: the last line counts only once its
 * newline is written (a reader polling the file can see a record half written; that is not a torn one).
 */
export function wholeJsonLines<T = Record<string, unknown>>(file: string): T[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  return lines.slice(0, -1).filter(Boolean).map((line) => JSON.parse(line) as T);
}

export const SECRET = 'dG9wLXNlY3JldC12YWx1ZQ==';

/** An anonymous read of a Secret, allowed: the built-in rules alert on it; its response carries the Secret's data. */
export const item = (auditID: string, extra: Record<string, unknown> = {}) => ({
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

/** A Metadata-level event for load: the rule in LOAD_RULE raises exactly one alert for each. */
export const loadItem = (auditID: string) => ({
  level: 'Metadata',
  auditID,
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/team/configmaps',
  verb: 'list',
  user: { username: 'load-tester', groups: ['system:authenticated'] },
  objectRef: { resource: 'configmaps', namespace: 'team', apiVersion: 'v1' },
  responseStatus: { code: 200 },
  requestReceivedTimestamp: '2026-03-01T10:00:00.000000Z',
  stageTimestamp: '2026-03-01T10:00:00.001000Z',
});

/** A kubeward rule that alerts on every event of loadItem, unthrottled: alerts and events match one to one. */
export const LOAD_RULE = `- rule: load-marker
  desc: every event of the load tester
  priority: low
  condition: ka.user.name = "load-tester"
  summary: "%ka.auditid"
`;

export const batch = (...items: unknown[]) => JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items });

export interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface PostOptions {
  token?: string;
  path?: string;
  method?: string;
  client?: Pki;
  ca?: string;
  agent?: Agent | false;
  timeoutMs?: number;
}

/** One request as kube-apiserver makes it (Content-Type application/json, a bearer token or a client certificate). */
export function post(url: string, body: string | Buffer, pki: Pki, options: PostOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path ?? '/k8s-audit', url);
    const req = request(
      target,
      {
        method: options.method ?? 'POST',
        ca: pki.ca,
        servername: 'localhost',
        agent: options.agent,
        headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        ...(options.client ? { cert: options.client.clientCert, key: options.client.clientKey } : {}),
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, headers: response.headers }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.timeoutMs) req.setTimeout(options.timeoutMs, () => req.destroy(new Error('timeout')));
    if (options.method === 'GET') req.end();
    else req.end(body);
  });
}

export const get = (url: string, path: string, pki: Pki) => post(url, '', pki, { path, method: 'GET' });

/** Polls until the check holds (no fixed sleeps: a loaded machine only makes it slower). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value of a metric series in Prometheus text, 0 when absent. */
export function metric(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/**
 * A disk that fills up: while `free` is set, writes to the files `affects` picks use it up; a write
 * larger than what is left is cut short (as the kernel does) and the next one fails with ENOSPC.
 */
export class FillingDisk {
  free: number | undefined;
  failedWrites = 0;
  constructor(private readonly affects: (path: string) => boolean = () => true) {}

  readonly io = {
    write: async (handle: FileHandle, data: Buffer, position: number, path: string) => {
      if (this.free === undefined || !this.affects(path)) return (await handle.write(data, 0, data.length, position)).bytesWritten;
      if (this.free <= 0) {
        this.failedWrites++;
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      const count = Math.min(this.free, data.length);
      const { bytesWritten } = await handle.write(data, 0, count, position);
      this.free -= bytesWritten;
      return bytesWritten;
    },
    sync: (handle: FileHandle) => handle.sync(),
    truncate: (handle: FileHandle, length: number) => handle.truncate(length),
  };
}

export const BIN = fileURLToPath(new URL('../../bin/kubeward.js', import.meta.url));

export interface ServeChild {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `kubeward detect serve` as a child process (through `prefix`, e.g. nsenter) and waits until it listens. */
export function spawnServe(args: string[], options: { prefix?: string[]; timeoutMs?: number } = {}): Promise<ServeChild> {
  const command = [...(options.prefix ?? []), process.execPath, BIN, 'detect', 'serve', ...args];
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`detect serve did not start: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], stderr: () => stderr, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`detect serve exited (${code}) before listening: ${stderr}`));
    });
  });
}

/** A TCP port free now (the receiver is restarted on it). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Posts batches the way the API server does: several at a time, each retried until it is answered
 * 200 (through refused connections, resets, 429 and 503), and remembers which were acknowledged.
 */
export class ApiServerClient {
  readonly acknowledged = new Set<number>();
  private next = 0;
  private running = false;
  private workers: Promise<void>[] = [];
  private readonly agent: HttpsAgent;

  constructor(
    private readonly url: string,
    private readonly pki: Pki,
    private readonly token: string,
    private readonly body: (batch: number) => string,
    private readonly total: number,
    concurrency = 4,
  ) {
    this.agent = new HttpsAgent({ keepAlive: true, maxSockets: concurrency });
    this.concurrency = concurrency;
  }
  private readonly concurrency: number;

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.concurrency }, () => this.work());
  }

  get done(): boolean {
    return this.acknowledged.size === this.total;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    this.agent.destroy();
  }

  private async work(): Promise<void> {
    while (this.running && this.next < this.total) {
      const batch = this.next++;
      while (this.running) {
        const status = await post(this.url, this.body(batch), this.pki, { token: this.token, agent: this.agent, timeoutMs: 30_000 }).then(
          (reply) => reply.status,
          () => 0,
        );
        if (status === 200) {
          this.acknowledged.add(batch);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
}

/** The receiver's options for a test: TLS with the test PKI, a journal and a file sink in `dir`, the load rule. */
export function receiverOptions(pki: Pki, dir: string, overrides: Partial<AuditWebhookOptions> = {}): AuditWebhookOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    tls: { cert: pki.cert, key: pki.key },
    maxBodyBytes: 1024 * 1024,
    journal: join(dir, 'journal.jsonl'),
    sinks: [{ kind: 'file', path: join(dir, 'alerts.jsonl') }],
    pipeline: { rules: loadKubewardRules([{ name: 'load.yaml', text: LOAD_RULE }]) },
    shutdownTimeoutMs: 1000,
    ...overrides,
  };
}

/** A batch of `count` load events with auditIDs `<prefix>-<n>`. */
export const loadBatchOf = (prefix: string, count: number) => batch(...Array.from({ length: count }, (_, i) => loadItem(`${prefix}-${i}`)));
