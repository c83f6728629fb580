// The live API source against a local HTTPS server replaying recorded list responses (no API server runs here).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { CLUSTER_LISTS, loadCluster } from '../../src/load/cluster.js';
import { buildEngine } from '../../src/rbac/engine.js';
import { describeSubject } from '../../src/rbac/subject.js';
import { startReplayServer, TOKENS, type ReplayServer } from './replay-server.js';

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(async () => {
  await server.close();
});

describe('live API source', () => {
  it('lists every kind page by page (limit and continue), with the kubeconfig CA and token', async () => {
    server.requests.length = 0;
    const { inventory, warnings, sources } = await loadCluster({ kubeconfig: server.kubeconfig, context: 'replay', pageSize: 1 });
    expect(warnings).toEqual([]);
    expect(sources).toEqual([{ path: 'cluster:replay', kind: 'manifests' }]);
    const clusterRoles = server.requests.filter((request) => request.path === '/apis/rbac.authorization.k8s.io/v1/clusterroles');
    expect(clusterRoles.map((request) => [request.limit, request.continue === null ? 'first' : 'next'])).toEqual([
      ['1', 'first'],
      ['1', 'next'],
    ]);
    expect(server.requests.map((request) => request.path).filter((path, index, all) => all.indexOf(path) === index)).toHaveLength(CLUSTER_LISTS.length);
    expect(new Set(server.requests.map((request) => request.token))).toEqual(new Set([TOKENS.replay]));
    expect(inventory.byKind('ClusterRole').map((role) => role.metadata.name)).toEqual(['cluster-admin', 'fast-trace-agent-reader']);
    const [admin] = inventory.byKind('ClusterRole');
    expect(admin.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    expect(admin.metadata.managedFields).toBeUndefined();
    expect(inventory.provenanceOf(admin)).toEqual({ origin: 'cluster', cluster: 'replay' });
    expect(inventory.byKind('Deployment').map((deployment) => deployment.apiVersion)).toEqual(['apps/v1', 'apps/v1']);
  });

  it('feeds the engine like a dump: the cluster roles are present, so no built-in role is assumed', async () => {
    const { inventory } = await loadCluster({ kubeconfig: server.kubeconfig, context: 'replay' });
    const engine = buildEngine(inventory);
    expect(engine.roles.assumedBuiltins).toBe(false);
    const readers = engine.whoCan({ verb: 'list', apiGroup: '', resource: 'secrets', namespace: '' }).map((entry) => describeSubject(entry.subject));
    expect(readers).toEqual(['Group system:masters', 'ServiceAccount tracing/fast-trace-agent']);
  });

  it('a 403 on a kind RBAC needs is one line naming the missing permission', async () => {
    const error = await loadCluster({ kubeconfig: server.kubeconfig, context: 'forbidden' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      'forbidden (403): kubeward needs permission to list rolebindings.rbac.authorization.k8s.io in all namespaces (verb list, resource rolebindings.rbac.authorization.k8s.io, all namespaces); the API server said: rolebindings.rbac.authorization.k8s.io is forbidden: User "auditor" cannot list resource "rolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope',
    );
  });

  it('a 403 on workloads is a warning: the RBAC analysis still runs', async () => {
    const { inventory, warnings } = await loadCluster({ kubeconfig: server.kubeconfig, context: 'no-pods' });
    expect(warnings).toEqual(['forbidden (403): kubeward needs permission to list pods in all namespaces (verb list, resource pods, all namespaces): Pod objects were not read, so the analysis of workloads is partial']);
    expect(inventory.byKind('ClusterRoleBinding')).toHaveLength(2);
  });

  it('a 401 says the credentials were refused', async () => {
    await expect(loadCluster({ kubeconfig: server.kubeconfig, context: 'bad-token' })).rejects.toThrow(/^the cluster refused kubeward's credentials \(401 Unauthorized\) for context "bad-token": Unauthorized$/);
  });

  it('an unknown context names the ones there are', async () => {
    await expect(loadCluster({ kubeconfig: server.kubeconfig, context: 'prod' })).rejects.toThrow('kubeconfig has no context "prod" (it has: replay, forbidden, no-pods, bad-token)');
  });

  it('verifies the server certificate against the kubeconfig CA', async () => {
    const other = await generate([{ name: 'commonName', value: 'someone-else' }], { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' });
    const config = readFileSync(server.kubeconfig, 'utf8').replace(/certificate-authority-data: .*/, `certificate-authority-data: ${Buffer.from(other.cert).toString('base64')}`);
    const path = join(mkdtempSync(join(tmpdir(), 'kubeward-ca-')), 'kubeconfig');
    writeFileSync(path, config);
    await expect(loadCluster({ kubeconfig: path, context: 'replay' })).rejects.toThrow(/^cannot reach the cluster at https:\/\/127\.0\.0\.1:\d+ \(context "replay"\): /);
    rmSync(dirname(path), { recursive: true, force: true });
  });

  it('a missing kubeconfig is an InputError', async () => {
    await expect(loadCluster({ kubeconfig: '/nonexistent/kubeconfig' })).rejects.toThrow(InputError);
  });

  it('draws a progress bar on stderr only when asked (a terminal), and clears it', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await loadCluster({ kubeconfig: server.kubeconfig, context: 'replay', progress: true, lists: CLUSTER_LISTS.slice(0, 2) });
      await loadCluster({ kubeconfig: server.kubeconfig, context: 'replay', progress: false, lists: CLUSTER_LISTS.slice(0, 2) });
    } finally {
      spy.mockRestore();
    }
    expect(writes.some((text) => text.includes(`[${'-'.repeat(20)}] 0/2 listing clusterroles`))).toBe(true);
    expect(writes.at(-1)).toBe('\r\x1b[2K');
    expect(writes.filter((text) => text === '\r\x1b[2K')).toHaveLength(1);
  });
});
