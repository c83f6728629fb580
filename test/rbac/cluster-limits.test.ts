// The live API client against servers that misbehave: slow, endless, or hostile in what they say.
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_LISTS, loadCluster } from '../../src/load/cluster.js';
import { writeTree } from '../helpers/chart.js';

let server: Server;
let kubeconfig: string;
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const behaviour = request.headers.authorization?.replace('Bearer ', '');
    if (behaviour === 'trickle') {
      // Headers at once, then a byte every 100 ms, forever: no idle timeout ever fires.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"items": [');
      const timer = setInterval(() => response.write(' '), 100);
      timers.add(timer);
      response.on('close', () => clearInterval(timer));
    } else if (behaviour === 'endless') {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, ' ');
      const pump = () => {
        while (response.write(chunk));
      };
      response.on('drain', pump);
      pump();
    } else {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: 'forbidden\r\u001b[2K\u001b[1A\nall good' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const users = ['trickle', 'endless', 'hostile'];
  const config = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    // Plain HTTP: the client asks for skip-verify to allow it.
    `- name: local\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true`,
    'users:',
    ...users.map((name) => `- name: ${name}\n  user:\n    token: ${name}`),
    'contexts:',
    ...users.map((name) => `- name: ${name}\n  context:\n    cluster: local\n    user: ${name}`),
    'current-context: hostile',
  ].join('\n');
  kubeconfig = `${writeTree({ kubeconfig: config })}/kubeconfig`;
});

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const firstList = CLUSTER_LISTS.slice(0, 1);

describe('the live API client bounds what a server can make it do', () => {
  it('gives each request a deadline for the answer and its whole body (a byte every 100 ms does not hold it)', async () => {
    await expect(loadCluster({ kubeconfig, context: 'trickle', lists: firstList, timeoutMs: 600 })).rejects.toThrow(/^\/apis\/rbac\.authorization\.k8s\.io\/v1\/clusterroles\?limit=500 from http:\/\/127\.0\.0\.1:\d+: no complete answer within 0\.6s; raise it with --request-timeout$/);
  });

  it('ends the whole read at its deadline', async () => {
    await expect(loadCluster({ kubeconfig, context: 'trickle', lists: firstList, timeoutMs: 60_000, deadlineMs: 400 })).rejects.toThrow(/took longer than its deadline; raise it with --cluster-timeout$/);
  });

  it('stops reading an endless body at the byte limit', async () => {
    await expect(loadCluster({ kubeconfig, context: 'endless', lists: firstList, limits: { maxBytes: 1024 * 1024 } })).rejects.toThrow(/: an answer larger than 1 MiB; raise it with --max-file-size$/);
  });

  it("prints a Status message's control characters as escapes, on one line", async () => {
    const error = (await loadCluster({ kubeconfig, context: 'hostile', lists: firstList }).then(() => undefined, (caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(/the API server said: forbidden \\x1b\[2K\\x1b\[1A all good$/);
    expect(error.message).not.toMatch(/[\u0000-\u001f]/);
  });
});
