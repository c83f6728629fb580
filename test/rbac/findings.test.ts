import { describe, expect, it } from 'vitest';
import { inventoryFromText } from '../../src/load/sources.js';
import { auditMetrics } from '../../src/rbac/audit.js';
import { findDanglingReferences } from '../../src/rbac/dangling.js';
import { analyzeDefaultServiceAccounts } from '../../src/rbac/default-sa.js';
import { buildEngine } from '../../src/rbac/engine.js';
import { rbacFindings, rbacRuleMetas } from '../../src/rbac/findings.js';

const CHART = `apiVersion: v1
kind: ServiceAccount
metadata: {name: fast-trace-agent, namespace: tracing}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: fast-trace-agent-reader}
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: fast-trace-agent-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: fast-trace-agent-reader}
subjects:
  - kind: User
    name: someone-else
  - kind: ServiceAccount
    name: fast-trace-agent
    namespace: tracing
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: tracing}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      serviceAccountName: fast-trace-agent
      containers: [{name: agent, image: "agent:1"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      automountServiceAccountToken: false
      containers: [{name: web, image: "web:1"}]
`;

function findingsOf(yaml: string) {
  const engine = buildEngine(inventoryFromText(yaml, 'chart.yaml').inventory);
  return { engine, findings: rbacFindings(engine) };
}

describe('RBAC findings', () => {
  it('one finding per subject and risk, on the binding, pointing at the subject entry', () => {
    const { findings } = findingsOf(CHART);
    const forAgent = findings.filter((finding) => (finding.evidence?.subject as { name: string } | undefined)?.name === 'fast-trace-agent');
    expect(forAgent.map((finding) => finding.ruleId)).toEqual(['rbac-read-secrets']);
    const [finding] = forAgent;
    expect(finding).toMatchObject({
      severity: 'critical',
      stage: 'evaluate',
      suppressed: false,
      object: { kind: 'ClusterRoleBinding', name: 'fast-trace-agent-reader' },
      location: { file: 'chart.yaml', line: 20 },
    });
    expect(finding.message).toBe(
      'ServiceAccount tracing/fast-trace-agent: reads Secrets cluster-wide: list secrets via ClusterRoleBinding fast-trace-agent-reader → ClusterRole fast-trace-agent-reader. Escalation path to all Secrets: lists secrets in every namespace.',
    );
    expect(finding.evidence).toMatchObject({ scope: 'cluster', escalationPath: { goal: 'all-secrets', steps: ['lists secrets in every namespace'] } });
  });

  it('honours kubeward.io/ignore on the binding', () => {
    // in its own namespace: not the attack pattern (high)
    const ownNamespace = CHART.replace('kind: ClusterRole\nmetadata: {name: fast-trace-agent-reader}', 'kind: Role\nmetadata: {name: fast-trace-agent-reader, namespace: tracing}')
      .replace('kind: ClusterRoleBinding\nmetadata: {name: fast-trace-agent-reader}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole,', "kind: RoleBinding\nmetadata:\n  name: fast-trace-agent-reader\n  namespace: tracing\n  annotations: {kubeward.io/ignore: 'rbac-read-secrets; the agent reads its own config'}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role,");
    const finding = findingsOf(ownNamespace).findings.find((candidate) => candidate.ruleId === 'rbac-read-secrets');
    expect(finding?.severity).toBe('high');
    expect(finding?.suppressed).toBe(true);
    expect(finding?.suppression).toEqual({ source: 'annotation', reason: 'the agent reads its own config' });
  });

  it('never lets the annotation suppress a critical finding: the chart author may be the attacker; an ignore entry of .kubeward.yaml (the user\'s) does', () => {
    const annotated = CHART.replace('metadata: {name: fast-trace-agent-reader}\nroleRef', "metadata:\n  name: fast-trace-agent-reader\n  annotations: {kubeward.io/ignore: 'rbac-read-secrets; the agent reads its own config'}\nroleRef");
    const { engine, findings } = findingsOf(annotated);
    const finding = findings.find((candidate) => candidate.ruleId === 'rbac-read-secrets');
    expect(finding).toMatchObject({ severity: 'critical', suppressed: false });
    const ignores = [{ rule: 'rbac-read-secrets', match: { kind: 'ClusterRoleBinding', name: 'fast-trace-agent-reader' }, reason: 'reviewed' }];
    const configured = rbacFindings(engine, { ignores }).find((candidate) => candidate.ruleId === 'rbac-read-secrets');
    expect(configured).toMatchObject({ severity: 'critical', suppressed: true, suppression: { source: 'config', reason: 'reviewed' } });
  });

  it('every finding id has its metadata for reports', () => {
    const metas = new Set(rbacRuleMetas().map((meta) => meta.id));
    const yaml = `${CHART}---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: to-default, namespace: shop}
roleRef: {kind: ClusterRole, name: missing}
subjects: [{kind: ServiceAccount, name: default}, {kind: Group, name: system:serviceaccounts}]
`;
    for (const finding of findingsOf(yaml).findings) expect(metas.has(finding.ruleId), finding.ruleId).toBe(true);
  });

  it('bindings to default, to whole groups of accounts, or to every user', () => {
    const yaml = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: broad, namespace: shop}
roleRef: {kind: ClusterRole, name: view}
subjects:
  - {kind: ServiceAccount, name: default}
  - {kind: Group, name: system:serviceaccounts:shop}
  - {kind: Group, name: system:serviceaccounts}
  - {kind: Group, name: system:authenticated}
  - {kind: User, name: system:anonymous}
  - {kind: ServiceAccount, name: ci}
`;
    const { findings } = findingsOf(yaml);
    const broad = findings.filter((finding) => finding.ruleId.startsWith('rbac-binds-')).map((finding) => [finding.ruleId, finding.severity, finding.location?.line]);
    expect(broad).toEqual([
      ['rbac-binds-default-service-account', 'medium', 6],
      ['rbac-binds-service-account-group', 'medium', 7],
      ['rbac-binds-service-account-group', 'high', 8],
      ['rbac-binds-all-users', 'high', 9],
      ['rbac-binds-all-users', 'critical', 10],
    ]);
  });

  it('aggregation: a chart ClusterRole that feeds edit, and a chart aggregationRule', () => {
    const yaml = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widget-editor
  labels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
rules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: widget-all}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}}]}
rules: []
`;
    const { findings } = findingsOf(yaml);
    // edit already lets its holders exec into pods: adding it changes nothing.
    expect(findings.map((finding) => [finding.ruleId, finding.object.name, finding.severity])).toEqual([
      ['rbac-aggregates-into-default-roles', 'widget-editor', 'info'],
      ['rbac-aggregation-rule', 'widget-all', 'medium'],
    ]);
    expect(findings[0].message).toMatch(/adds 1 rule \(pods\/exec\) to ClusterRole edit: harmless/);
    // view carries aggregate-to-edit too (view ⊂ edit).
    expect(findings[1].message).toMatch(/gathers the rules of 3 ClusterRoles \(system:aggregate-to-edit, view, widget-editor\)/);
  });
});

describe('aggregation into the built-in roles, by what it adds', () => {
  const role = (name: string, targets: string[], rules: string) =>
    `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\n  labels: {${targets.map((target) => `rbac.authorization.k8s.io/aggregate-to-${target}: "true"`).join(', ')}}\nrules: ${rules}\n`;
  it.each([
    ['Secrets into view: every viewer reads every Secret', role('x', ['view'], '[{apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}]'), 'critical', /every subject bound to view anywhere in the cluster silently gains what rbac-read-secrets reports/],
    ['nodes/proxy into edit', role('x', ['edit'], '[{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}]'), 'critical', /rbac-nodes-proxy/],
    ['Secrets into edit and admin, which already read them', role('x', ['edit', 'admin'], '[{apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}]'), 'info', /harmless/],
    ['the chart\'s own custom resources into view', role('x', ['view'], '[{apiGroups: [widgets.example.com], resources: [widgets], verbs: [get, list, watch]}]'), 'info', /harmless/],
    ['Secrets by name into view', role('x', ['view'], '[{apiGroups: [""], resources: [secrets], resourceNames: [widget-ca], verbs: [get]}]'), 'medium', /rbac-get-secrets/],
  ])('%s', (_name, yaml, severity, message) => {
    const [finding] = findingsOf(yaml).findings;
    expect(finding.severity).toBe(severity);
    expect(finding.message).toMatch(message);
  });
});

describe('dangling references', () => {
  const yaml = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: refs}
roleRef: {kind: ClusterRole, name: view}
subjects:
  - {kind: ServiceAccount, name: no-namespace}
  - {kind: ServiceAccount, name: ghost, namespace: gone}
  - {kind: ServiceAccount, name: squatter, namespace: shop}
  - {kind: ServiceAccount, name: web, namespace: shop}
  - {kind: ServiceAccount, name: default, namespace: shop}
  - {kind: Robot, name: r2}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: to-nothing, namespace: shop}
roleRef: {kind: Role, name: nothing}
subjects: [{kind: User, name: u}]
`;
  it('are reported, never a crash', () => {
    const engine = buildEngine(inventoryFromText(yaml).inventory);
    expect(findDanglingReferences(engine).map((reference) => `${reference.binding.name}: ${reference.problem}`)).toEqual([
      'to-nothing: references Role "nothing" in namespace shop, which does not exist',
      'refs: ServiceAccount "no-namespace" has no namespace: in a ClusterRoleBinding it matches nobody',
      'refs: ServiceAccount gone/ghost is in namespace gone, which does not exist: whoever creates it gets these permissions',
      'refs: ServiceAccount shop/squatter does not exist: whoever creates it gets these permissions',
      'refs: subject kind "Robot" is not User, Group or ServiceAccount: it matches nobody',
    ]);
  });

  it('without Namespace objects (a chart), missing namespaces are not guessed', () => {
    const chart = yaml.split('---').slice(2).join('---');
    const engine = buildEngine(inventoryFromText(chart).inventory);
    expect(findDanglingReferences(engine).map((reference) => reference.problem)).toHaveLength(3);
  });
});

describe('default ServiceAccounts and the audit metrics', () => {
  it('resolves who mounts the token: the pod wins over the account, else the default (mounted)', () => {
    const yaml = `apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: shop}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: shop}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: shop}
spec: {automountServiceAccountToken: true, containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: other}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: other}
spec: {serviceAccountName: own, containers: [{name: c, image: i}]}
`;
    const analysis = analyzeDefaultServiceAccounts(buildEngine(inventoryFromText(yaml).inventory));
    expect(analysis.workloads.map((workload) => [workload.object.metadata.name, workload.serviceAccount, workload.tokenMounted, workload.automountFrom])).toEqual([
      ['a', 'default', false, 'serviceaccount'],
      ['b', 'default', true, 'pod'],
      ['c', 'default', true, 'default'],
      ['d', 'own', true, 'default'],
    ]);
    expect(analysis.onDefault).toHaveLength(3);
  });

  it("the battlecard's metrics", () => {
    const yaml = `${CHART}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admin}
roleRef: {kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: ci, namespace: build}]
`;
    const metrics = auditMetrics(buildEngine(inventoryFromText(yaml).inventory));
    expect(metrics.map((metric) => [metric.name, metric.value])).toEqual([
      ['ServiceAccounts with wildcard permissions', 1],
      ['Workloads on a non-default ServiceAccount', '1/2 (50%)'],
      ['Subjects that can read all Secrets', 4],
      ['ClusterRoleBindings to cluster-admin', 1],
      ['Subjects with an escalation path to cluster-admin', 1],
    ]);
    expect(metrics[2].detail).toBe('list or watch in every namespace: Group system:masters, User someone-else, ServiceAccount tracing/fast-trace-agent, ServiceAccount build/ci');
  });
});

describe('docs/rbac.md', () => {
  it('documents every finding id', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/rbac.md', import.meta.url), 'utf8');
    const missing = rbacRuleMetas().filter((meta) => !doc.includes(`\`${meta.id}\``));
    expect(missing.map((meta) => meta.id)).toEqual([]);
  });

  it("lists each grant of the evidence once: a ClusterRoleBinding's rule where the risk holds in several namespaces, a rule answering two checks", () => {
    const role = (kind: string, name: string, namespace: string | undefined, rules: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata: {name: ${name}${namespace ? `, namespace: ${namespace}` : ''}}
rules: ${rules}
`;
    const binding = (kind: string, name: string, namespace: string | undefined, roleKind: string, roleName: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ${kind}
metadata: {name: ${name}${namespace ? `, namespace: ${namespace}` : ''}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${roleKind}, name: ${roleName}}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
`;
    const text = [
      role('ClusterRole', 'binder', undefined, '[{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}]'),
      binding('ClusterRoleBinding', 'deployer-binder', undefined, 'ClusterRole', 'binder'),
      ...['team-a', 'team-b'].flatMap((namespace) => [
        role('Role', 'binding-writer', namespace, '[{apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings], verbs: [create]}]'),
        binding('RoleBinding', 'deployer', namespace, 'Role', 'binding-writer'),
      ]),
      // one rule that answers both checks of rbac-bind (bind roles, write bindings)
      role('Role', 'all-in-one', 'team-c', '[{apiGroups: [rbac.authorization.k8s.io], resources: [roles, rolebindings], verbs: [bind, create]}]'),
      binding('RoleBinding', 'deployer', 'team-c', 'Role', 'all-in-one'),
    ].join('---\n');
    const { findings } = findingsOf(text);
    const bind = findings.find((finding) => finding.ruleId === 'rbac-bind');
    expect(bind?.message).toContain('namespaces team-a, team-b, team-c');
    const grants = (bind?.evidence?.grants as { binding: { name: string; namespace?: string } }[]).map((grant) => `${grant.binding.namespace ?? ''}/${grant.binding.name}`);
    expect(grants).toEqual(['/deployer-binder', 'team-a/deployer', 'team-b/deployer', 'team-c/deployer']);
  });
});
