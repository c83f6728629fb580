/** RBAC grants in a scan: scope, grants that hide themselves, posture (the cases the chart tests do not cover). */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/finding.js';
import { inventoryFromText } from '../../src/load/sources.js';
import { pathLeavesNamespace } from '../../src/rbac/reach.js';
import { rangesText } from '../../src/netpol/index.js';
import { scanInventory } from '../../src/scan.js';
import type { EscalationPath } from '../../src/rbac/index.js';

function scan(yaml: string, releaseNamespace = 'shop'): Finding[] {
  return scanInventory(inventoryFromText(yaml).inventory, { disable: [], ignore: [] }, { releaseNamespace }).findings;
}
const only = (findings: Finding[], pattern: RegExp) => findings.filter((finding) => pattern.test(finding.ruleId)).map((finding) => `${finding.severity} ${finding.ruleId} ${finding.object.kind}/${finding.object.namespace ?? ''}/${finding.object.name}`);

const binding = (namespace: string, role: string, kind = 'ClusterRole', extra = '') =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: agent, namespace: ${namespace}${extra}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${kind}, name: ${role}}\nsubjects: [{kind: ServiceAccount, name: agent, namespace: shop}]\n`;

describe('RoleBindings outside their account\'s namespace', () => {
  it.each([
    // metrics-server reads the authentication ConfigMap in kube-system: nothing risky, low.
    ['a harmless Role in kube-system', binding('kube-system', 'extension-apiserver-authentication-reader', 'Role'), ['low rbac-binding-outside-namespace RoleBinding/kube-system/agent']],
    ['edit in another team\'s namespace reads its Secrets', binding('payments', 'edit'), ['critical rbac-read-secrets RoleBinding/payments/agent']],
    ['exec into another namespace\'s pods', `${binding('monitoring', 'exec')}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: exec}\nrules: [{apiGroups: [""], resources: [pods/exec], verbs: [create]}]\n`, ['high rbac-pod-exec RoleBinding/monitoring/agent']],
    ['anything risky in kube-system', `${binding('kube-system', 'pods-reader')}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: pods-reader}\nrules: [{apiGroups: [""], resources: [pods], verbs: [update]}]\n`, ['critical rbac-modify-pods RoleBinding/kube-system/agent']],
    ['in its own namespace: nothing called out', binding('shop', 'edit'), ['medium rbac-read-secrets RoleBinding/shop/agent']],
  ])('%s', (_name, yaml, expected) => {
    expect(only(scan(yaml), /^rbac-/)).toEqual(expected);
  });

  it('says where it reaches in words', () => {
    const [finding] = scan(binding('payments', 'edit'));
    expect(finding.message).toMatch(/The RoleBinding grants in namespace payments, outside its account's namespace shop\./);
  });
});

describe('grants that delete themselves', () => {
  const hook = ', annotations: {helm.sh/hook: post-install, helm.sh/hook-delete-policy: hook-succeeded}';
  it('a self-deleting hook that reads only its own namespace\'s Secrets says so, without becoming critical', () => {
    const findings = scan(`${binding('shop', 'secret-reader', 'Role', hook)}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: secret-reader, namespace: shop}\nrules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]\n`);
    const [grant] = findings.filter((finding) => finding.ruleId.startsWith('rbac-'));
    expect(grant.severity).toBe('medium');
    expect(grant.message).toMatch(/It is a Helm hook that deletes itself after it runs \(hook-succeeded\)/);
    expect(grant.evidence?.hidden).toHaveLength(1);
  });
});

describe('severity follows scope: escalation paths', () => {
  const yaml = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: runner, namespace: shop}
rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: runner, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: runner}
subjects: [{kind: ServiceAccount, name: runner, namespace: shop}]
`;
  it('creating pods in its own namespace is medium while the namespace refuses privileged pods', () => {
    const restricted = `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: restricted}}\n---\n${yaml}`;
    expect(only(scan(restricted), /^rbac-/)).toEqual(['medium rbac-create-pods RoleBinding/shop/runner']);
  });

  it('and high when a privileged pod there reaches the node, and through it a cluster-admin token', () => {
    const admin = `${yaml}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cni}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: cni, namespace: kube-system}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: cni, namespace: kube-system}
spec:
  selector: {matchLabels: {app: cni}}
  template:
    metadata: {labels: {app: cni}}
    spec: {serviceAccountName: cni, containers: [{name: cni, image: "cni:1.0.0"}]}
`;
    const [grant] = scan(admin).filter((finding) => finding.object.name === 'runner' && finding.ruleId.startsWith('rbac-'));
    expect(grant.severity).toBe('high');
    expect(grant.message).toMatch(/starts a path to cluster-admin/);
  });

  it('pathLeavesNamespace: accounts of the same namespace stay inside, a node or another namespace leaves', () => {
    const path = (...to: string[]): EscalationPath => ({ goal: 'cluster-admin', subject: { kind: 'ServiceAccount', namespace: 'shop', name: 'a' }, steps: to.map((node) => ({ from: '', to: node, primitive: 'create-pods', label: node })) });
    expect(pathLeavesNamespace(path('any-sa:shop', 's:ServiceAccount\u0000shop\u0000controller', 'goal:cluster-admin'), 'shop')).toBe(false);
    expect(pathLeavesNamespace(path('node', 'pods:*', 'goal:cluster-admin'), 'shop')).toBe(true);
    expect(pathLeavesNamespace(path('any-sa:kube-system', 'goal:cluster-admin'), 'shop')).toBe(true);
    expect(pathLeavesNamespace(path('s:User\u0000\u0000admin', 'goal:cluster-admin'), 'shop')).toBe(true);
  });
});

describe('NetworkPolicy posture in a scan', () => {
  const deployment = (namespace: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ${namespace}}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {automountServiceAccountToken: false, containers: [{name: web, image: "web:1.0.0"}]}\n`;
  it('one low finding per namespace the sources create, none per workload, none for namespaces they only use', () => {
    const findings = scan(`apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n---\n${deployment('team-a')}---\n${deployment('team-b')}`);
    expect(only(findings, /^(namespace-network|workload-)/)).toEqual(['low namespace-network-posture Namespace//team-a']);
    expect(findings.find((finding) => finding.ruleId === 'namespace-network-posture')?.message).toBe(
      'no NetworkPolicy isolates every pod for ingress or egress: pods here may open connections to any address (1 workload from these sources, 1 of them may reach the internet)',
    );
  });

  it('a default-deny egress and ingress policy in the created namespace leaves nothing to say', () => {
    const policy = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: team-a}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n`;
    expect(only(scan(`apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n---\n${policy}---\n${deployment('team-a')}`), /^namespace-network/)).toEqual([]);
  });
});

describe('address ranges in words', () => {
  it.each([
    [[{ range: '0.0.0.0-255.255.255.255', conn: 'TCP 53,UDP 53' }, { range: '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', conn: 'TCP 53,UDP 53' }], 'any address (TCP 53,UDP 53)'],
    [[{ range: '0.0.0.0-255.255.255.255', conn: 'All Connections' }], 'any IPv4 address (All Connections)'],
    [[{ range: '0.0.0.0-255.255.255.255', conn: 'TCP 443' }, { range: '::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', conn: 'TCP 80' }], 'any IPv4 address (TCP 443), any IPv6 address (TCP 80)'],
    [[{ range: '8.8.8.8-8.8.8.8', conn: 'UDP 53' }], '8.8.8.8-8.8.8.8 (UDP 53)'],
  ])('%j', (ranges, text) => {
    expect(rangesText(ranges)).toBe(text);
  });
});
