/**
 * The permissions that matter for escalation, as checks (see permissions.ts), named once and shared
 * by the risk catalogue and the escalation graph. Sources: Kubernetes "RBAC Good Practices"
 * (privilege escalation risks) and the research notes in docs/rbac.md.
 */
import { core, inGroup, type PermissionCheck, type ResourceSpec } from './permissions.js';
import { RBAC_GROUP } from './model.js';

const WRITE = ['create', 'update', 'patch'];

/** Pod controllers of the served APIs (the `extensions` group no longer serves them, so grants there are inert). */
export const POD_CONTROLLERS: readonly ResourceSpec[] = [
  ...inGroup('apps', 'deployments', 'daemonsets', 'statefulsets', 'replicasets'),
  ...inGroup('batch', 'jobs', 'cronjobs'),
  core('replicationcontrollers'),
];

export const ADMISSION_CONFIGURATIONS: readonly ResourceSpec[] = inGroup(
  'admissionregistration.k8s.io',
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'mutatingadmissionpolicies',
  'mutatingadmissionpolicybindings',
  'validatingadmissionpolicies',
  'validatingadmissionpolicybindings',
);

/** Those that can change what gets admitted (inject a ServiceAccount, a privileged container) rather than only reject it. */
export const MUTATING_ADMISSION: readonly ResourceSpec[] = inGroup('admissionregistration.k8s.io', 'mutatingwebhookconfigurations', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings');

const ROLES = inGroup(RBAC_GROUP, 'roles', 'clusterroles');
const BINDINGS = inGroup(RBAC_GROUP, 'rolebindings', 'clusterrolebindings');

/** `*` verbs on `*` resources of `*` groups: everything a ClusterRoleBinding can give (cluster-admin). */
export const EVERYTHING: PermissionCheck = { verbs: ['*'], resources: [{ group: '*', resource: '*' }], namespaced: true };

/** list and watch return Secret contents; get needs the name. */
export const LIST_SECRETS: PermissionCheck = { verbs: ['list', 'watch'], resources: [core('secrets')], namespaced: true };
export const GET_SECRETS: PermissionCheck = { verbs: ['get'], resources: [core('secrets')], names: 'any', namespaced: true };
/** A `kubernetes.io/service-account-token` Secret is filled with a token for the account it names. */
export const CREATE_SECRETS: PermissionCheck = { verbs: ['create'], resources: [core('secrets')], namespaced: true };

export const CREATE_PODS: PermissionCheck = { verbs: ['create'], resources: [core('pods')], namespaced: true };
export const WRITE_POD_CONTROLLERS: PermissionCheck = { verbs: WRITE, resources: POD_CONTROLLERS, names: 'any', namespaced: true };
export const MODIFY_PODS: PermissionCheck = { verbs: ['update', 'patch'], resources: [core('pods')], names: 'any', namespaced: true };
export const EPHEMERAL_CONTAINERS: PermissionCheck = { verbs: ['update', 'patch'], resources: [core('pods/ephemeralcontainers')], names: 'any', namespaced: true };

const EXEC_RESOURCES = [core('pods/exec'), core('pods/attach')];
const EXEC_OR_FORWARD_RESOURCES = [...EXEC_RESOURCES, core('pods/portforward')];
// One object per variant: check results are memoized per check object (permissions.ts).
const EXEC_WITH_GET: PermissionCheck = { verbs: ['create', 'get'], resources: EXEC_RESOURCES, names: 'any', namespaced: true };
const EXEC_WITH_CREATE: PermissionCheck = { ...EXEC_WITH_GET, verbs: ['create'] };
const EXEC_OR_FORWARD_WITH_GET: PermissionCheck = { ...EXEC_WITH_GET, resources: EXEC_OR_FORWARD_RESOURCES };
const EXEC_OR_FORWARD_WITH_CREATE: PermissionCheck = { ...EXEC_WITH_CREATE, resources: EXEC_OR_FORWARD_RESOURCES };

/** Exec and attach need `create` over SPDY; before Kubernetes 1.35 (or with AuthorizePodWebsocketUpgradeCreatePermission off) `get` over WebSocket sufficed. */
export function execInPods(getSuffices: boolean): PermissionCheck {
  return getSuffices ? EXEC_WITH_GET : EXEC_WITH_CREATE;
}
export function execOrForwardInPods(getSuffices: boolean): PermissionCheck {
  return getSuffices ? EXEC_OR_FORWARD_WITH_GET : EXEC_OR_FORWARD_WITH_CREATE;
}

export const SERVICE_ACCOUNT_TOKEN: PermissionCheck = { verbs: ['create'], resources: [core('serviceaccounts/token')], names: 'any', namespaced: true };

/** `get` on nodes/proxy is not read-only: the kubelet's WebSocket exec is authorized with it. */
export const NODES_PROXY: PermissionCheck = { verbs: ['get', 'create'], resources: [core('nodes/proxy')], names: 'any', namespaced: false };

export const IMPERSONATE_USERS: PermissionCheck = { verbs: ['impersonate'], resources: [core('users')], names: 'any', namespaced: false };
export const IMPERSONATE_GROUPS: PermissionCheck = { verbs: ['impersonate'], resources: [core('groups')], names: 'any', namespaced: false };
export const IMPERSONATE_SYSTEM_MASTERS: PermissionCheck = { ...IMPERSONATE_GROUPS, names: ['system:masters'] };
export const IMPERSONATE_UIDS: PermissionCheck = { verbs: ['impersonate'], resources: [{ group: 'authentication.k8s.io', resource: 'uids' }], names: 'any', namespaced: false };
/** Impersonating a ServiceAccount is checked in its namespace, so a RoleBinding can grant it. */
export const IMPERSONATE_SERVICE_ACCOUNTS: PermissionCheck = { verbs: ['impersonate'], resources: [core('serviceaccounts')], names: 'any', namespaced: true };

export const ESCALATE_ROLES: PermissionCheck = { verbs: ['escalate'], resources: ROLES, names: 'any', namespaced: true };
export const ESCALATE_CLUSTER_ROLES: PermissionCheck = { verbs: ['escalate'], resources: inGroup(RBAC_GROUP, 'clusterroles'), namespaced: false };
export const UPDATE_ROLES: PermissionCheck = { verbs: ['update', 'patch'], resources: inGroup(RBAC_GROUP, 'roles'), names: 'any', namespaced: true };
export const UPDATE_CLUSTER_ROLES: PermissionCheck = { verbs: ['update', 'patch'], resources: inGroup(RBAC_GROUP, 'clusterroles'), namespaced: false };
/** `bind` is checked on the referenced role's name, in the new binding's namespace (cluster-wide for a ClusterRoleBinding). */
export const BIND_ROLES: PermissionCheck = { verbs: ['bind'], resources: ROLES, names: 'any', namespaced: true };
export const BIND_CLUSTER_ROLES: PermissionCheck = { verbs: ['bind'], resources: inGroup(RBAC_GROUP, 'clusterroles'), names: 'any', namespaced: false };
export const BIND_CLUSTER_ADMIN: PermissionCheck = { verbs: ['bind'], resources: inGroup(RBAC_GROUP, 'clusterroles'), names: ['cluster-admin'], namespaced: true };
export const WRITE_BINDINGS: PermissionCheck = { verbs: WRITE, resources: BINDINGS, names: 'any', namespaced: true };
export const CREATE_CLUSTER_ROLE_BINDINGS: PermissionCheck = { verbs: ['create'], resources: inGroup(RBAC_GROUP, 'clusterrolebindings'), namespaced: false };
export const CREATE_ROLE_BINDINGS: PermissionCheck = { verbs: ['create'], resources: inGroup(RBAC_GROUP, 'rolebindings'), namespaced: true };
export const RBAC_WRITES: PermissionCheck = { verbs: [...WRITE, 'delete'], resources: [...ROLES, ...BINDINGS], names: 'any', namespaced: true };
export const WRITE_CLUSTER_ROLES: PermissionCheck = { verbs: WRITE, resources: inGroup(RBAC_GROUP, 'clusterroles'), names: 'any', namespaced: false };

const CSR_GROUP = 'certificates.k8s.io';
export const CREATE_CSR: PermissionCheck = { verbs: ['create'], resources: inGroup(CSR_GROUP, 'certificatesigningrequests'), namespaced: false };
export const APPROVE_CSR: PermissionCheck = { verbs: ['update', 'patch'], resources: inGroup(CSR_GROUP, 'certificatesigningrequests/approval'), names: 'any', namespaced: false };
/** The approver also needs `approve` on the signer (`kubernetes.io/*` covers every kubernetes.io signer). */
export const APPROVE_CLIENT_SIGNER: PermissionCheck = {
  verbs: ['approve'],
  resources: inGroup(CSR_GROUP, 'signers'),
  names: ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/*'],
  namespaced: false,
};

export const WRITE_ADMISSION: PermissionCheck = { verbs: WRITE, resources: ADMISSION_CONFIGURATIONS, names: 'any', namespaced: false };
export const WRITE_MUTATING_ADMISSION: PermissionCheck = { verbs: WRITE, resources: MUTATING_ADMISSION, names: 'any', namespaced: false };
export const CREATE_PERSISTENT_VOLUMES: PermissionCheck = { verbs: ['create'], resources: [core('persistentvolumes')], namespaced: false };
/** A namespace object is in its own namespace: a RoleBinding there can grant patching it (its Pod Security labels). */
export const PATCH_NAMESPACES: PermissionCheck = { verbs: ['patch', 'update'], resources: [core('namespaces')], names: 'any', namespaced: true };
