import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.js';
import { describePath, escalationGraph, type EscalationGoal } from '../../src/rbac/escalation.js';
import type { SubjectRef } from '../../src/rbac/subject.js';
import { clusterRole, clusterRoleBinding, engineOf, role, roleBinding } from './helpers.js';

const ADMIN = clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
const SECRET_READER = clusterRole('secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }]);
const sa = (namespace: string, name: string): SubjectRef => ({ kind: 'ServiceAccount', namespace, name });
const user = (name: string): SubjectRef => ({ kind: 'User', name });
const account = (namespace: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace, name } });
const pod = (namespace: string, name: string, serviceAccountName: string, automount?: boolean): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace, name },
  spec: { serviceAccountName, ...(automount === undefined ? {} : { automountServiceAccountToken: automount }), containers: [{ name: 'c', image: 'i' }] },
});
const namespace = (name: string, enforce?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: enforce ? { 'pod-security.kubernetes.io/enforce': enforce } : {} } });
const grant = (name: string, rules: unknown[]) => clusterRole(name, rules);

function pathOf(objects: KubeObject[], subject: SubjectRef, goal: EscalationGoal, execWithGet = true) {
  const path = escalationGraph(engineOf(objects), { execWithGet }).pathFor(subject, goal);
  return path && path.steps.map((step) => step.primitive).filter((primitive) => primitive !== 'becomes');
}

describe('escalation paths: shortest path to cluster-admin and to all Secrets', () => {
  const cases: [name: string, objects: KubeObject[], subject: SubjectRef, goal: EscalationGoal, primitives: string[] | undefined][] = [
    ['the trojan chart: list secrets cluster-wide reads them all', [SECRET_READER, clusterRoleBinding('secret-reader', 'ServiceAccount:tracing:fta')], sa('tracing', 'fta'), 'all-secrets', ['list-secrets']],
    ['… and is not cluster-admin', [SECRET_READER, clusterRoleBinding('secret-reader', 'ServiceAccount:tracing:fta')], sa('tracing', 'fta'), 'cluster-admin', undefined],
    [
      'create pods in kube-system → run as a powerful account there',
      [ADMIN, grant('creator', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]), roleBinding('kube-system', 'creator', 'ClusterRole', 'User:dev'), clusterRoleBinding('cluster-admin', 'ServiceAccount:kube-system:deployer')],
      user('dev'),
      'cluster-admin',
      ['create-pods', 'everything'],
    ],
    [
      'pod controllers count like pods',
      [ADMIN, grant('deployer', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] }]), roleBinding('ops', 'deployer', 'ClusterRole', 'User:dev'), clusterRoleBinding('cluster-admin', 'ServiceAccount:ops:admin')],
      user('dev'),
      'cluster-admin',
      ['pod-controllers', 'everything'],
    ],
    ['cluster-admin reads all Secrets (it lists them itself)', [ADMIN, clusterRoleBinding('cluster-admin', 'User:root')], user('root'), 'all-secrets', ['list-secrets']],
    ['impersonating system:masters', [grant('imp', [{ apiGroups: [''], resources: ['groups'], verbs: ['impersonate'], resourceNames: ['system:masters'] }]), clusterRoleBinding('imp', 'User:u')], user('u'), 'cluster-admin', ['impersonate']],
    ['impersonating other groups only', [grant('imp', [{ apiGroups: [''], resources: ['groups'], verbs: ['impersonate'], resourceNames: ['devs'] }]), clusterRoleBinding('imp', 'User:u')], user('u'), 'cluster-admin', undefined],
    [
      'impersonating any user reaches a user who reads secrets',
      [SECRET_READER, grant('imp', [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }]), clusterRoleBinding('imp', 'User:u'), clusterRoleBinding('secret-reader', 'User:auditor')],
      user('u'),
      'all-secrets',
      ['impersonate', 'list-secrets'],
    ],
    ['binding cluster-admin with a new ClusterRoleBinding', [grant('b', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'] }, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], verbs: ['create'] }]), clusterRoleBinding('b', 'User:u')], user('u'), 'cluster-admin', ['bind']],
    ['bind limited to view', [grant('b', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['view'] }, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], verbs: ['create'] }]), clusterRoleBinding('b', 'User:u')], user('u'), 'cluster-admin', undefined],
    ['escalate and update ClusterRoles', [grant('e', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate', 'update'] }]), clusterRoleBinding('e', 'User:u')], user('u'), 'cluster-admin', ['escalate']],
    [
      'escalate and update the Role it is bound to in a namespace → create pods there → a powerful account',
      [
        ADMIN,
        role('team', 'dev', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]),
        roleBinding('team', 'dev', 'Role', 'User:u'),
        grant('role-escalator', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate', 'update'] }]),
        roleBinding('team', 'role-escalator', 'ClusterRole', 'User:u'),
        clusterRoleBinding('cluster-admin', 'ServiceAccount:team:deployer'),
      ],
      user('u'),
      'cluster-admin',
      ['escalate', 'everything'],
    ],
    [
      'escalate and update Roles of a namespace where it is bound to no Role',
      [
        ADMIN,
        grant('role-escalator', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate', 'update'] }]),
        roleBinding('team', 'role-escalator', 'ClusterRole', 'User:u'),
        clusterRoleBinding('cluster-admin', 'ServiceAccount:team:deployer'),
      ],
      user('u'),
      'cluster-admin',
      undefined,
    ],
    [
      'escalate and update limited to another Role than its own',
      [
        ADMIN,
        role('team', 'dev', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]),
        roleBinding('team', 'dev', 'Role', 'User:u'),
        grant('role-escalator', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['escalate', 'update'], resourceNames: ['other'] }]),
        roleBinding('team', 'role-escalator', 'ClusterRole', 'User:u'),
        clusterRoleBinding('cluster-admin', 'ServiceAccount:team:deployer'),
      ],
      user('u'),
      'cluster-admin',
      undefined,
    ],
    [
      'bind limited to a role that creates pods, in a namespace with a powerful account',
      [
        ADMIN,
        grant('pod-maker', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]),
        grant('binder', [
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['pod-maker'] },
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] },
        ]),
        roleBinding('team', 'binder', 'ClusterRole', 'User:u'),
        clusterRoleBinding('cluster-admin', 'ServiceAccount:team:deployer'),
      ],
      user('u'),
      'cluster-admin',
      ['bind', 'create-pods', 'everything'],
    ],
    [
      'bind limited to a ClusterRole that lists secrets, with create clusterrolebindings',
      [
        SECRET_READER,
        grant('binder', [
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['secret-reader'] },
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], verbs: ['create'] },
        ]),
        clusterRoleBinding('binder', 'User:u'),
      ],
      user('u'),
      'all-secrets',
      ['bind', 'list-secrets'],
    ],
    [
      'bind limited to a role that does not exist',
      [
        SECRET_READER,
        grant('binder', [
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['ghost'] },
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings'], verbs: ['create'] },
        ]),
        clusterRoleBinding('binder', 'User:u'),
      ],
      user('u'),
      'all-secrets',
      undefined,
    ],
    ['escalate without update', [grant('e', [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate'] }]), clusterRoleBinding('e', 'User:u')], user('u'), 'cluster-admin', undefined],
    [
      'creating and approving a client certificate',
      [
        grant('csr', [
          { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: ['create'] },
          { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update'] },
          { apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['approve'], resourceNames: ['kubernetes.io/*'] },
        ]),
        clusterRoleBinding('csr', 'User:u'),
      ],
      user('u'),
      'cluster-admin',
      ['csr'],
    ],
    [
      'nodes/proxy reaches the tokens of the pods it picks',
      [SECRET_READER, grant('np', [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }]), clusterRoleBinding('np', 'User:u'), clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent'), pod('mon', 'agent-1', 'agent')],
      user('u'),
      'all-secrets',
      ['nodes-proxy', 'list-secrets'],
    ],
    [
      '… not when the pod does not mount the token',
      [SECRET_READER, grant('np', [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }]), clusterRoleBinding('np', 'User:u'), clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent'), pod('mon', 'agent-1', 'agent', false)],
      user('u'),
      'all-secrets',
      undefined,
    ],
    [
      'exec into a pod whose account reads secrets',
      [SECRET_READER, grant('ex', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }]), roleBinding('mon', 'ex', 'ClusterRole', 'User:u'), clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent'), pod('mon', 'agent-1', 'agent')],
      user('u'),
      'all-secrets',
      ['exec', 'list-secrets'],
    ],
    [
      'serviceaccounts/token limited to one name reaches that account only',
      [SECRET_READER, grant('tok', [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: ['agent'] }]), roleBinding('mon', 'tok', 'ClusterRole', 'User:u'), clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent')],
      user('u'),
      'all-secrets',
      ['token-request', 'list-secrets'],
    ],
    [
      '… and not another',
      [SECRET_READER, grant('tok', [{ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'], resourceNames: ['other'] }]), roleBinding('mon', 'tok', 'ClusterRole', 'User:u'), clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent')],
      user('u'),
      'all-secrets',
      undefined,
    ],
    [
      'a privileged pod in a namespace without Pod Security enforcement: root on a node',
      [SECRET_READER, namespace('open'), namespace('mon'), grant('creator', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]), roleBinding('open', 'creator', 'ClusterRole', 'User:u'), clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent'), pod('mon', 'agent-1', 'agent')],
      user('u'),
      'all-secrets',
      ['create-pods', 'list-secrets'],
    ],
    [
      '… not where Pod Security enforces baseline',
      [SECRET_READER, namespace('locked', 'baseline'), namespace('mon'), grant('creator', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]), roleBinding('locked', 'creator', 'ClusterRole', 'User:u'), clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent'), pod('mon', 'agent-1', 'agent')],
      user('u'),
      'all-secrets',
      undefined,
    ],
    [
      '… unless the subject may relabel that namespace',
      [SECRET_READER, namespace('locked', 'restricted'), namespace('mon'), grant('creator', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }, { apiGroups: [''], resources: ['namespaces'], verbs: ['patch'] }]), roleBinding('locked', 'creator', 'ClusterRole', 'User:u'), clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent'), pod('mon', 'agent-1', 'agent')],
      user('u'),
      'all-secrets',
      ['patch-namespaces', 'list-secrets'],
    ],
    [
      'listing secrets of a namespace yields its legacy token Secrets',
      [
        SECRET_READER,
        grant('ns-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }]),
        roleBinding('mon', 'ns-reader', 'ClusterRole', 'User:u'),
        clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent'),
        { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { namespace: 'mon', name: 'agent-token-x1', annotations: { 'kubernetes.io/service-account.name': 'agent' } } },
      ],
      user('u'),
      'all-secrets',
      ['token-secrets', 'list-secrets'],
    ],
    [
      'a group whose members create pods where an admin account lives',
      [ADMIN, grant('creator', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]), roleBinding('ops', 'creator', 'ClusterRole', 'Group:devs'), clusterRoleBinding('cluster-admin', 'ServiceAccount:ops:admin'), account('ops', 'admin')],
      { kind: 'Group', name: 'devs' },
      'cluster-admin',
      ['create-pods', 'everything'],
    ],
    [
      'impersonation cycles end: two accounts that impersonate each other reach nothing',
      [
        grant('imp', [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }]),
        roleBinding('a', 'imp', 'ClusterRole', 'ServiceAccount:a:one'),
        roleBinding('a', 'imp', 'ClusterRole', 'ServiceAccount:a:two'),
      ],
      sa('a', 'one'),
      'cluster-admin',
      undefined,
    ],
  ];
  it.each(cases)('%s', (_name, objects, subject, goal, primitives) => {
    expect(pathOf(objects, subject, goal)).toEqual(primitives);
  });

  it('system:masters is cluster-admin by membership', () => {
    expect(pathOf([], { kind: 'Group', name: 'system:masters' }, 'cluster-admin')).toBeUndefined(); // not a known subject without a binding
    expect(pathOf([clusterRoleBinding('nothing', 'Group:system:masters')], { kind: 'Group', name: 'system:masters' }, 'cluster-admin')).toEqual(['system-masters']);
  });

  it('describes a path for humans, hub steps folded', () => {
    const objects = [ADMIN, grant('creator', [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]), clusterRoleBinding('creator', 'User:dev'), clusterRoleBinding('cluster-admin', 'ServiceAccount:kube-system:deployer')];
    const path = escalationGraph(engineOf(objects)).pathFor(user('dev'), 'cluster-admin');
    expect(path && describePath(path)).toBe('creates pods in every namespace (runs as any ServiceAccount there) → as ServiceAccount kube-system/deployer → holds * on everything in every namespace');
  });

  it('exec with get is not a path once create is required (Kubernetes 1.35+)', () => {
    const objects = [SECRET_READER, grant('ex', [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }]), roleBinding('mon', 'ex', 'ClusterRole', 'User:u'), clusterRoleBinding('secret-reader', 'ServiceAccount:mon:agent'), pod('mon', 'agent-1', 'agent')];
    expect(pathOf(objects, user('u'), 'all-secrets', false)).toBeUndefined();
  });
});
