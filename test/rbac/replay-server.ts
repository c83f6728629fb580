// A local HTTPS server that replays recorded Kubernetes API list responses (fixtures/live), and a
// kubeconfig that points at it with its CA, so the live API source runs against real TLS and paging.
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'selfsigned';

const FIXTURES = fileURLToPath(new URL('./fixtures/live/', import.meta.url));

/** Bearer tokens of the kubeconfig's users, and what the server does for each. */
export const TOKENS = { replay: 'replay-token', forbidden: 'forbidden-token', noPods: 'no-pods-token', bad: 'expired-token' } as const;

export interface ReplayServer {
  url: string;
  /** A kubeconfig with contexts replay, forbidden, no-pods and bad-token. */
  kubeconfig: string;
  requests: { path: string; limit: string | null; continue: string | null; token: string }[];
  close(): Promise<void>;
}

function send(response: import('node:http').ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(body);
}

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

export async function startReplayServer(): Promise<ReplayServer> {
  const pems = await generate([{ name: 'commonName', value: 'kubeward-replay' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  const requests: ReplayServer['requests'] = [];
  const server: Server = createServer({ key: pems.private, cert: pems.cert }, (request, response) => {
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
    requests.push({ path: url.pathname, limit: url.searchParams.get('limit'), continue: url.searchParams.get('continue'), token });
    const resource = url.pathname.split('/').pop() ?? '';
    if (token !== TOKENS.replay && token !== TOKENS.forbidden && token !== TOKENS.noPods) return send(response, 401, status(401, 'Unauthorized', 'Unauthorized'));
    if ((token === TOKENS.forbidden && resource === 'rolebindings') || (token === TOKENS.noPods && resource === 'pods')) {
      return send(response, 403, readFileSync(join(FIXTURES, 'forbidden.json'), 'utf8'));
    }
    const page = url.searchParams.get('continue');
    const file = join(FIXTURES, page ? `${resource}.${page}.json` : `${resource}.json`);
    if (existsSync(file)) return send(response, 200, readFileSync(file, 'utf8'));
    if (page) return send(response, 410, status(410, 'Expired', 'The provided continue parameter is too old'));
    send(response, 200, JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const directory = mkdtempSync(join(tmpdir(), 'kubeward-replay-'));
  const kubeconfig = join(directory, 'kubeconfig');
  const ca = Buffer.from(pems.cert).toString('base64');
  const users = Object.entries({ replay: TOKENS.replay, forbidden: TOKENS.forbidden, 'no-pods': TOKENS.noPods, 'bad-token': TOKENS.bad });
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: replay\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${ca}`,
      'users:',
      ...users.map(([name, token]) => `- name: ${name}\n  user:\n    token: ${token}`),
      'contexts:',
      ...users.map(([name]) => `- name: ${name}\n  context:\n    cluster: replay\n    user: ${name}`),
      'current-context: replay',
      '',
    ].join('\n'),
  );
  return {
    url,
    kubeconfig,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        rmSync(directory, { recursive: true, force: true });
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
