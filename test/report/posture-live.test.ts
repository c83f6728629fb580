// kubeward report --context/--kubeconfig: the live cluster through scan's loader (a local HTTPS server replaying recorded list responses).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostureReport } from '../../src/posture/model.js';
import { runCli } from '../helpers/cli.js';
import { startReplayServer, type ReplayServer } from '../rbac/replay-server.js';

let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer();
});
afterAll(async () => server.close());

describe('kubeward report of a live cluster', () => {
  it('reports what the cluster runs, to stdout with -o -, and never asks for Secrets', async () => {
    const result = await runCli(['report', '--kubeconfig', server.kubeconfig, '--context', 'replay', '--format', 'json', '-o', '-']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as PostureReport;
    expect(report.rbacGraph.nodes.some((node) => node.type === 'binding' && node.label === 'ClusterRoleBinding fast-trace-agent-reader')).toBe(true);
    expect(report.stages.find((stage) => stage.stage === 'evaluate')!.metrics.find((metric) => metric.id === 'evaluate.subjects-reading-all-secrets')!.value).toBeGreaterThan(0);
    expect(server.requests.map((request) => request.path).filter((path) => /secret/i.test(path))).toEqual([]);
  });
});
