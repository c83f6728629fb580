import { describe, expect, it } from 'vitest';
import { evaluateRisks, riskCatalogue, type RiskOptions } from '../../src/rbac/risks.js';
import { clusterRole, clusterRoleBinding, engineOf, roleBinding } from './helpers.js';

type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[]; nonResourceURLs?: string[] };
type Scope = 'cluster' | 'namespace';

/** The risks the subject `ServiceAccount shop/subject` gets from one role bound cluster-wide or in namespace shop. */
function risksOf(rules: Rule[], scope: Scope, options: RiskOptions = {}) {
  const binding = scope === 'cluster' ? clusterRoleBinding('r', 'ServiceAccount:shop:subject') : roleBinding('shop', 'r', 'ClusterRole', 'ServiceAccount:shop:subject');
  return evaluateRisks(engineOf([clusterRole('r', rules), binding]), options).filter((hit) => hit.subject.name === 'subject');
}

const ids = (rules: Rule[], scope: Scope, options: RiskOptions = {}) => risksOf(rules, scope, options).map((hit) => hit.risk.id);
const core = (verbs: string[], resources: string[], extra: Partial<Rule> = {}): Rule => ({ apiGroups: [''], resources, verbs, ...extra });
const group = (apiGroup: string, verbs: string[], resources: string[], extra: Partial<Rule> = {}): Rule => ({ apiGroups: [apiGroup], resources, verbs, ...extra });
const RBAC = 'rbac.authorization.k8s.io';
const CSR = 'certificates.k8s.io';

/** Each risk with a grant that has it and a near miss that does not. */
const EXAMPLES: { id: string; positive: [Rule[], Scope]; negative: [Rule[], Scope]; why: string }[] = [
  { id: 'rbac-cluster-admin', positive: [[group('*', ['*'], ['*'])], 'cluster'], negative: [[core(['*'], ['*'])], 'cluster'], why: 'every resource of the core group only' },
  { id: 'rbac-wildcard', positive: [[core(['*'], ['pods'])], 'namespace'], negative: [[core(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], ['pods'])], 'namespace'], why: 'verbs listed one by one' },
  { id: 'rbac-read-secrets', positive: [[core(['watch'], ['secrets'])], 'cluster'], negative: [[core(['list'], ['configmaps'])], 'cluster'], why: 'configmaps are not secrets' },
  { id: 'rbac-get-secrets', positive: [[core(['get'], ['secrets'])], 'namespace'], negative: [[core(['get', 'list'], ['secrets'])], 'namespace'], why: 'list is reported as rbac-read-secrets instead' },
  { id: 'rbac-escalate', positive: [[group(RBAC, ['escalate'], ['clusterroles'])], 'cluster'], negative: [[core(['escalate'], ['clusterroles'])], 'cluster'], why: 'the core group has no clusterroles' },
  {
    id: 'rbac-bind',
    positive: [[group(RBAC, ['bind'], ['clusterroles'], { resourceNames: ['admin'] }), group(RBAC, ['create'], ['rolebindings'])], 'namespace'],
    negative: [[group(RBAC, ['bind'], ['clusterroles'])], 'namespace'],
    why: 'bind without the right to write a binding',
  },
  { id: 'rbac-impersonate', positive: [[core(['impersonate'], ['groups'])], 'cluster'], negative: [[core(['impersonate'], ['users', 'groups'])], 'namespace'], why: 'users and groups are impersonated without a namespace: a RoleBinding cannot grant it' },
  { id: 'rbac-create-pods', positive: [[core(['create'], ['pods'])], 'namespace'], negative: [[core(['get', 'list', 'delete'], ['pods'])], 'namespace'], why: 'no create' },
  { id: 'rbac-pod-controllers', positive: [[group('apps', ['patch'], ['deployments'])], 'namespace'], negative: [[group('extensions', ['patch'], ['deployments'])], 'namespace'], why: 'extensions no longer serves deployments' },
  { id: 'rbac-modify-pods', positive: [[core(['update'], ['pods'])], 'namespace'], negative: [[core(['update', 'patch'], ['pods/status'])], 'namespace'], why: 'the status subresource cannot change the image' },
  { id: 'rbac-pod-exec', positive: [[core(['get'], ['pods/exec'])], 'namespace'], negative: [[core(['create'], ['pods/*'])], 'namespace'], why: 'pods/* is not an RBAC wildcard' },
  { id: 'rbac-ephemeral-containers', positive: [[core(['patch'], ['pods/ephemeralcontainers'])], 'namespace'], negative: [[core(['get'], ['pods/ephemeralcontainers'])], 'namespace'], why: 'reading them adds none' },
  { id: 'rbac-token-request', positive: [[core(['create'], ['serviceaccounts/token'], { resourceNames: ['builder'] })], 'namespace'], negative: [[core(['create'], ['serviceaccounts'])], 'namespace'], why: 'creating accounts mints no token' },
  { id: 'rbac-create-secrets', positive: [[core(['create'], ['secrets'])], 'namespace'], negative: [[core(['create'], ['configmaps'])], 'namespace'], why: 'configmaps hold no token' },
  { id: 'rbac-nodes-proxy', positive: [[core(['get'], ['nodes/proxy'])], 'cluster'], negative: [[core(['get'], ['nodes/proxy'])], 'namespace'], why: 'nodes are cluster-scoped: a RoleBinding cannot grant them' },
  {
    id: 'rbac-approve-csr',
    positive: [[group(CSR, ['create'], ['certificatesigningrequests']), group(CSR, ['update'], ['certificatesigningrequests/approval']), group(CSR, ['approve'], ['signers'], { resourceNames: ['kubernetes.io/kube-apiserver-client'] })], 'cluster'],
    negative: [[group(CSR, ['create'], ['certificatesigningrequests']), group(CSR, ['update'], ['certificatesigningrequests/approval']), group(CSR, ['approve'], ['signers'], { resourceNames: ['kubernetes.io/kubelet-serving'] })], 'cluster'],
    why: 'approving only kubelet serving certificates',
  },
  { id: 'rbac-admission-control', positive: [[group('admissionregistration.k8s.io', ['create'], ['validatingadmissionpolicies'])], 'cluster'], negative: [[group('admissionregistration.k8s.io', ['get', 'list', 'watch'], ['mutatingwebhookconfigurations'])], 'cluster'], why: 'reading only' },
  { id: 'rbac-create-persistent-volumes', positive: [[core(['create'], ['persistentvolumes'])], 'cluster'], negative: [[core(['create'], ['persistentvolumeclaims'])], 'namespace'], why: 'claims, not volumes' },
  { id: 'rbac-patch-namespaces', positive: [[core(['patch'], ['namespaces'])], 'namespace'], negative: [[core(['get', 'list'], ['namespaces'])], 'namespace'], why: 'reading only' },
  { id: 'rbac-write-rbac', positive: [[group(RBAC, ['create'], ['roles'])], 'namespace'], negative: [[group(RBAC, ['get', 'list', 'watch'], ['roles', 'rolebindings'])], 'namespace'], why: 'reading only' },
];

describe('risky permissions: a positive and a negative example each', () => {
  it('every risk of the catalogue has examples', () => {
    expect(EXAMPLES.map((example) => example.id).sort()).toEqual(riskCatalogue().map((risk) => risk.id).sort());
  });
  for (const example of EXAMPLES) {
    it(`${example.id}: flagged`, () => {
      expect(ids(...example.positive)).toContain(example.id);
    });
    it(`${example.id}: not flagged (${example.why})`, () => {
      expect(ids(...example.negative)).not.toContain(example.id);
    });
  }
});

describe('risk scope and severity', () => {
  it('cluster-wide grants are reported once, with cluster severity', () => {
    const [hit] = risksOf([core(['list'], ['secrets'])], 'cluster');
    expect(hit).toMatchObject({ clusterWide: true, namespaces: [], severity: 'critical' });
  });

  it('namespace grants list their namespaces, with namespace severity', () => {
    const engine = engineOf([clusterRole('r', [core(['list'], ['secrets'])]), roleBinding('a', 'r', 'ClusterRole', 'User:u'), roleBinding('b', 'r', 'ClusterRole', 'User:u')]);
    const [hit] = evaluateRisks(engine);
    expect(hit).toMatchObject({ clusterWide: false, namespaces: ['a', 'b'], severity: 'high' });
  });

  it('a grant in kube-system counts as cluster-wide', () => {
    const engine = engineOf([clusterRole('r', [core(['list'], ['secrets'])]), roleBinding('kube-system', 'r', 'ClusterRole', 'User:u')]);
    expect(evaluateRisks(engine)[0].severity).toBe('critical');
  });

  it('reading Secrets by name only is low', () => {
    expect(risksOf([core(['get'], ['secrets'], { resourceNames: ['tls'] })], 'namespace').map((hit) => [hit.risk.id, hit.severity])).toEqual([['rbac-get-secrets', 'low']]);
  });

  it('a conjunction must hold in one scope: bind in one namespace and create bindings in another is nothing', () => {
    const engine = engineOf([
      clusterRole('binder', [group(RBAC, ['bind'], ['clusterroles'])]),
      clusterRole('writer', [group(RBAC, ['create'], ['rolebindings'])]),
      roleBinding('a', 'binder', 'ClusterRole', 'User:u'),
      roleBinding('b', 'writer', 'ClusterRole', 'User:u'),
    ]);
    expect(evaluateRisks(engine).map((hit) => hit.risk.id)).toEqual(['rbac-write-rbac']);
  });

  it('cluster-admin is reported alone: it implies the rest', () => {
    expect(ids([group('*', ['*'], ['*'])], 'cluster')).toEqual(['rbac-cluster-admin']);
  });

  it('exec with get only counts while get suffices (before Kubernetes 1.35)', () => {
    expect(ids([core(['get'], ['pods/exec'])], 'namespace', { execWithGet: false })).not.toContain('rbac-pod-exec');
    expect(ids([core(['create'], ['pods/exec'])], 'namespace', { execWithGet: false })).toContain('rbac-pod-exec');
  });

  it('a risk that starts the subject\'s path to cluster-admin is critical', () => {
    // create pods in shop is high alone; shop holds an account bound to cluster-admin.
    const engine = engineOf([
      clusterRole('creator', [core(['create'], ['pods'])]),
      clusterRole('cluster-admin', [group('*', ['*'], ['*'])]),
      roleBinding('shop', 'creator', 'ClusterRole', 'User:dev'),
      clusterRoleBinding('cluster-admin', 'ServiceAccount:shop:deployer'),
    ]);
    const hit = evaluateRisks(engine).find((candidate) => candidate.subject.name === 'dev');
    expect(hit?.risk.id).toBe('rbac-create-pods');
    expect(hit?.severity).toBe('critical');
    expect(hit?.path?.steps.map((step) => step.primitive)).toEqual(['create-pods', 'becomes', 'everything']);
  });

  it('a User named after a ServiceAccount is that account: its grants are reported once', () => {
    const engine = engineOf([clusterRole('r', [core(['list'], ['secrets'])]), clusterRoleBinding('r', 'ServiceAccount:ci:bot'), roleBinding('x', 'r', 'ClusterRole', 'User:system:serviceaccount:ci:bot')]);
    const hits = evaluateRisks(engine);
    expect(hits.map((hit) => [hit.subject.kind, hit.clusterWide, hit.matches.length])).toEqual([['ServiceAccount', true, 1]]);
  });

  it("Kubernetes' own bootstrap bindings are left out unless asked for", () => {
    const bootstrap = { ...clusterRoleBinding('r', 'User:kcm'), metadata: { name: 'b', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } } };
    const engine = engineOf([clusterRole('r', [core(['list'], ['secrets'])]), bootstrap]);
    expect(evaluateRisks(engine)).toEqual([]);
    expect(evaluateRisks(engine, { includeDefaults: true }).map((hit) => hit.subject.name)).toEqual(['kcm']);
  });
});
