/**
 * The Kubernetes built-in (bootstrap) roles as data: every ClusterRole kube-apiserver creates on
 * start-up (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`, as of the 2026 master
 * fixtures), and the one kube-system Role charts bind to. A chart or a folder of manifests binds
 * to `view`, `system:auth-delegator` or `extension-apiserver-authentication-reader` without
 * carrying them; the engine assumes these definitions then (see `builtinRolesMode`).
 *
 * Notation, as upstream's test helper `newRule(verbs, apiGroups, resources)`: comma-separated
 * lists, where an empty item is the core group (`',events.k8s.io'` is `["", "events.k8s.io"]`);
 * a fourth item is resourceNames. Non-resource rules are `{verbs, urls}`.
 * `aggregateTo` sets the `rbac.authorization.k8s.io/aggregate-to-<role>: "true"` labels;
 * `aggregates` is the aggregationRule (one selector per role name, ORed); such roles carry no rules
 * of their own: the aggregation computes them, as on a cluster.
 * `test/rbac/builtin-roles.test.ts` checks every role against the upstream fixtures.
 */
import { RBAC_GROUP, type PolicyRule, type RoleDef } from './model.js';

type ResourceRuleData = [verbs: string, apiGroups: string, resources: string, resourceNames?: string];
type NonResourceRuleData = { verbs: string; urls: string };

interface BuiltinRoleData {
  name: string;
  /** A Role (namespaced) rather than a ClusterRole. */
  namespace?: string;
  aggregateTo?: ('admin' | 'edit' | 'view')[];
  aggregates?: ('admin' | 'edit' | 'view')[];
  rules: (ResourceRuleData | NonResourceRuleData)[];
}

export const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
export const BOOTSTRAP_LABEL_VALUE = 'rbac-defaults';
export const AGGREGATE_TO_LABEL_PREFIX = `${RBAC_GROUP}/aggregate-to-`;

const BUILTIN_ROLES: BuiltinRoleData[] = [
  {
    name: 'admin',
    aggregates: ['admin'],
    rules: [],
  },
  {
    name: 'cluster-admin',
    rules: [
      ['*', '*', '*'],
      { verbs: '*', urls: '*' },
    ],
  },
  {
    name: 'edit',
    aggregateTo: ['admin'],
    aggregates: ['edit'],
    rules: [],
  },
  {
    name: 'system:aggregate-to-admin',
    aggregateTo: ['admin'],
    rules: [
      ['create', 'authorization.k8s.io', 'localsubjectaccessreviews'],
      ['create,delete,deletecollection,get,list,patch,update,watch', 'rbac.authorization.k8s.io', 'rolebindings,roles'],
    ],
  },
  {
    name: 'system:aggregate-to-edit',
    aggregateTo: ['edit'],
    rules: [
      ['get,list,watch', '', 'pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,services/proxy'],
      ['impersonate', '', 'serviceaccounts'],
      ['create,delete,deletecollection,patch,update', '', 'pods,pods/attach,pods/exec,pods/portforward,pods/proxy'],
      ['create', '', 'pods/eviction'],
      ['create,delete,deletecollection,patch,update', '', 'configmaps,persistentvolumeclaims,replicationcontrollers,replicationcontrollers/scale,secrets,serviceaccounts,services,services/proxy'],
      ['create', '', 'serviceaccounts/token'],
      ['create,delete,deletecollection,patch,update', ',events.k8s.io', 'events'],
      ['create,delete,deletecollection,patch,update', 'apps', 'daemonsets,deployments,deployments/rollback,deployments/scale,replicasets,replicasets/scale,statefulsets,statefulsets/scale'],
      ['create,delete,deletecollection,patch,update', 'autoscaling', 'horizontalpodautoscalers'],
      ['create,delete,deletecollection,patch,update', 'batch', 'cronjobs,jobs'],
      ['create,delete,deletecollection,patch,update', 'extensions', 'daemonsets,deployments,deployments/rollback,deployments/scale,ingresses,networkpolicies,replicasets,replicasets/scale,replicationcontrollers/scale'],
      ['create,delete,deletecollection,patch,update', 'policy', 'poddisruptionbudgets'],
      ['create,delete,deletecollection,patch,update', 'networking.k8s.io', 'ingresses,networkpolicies'],
      ['create,delete,deletecollection,get,list,patch,update,watch', 'coordination.k8s.io', 'leases'],
      ['create,delete,deletecollection,patch,update', 'resource.k8s.io', 'resourceclaims,resourceclaimtemplates'],
    ],
  },
  {
    name: 'system:aggregate-to-view',
    aggregateTo: ['view'],
    rules: [
      ['get,list,watch', '', 'configmaps,endpoints,persistentvolumeclaims,persistentvolumeclaims/status,pods,replicationcontrollers,replicationcontrollers/scale,serviceaccounts,services,services/status'],
      ['get,list,watch', '', 'bindings,limitranges,namespaces/status,pods/log,pods/status,replicationcontrollers/status,resourcequotas,resourcequotas/status'],
      ['get,list,watch', '', 'namespaces'],
      ['get,list,watch', ',events.k8s.io', 'events'],
      ['get,list,watch', 'discovery.k8s.io', 'endpointslices'],
      ['get,list,watch', 'apps', 'controllerrevisions,daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,replicasets,replicasets/scale,replicasets/status,statefulsets,statefulsets/scale,statefulsets/status'],
      ['get,list,watch', 'autoscaling', 'horizontalpodautoscalers,horizontalpodautoscalers/status'],
      ['get,list,watch', 'batch', 'cronjobs,cronjobs/status,jobs,jobs/status'],
      ['get,list,watch', 'extensions', 'daemonsets,daemonsets/status,deployments,deployments/scale,deployments/status,ingresses,ingresses/status,networkpolicies,replicasets,replicasets/scale,replicasets/status,replicationcontrollers/scale'],
      ['get,list,watch', 'policy', 'poddisruptionbudgets,poddisruptionbudgets/status'],
      ['get,list,watch', 'networking.k8s.io', 'ingresses,ingresses/status,networkpolicies'],
      ['get,list,watch', 'resource.k8s.io', 'resourceclaims,resourceclaims/status,resourceclaimtemplates'],
    ],
  },
  {
    name: 'system:auth-delegator',
    rules: [
      ['create', 'authentication.k8s.io', 'tokenreviews'],
      ['create', 'authorization.k8s.io', 'subjectaccessreviews'],
    ],
  },
  {
    name: 'system:basic-user',
    rules: [
      ['create', 'authorization.k8s.io', 'selfsubjectaccessreviews,selfsubjectrulesreviews'],
      ['create', 'authentication.k8s.io', 'selfsubjectreviews'],
    ],
  },
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    rules: [
      ['create', 'certificates.k8s.io', 'certificatesigningrequests/nodeclient'],
    ],
  },
  {
    name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
    rules: [
      ['create', 'certificates.k8s.io', 'certificatesigningrequests/selfnodeclient'],
    ],
  },
  {
    name: 'system:certificates.k8s.io:kube-apiserver-client-approver',
    rules: [
      ['approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client'],
    ],
  },
  {
    name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver',
    rules: [
      ['approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client-kubelet'],
    ],
  },
  {
    name: 'system:certificates.k8s.io:kubelet-serving-approver',
    rules: [
      ['approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kubelet-serving'],
    ],
  },
  {
    name: 'system:certificates.k8s.io:legacy-unknown-approver',
    rules: [
      ['approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/legacy-unknown'],
    ],
  },
  {
    name: 'system:discovery',
    rules: [
      { verbs: 'get', urls: '/api,/api/*,/apis,/apis/*,/healthz,/livez,/openapi,/openapi/*,/readyz,/version,/version/' },
    ],
  },
  {
    name: 'system:heapster',
    rules: [
      ['get,list,watch', '', 'events,namespaces,nodes,pods'],
      ['get,list,watch', 'extensions', 'deployments'],
    ],
  },
  {
    name: 'system:kube-aggregator',
    rules: [
      ['get,list,watch', '', 'endpoints,services'],
    ],
  },
  {
    name: 'system:kube-controller-manager',
    rules: [
      ['create,patch,update', ',events.k8s.io', 'events'],
      ['create', 'coordination.k8s.io', 'leases'],
      ['get,update', 'coordination.k8s.io', 'leases', 'kube-controller-manager'],
      ['create', '', 'secrets,serviceaccounts'],
      ['delete', '', 'secrets'],
      ['get', '', 'configmaps,namespaces,secrets,serviceaccounts'],
      ['update', '', 'secrets,serviceaccounts'],
      ['create', 'authentication.k8s.io', 'tokenreviews'],
      ['create', 'authorization.k8s.io', 'subjectaccessreviews'],
      ['list,watch', '*', '*'],
      ['create', '', 'serviceaccounts/token'],
    ],
  },
  {
    name: 'system:kube-dns',
    rules: [
      ['list,watch', '', 'endpoints,services'],
    ],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      ['create,patch,update', ',events.k8s.io', 'events'],
      ['create', 'coordination.k8s.io', 'leases'],
      ['get,list,update,watch', 'coordination.k8s.io', 'leases', 'kube-scheduler'],
      ['create,delete,deletecollection,get,list,patch,update,watch', 'coordination.k8s.io', 'leasecandidates'],
      ['get,list,watch', '', 'nodes'],
      ['delete,get,list,watch', '', 'pods'],
      ['create', '', 'bindings,pods/binding'],
      ['patch,update', '', 'pods/status'],
      ['get,list,watch', '', 'replicationcontrollers,services'],
      ['get,list,watch', 'apps,extensions', 'replicasets'],
      ['get,list,watch', 'apps', 'statefulsets'],
      ['get,list,watch', 'policy', 'poddisruptionbudgets'],
      ['get,list,watch', '', 'persistentvolumeclaims,persistentvolumes'],
      ['create', 'authentication.k8s.io', 'tokenreviews'],
      ['create', 'authorization.k8s.io', 'subjectaccessreviews'],
      ['get,list,watch', 'storage.k8s.io', 'csinodes'],
      ['get,list,watch', 'storage.k8s.io', 'volumeattachments'],
      ['get,list,watch', '', 'namespaces'],
      ['get,list,watch', 'storage.k8s.io', 'csidrivers'],
      ['get,list,watch', 'storage.k8s.io', 'csistoragecapacities'],
      ['get,list,watch', 'resource.k8s.io', 'deviceclasses'],
      ['get,list,patch,update,watch', 'resource.k8s.io', 'resourceclaims'],
      ['get,list,patch,update,watch', 'resource.k8s.io', 'resourceclaims/status'],
      ['update', '', 'pods/finalizers'],
      ['get,list,watch', 'resource.k8s.io', 'resourceslices'],
      ['create,delete', 'resource.k8s.io', 'resourceclaims'],
    ],
  },
  {
    name: 'system:kubelet-api-admin',
    rules: [
      ['get,list,watch', '', 'nodes'],
      ['proxy', '', 'nodes'],
      ['*', '', 'nodes/log,nodes/metrics,nodes/proxy,nodes/stats'],
      ['*', '', 'nodes/configz,nodes/healthz,nodes/pods'],
    ],
  },
  {
    name: 'system:monitoring',
    rules: [
      { verbs: 'get', urls: '/healthz,/healthz/*,/livez,/livez/*,/metrics,/metrics/slis,/readyz,/readyz/*,/statusz' },
      ['get', '', 'nodes/metrics'],
    ],
  },
  {
    name: 'system:node',
    rules: [
      ['create', 'authentication.k8s.io', 'tokenreviews'],
      ['create', 'authorization.k8s.io', 'localsubjectaccessreviews,subjectaccessreviews'],
      ['get,list,watch', '', 'services'],
      ['create,get,list,watch', '', 'nodes'],
      ['patch,update', '', 'nodes/status'],
      ['patch,update', '', 'nodes'],
      ['create,patch,update', ',events.k8s.io', 'events'],
      ['get,list,watch', '', 'pods'],
      ['create,delete', '', 'pods'],
      ['patch,update', '', 'pods/status'],
      ['create', '', 'pods/eviction'],
      ['get,list,watch', '', 'configmaps,secrets'],
      ['get', '', 'persistentvolumeclaims,persistentvolumes'],
      ['get', '', 'endpoints'],
      ['create,get,list,watch', 'certificates.k8s.io', 'certificatesigningrequests'],
      ['create,delete,get,patch,update', 'coordination.k8s.io', 'leases'],
      ['get', 'storage.k8s.io', 'volumeattachments'],
      ['create', '', 'serviceaccounts/token'],
      ['get,patch,update', '', 'persistentvolumeclaims/status'],
      ['get,list,watch', 'storage.k8s.io', 'csidrivers'],
      ['create,delete,get,patch,update', 'storage.k8s.io', 'csinodes'],
      ['get,list,watch', 'node.k8s.io', 'runtimeclasses'],
      ['get', 'resource.k8s.io', 'resourceclaims'],
      ['deletecollection', 'resource.k8s.io', 'resourceslices'],
      ['get', '', 'serviceaccounts'],
    ],
  },
  {
    name: 'system:node-bootstrapper',
    rules: [
      ['create,get,list,watch', 'certificates.k8s.io', 'certificatesigningrequests'],
    ],
  },
  {
    name: 'system:node-problem-detector',
    rules: [
      ['get', '', 'nodes'],
      ['patch', '', 'nodes/status'],
      ['create,patch,update', ',events.k8s.io', 'events'],
    ],
  },
  {
    name: 'system:node-proxier',
    rules: [
      ['list,watch', '', 'endpoints,services'],
      ['get,list,watch', '', 'nodes'],
      ['create,patch,update', ',events.k8s.io', 'events'],
      ['list,watch', 'networking.k8s.io', 'servicecidrs'],
      ['list,watch', 'discovery.k8s.io', 'endpointslices'],
    ],
  },
  {
    name: 'system:persistent-volume-provisioner',
    rules: [
      ['create,delete,get,list,watch', '', 'persistentvolumes'],
      ['get,list,update,watch', '', 'persistentvolumeclaims'],
      ['get,list,watch', 'storage.k8s.io', 'storageclasses'],
      ['watch', '', 'events'],
      ['create,patch,update', ',events.k8s.io', 'events'],
    ],
  },
  {
    name: 'system:public-info-viewer',
    rules: [
      { verbs: 'get', urls: '/healthz,/livez,/readyz,/version,/version/' },
    ],
  },
  {
    name: 'system:service-account-issuer-discovery',
    rules: [
      { verbs: 'get', urls: '/.well-known/openid-configuration,/.well-known/openid-configuration/,/openid/v1/jwks,/openid/v1/jwks/' },
    ],
  },
  {
    name: 'system:volume-scheduler',
    rules: [
      ['get,list,patch,update,watch', '', 'persistentvolumes'],
      ['get,list,watch', 'storage.k8s.io', 'storageclasses'],
      ['get,list,patch,update,watch', '', 'persistentvolumeclaims'],
    ],
  },
  {
    name: 'view',
    aggregateTo: ['edit'],
    aggregates: ['view'],
    rules: [],
  },
  {
    name: 'extension-apiserver-authentication-reader',
    namespace: 'kube-system',
    rules: [
      ['get,list,watch', '', 'configmaps', 'extension-apiserver-authentication'],
    ],
  },
];

/** Objects Kubernetes creates itself carry the bootstrap label. */
export function isBootstrapObject(labels: Record<string, string> | undefined): boolean {
  return labels?.[BOOTSTRAP_LABEL] === BOOTSTRAP_LABEL_VALUE;
}

function split(list: string): string[] {
  return list.split(',');
}

function ruleOf(data: ResourceRuleData | NonResourceRuleData): PolicyRule {
  if (!Array.isArray(data)) return { verbs: split(data.verbs), apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: split(data.urls) };
  const [verbs, apiGroups, resources, resourceNames] = data;
  return { verbs: split(verbs), apiGroups: split(apiGroups), resources: split(resources), resourceNames: resourceNames ? split(resourceNames) : [], nonResourceURLs: [] };
}

/** The built-in roles as RoleDefs (fresh objects each call: callers may not share them). */
export function builtinRoles(): RoleDef[] {
  return BUILTIN_ROLES.map((data) => {
    const labels: Record<string, string> = { [BOOTSTRAP_LABEL]: BOOTSTRAP_LABEL_VALUE };
    for (const target of data.aggregateTo ?? []) labels[`${AGGREGATE_TO_LABEL_PREFIX}${target}`] = 'true';
    const role: RoleDef = { kind: data.namespace ? 'Role' : 'ClusterRole', name: data.name, rules: data.rules.map(ruleOf), labels, builtin: true };
    if (data.namespace) role.namespace = data.namespace;
    if (data.aggregates) role.aggregationSelectors = data.aggregates.map((target) => ({ matchLabels: { [`${AGGREGATE_TO_LABEL_PREFIX}${target}`]: 'true' } }));
    return role;
  });
}

/** Names of the built-in ClusterRoles, for "is this one of Kubernetes' own roles". */
export const BUILTIN_CLUSTER_ROLE_NAMES: ReadonlySet<string> = new Set(BUILTIN_ROLES.filter((role) => !role.namespace).map((role) => role.name));
