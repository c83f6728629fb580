/**
 * `kubeward drill run --context`: the team's objects read from a live cluster (a local HTTPS server
 * replaying recorded API list responses), read-only, never Secrets, with the admission policies and the
 * API server's EndpointSlice asked for as well.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DrillResult } from '../../src/drill/result.js';
import { runCli } from '../helpers/cli.js';
import { startReplayServer, type ReplayServer } from '../rbac/replay-server.js';

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(async () => {
  await server.close();
});

describe('kubeward drill run against a live cluster', () => {
  it('lists what the stages need, never Secrets, and judges the chart in that cluster', async () => {
    server.requests.length = 0;
    const run = await runCli(['drill', 'run', 'trojan-chart', '--no-config', '--kubeconfig', server.kubeconfig, '--context', 'replay', '--format', 'json'], { cwd: mkdtempSync(join(tmpdir(), 'kubeward-drill-live-')) });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as DrillResult;
    expect(result.inputs?.cluster).toEqual(['context replay']);
    const paths = new Set(server.requests.map((request) => request.path));
    for (const path of ['/apis/networking.k8s.io/v1/networkpolicies', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', '/apis/discovery.k8s.io/v1/endpointslices', '/api/v1/namespaces']) {
      expect(paths).toContain(path);
    }
    expect([...paths].filter((path) => /secret/i.test(path))).toEqual([]);
    expect(result.stages.find((stage) => stage.stage === 'evaluate')?.outcome).toBe('detected');
  });
});
