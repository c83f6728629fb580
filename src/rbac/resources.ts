/**
 * Resource names as users type them (`deployments`, `deploy`, `deployments.apps`, `pods/exec`),
 * resolved to the API group and scope the API server would put in the request's attributes, as
 * kubectl does with discovery. Offline there is no discovery: the built-in resources are listed
 * here, and CustomResourceDefinitions of the inventory add theirs.
 */
import { InputError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { isRecord } from '../core/object.js';

interface KnownResource {
  group: string;
  namespaced: boolean;
  aliases?: string[];
}

const NAMESPACED = true;
const CLUSTER = false;

/** Built-in resources of current Kubernetes, plus the virtual ones RBAC rules name (users, groups, signers, userextras). */
const BUILTIN_RESOURCES: Record<string, KnownResource> = {
  pods: { group: '', namespaced: NAMESPACED, aliases: ['po', 'pod'] },
  services: { group: '', namespaced: NAMESPACED, aliases: ['svc', 'service'] },
  endpoints: { group: '', namespaced: NAMESPACED, aliases: ['ep'] },
  configmaps: { group: '', namespaced: NAMESPACED, aliases: ['cm', 'configmap'] },
  secrets: { group: '', namespaced: NAMESPACED, aliases: ['secret'] },
  serviceaccounts: { group: '', namespaced: NAMESPACED, aliases: ['sa', 'serviceaccount'] },
  persistentvolumeclaims: { group: '', namespaced: NAMESPACED, aliases: ['pvc', 'persistentvolumeclaim'] },
  events: { group: '', namespaced: NAMESPACED, aliases: ['ev', 'event'] },
  replicationcontrollers: { group: '', namespaced: NAMESPACED, aliases: ['rc', 'replicationcontroller'] },
  limitranges: { group: '', namespaced: NAMESPACED, aliases: ['limits'] },
  resourcequotas: { group: '', namespaced: NAMESPACED, aliases: ['quota'] },
  podtemplates: { group: '', namespaced: NAMESPACED },
  bindings: { group: '', namespaced: NAMESPACED },
  nodes: { group: '', namespaced: CLUSTER, aliases: ['no', 'node'] },
  namespaces: { group: '', namespaced: CLUSTER, aliases: ['ns', 'namespace'] },
  persistentvolumes: { group: '', namespaced: CLUSTER, aliases: ['pv', 'persistentvolume'] },
  componentstatuses: { group: '', namespaced: CLUSTER, aliases: ['cs'] },
  users: { group: '', namespaced: CLUSTER },
  groups: { group: '', namespaced: CLUSTER },
  deployments: { group: 'apps', namespaced: NAMESPACED, aliases: ['deploy', 'deployment'] },
  daemonsets: { group: 'apps', namespaced: NAMESPACED, aliases: ['ds', 'daemonset'] },
  statefulsets: { group: 'apps', namespaced: NAMESPACED, aliases: ['sts', 'statefulset'] },
  replicasets: { group: 'apps', namespaced: NAMESPACED, aliases: ['rs', 'replicaset'] },
  controllerrevisions: { group: 'apps', namespaced: NAMESPACED },
  jobs: { group: 'batch', namespaced: NAMESPACED, aliases: ['job'] },
  cronjobs: { group: 'batch', namespaced: NAMESPACED, aliases: ['cj', 'cronjob'] },
  horizontalpodautoscalers: { group: 'autoscaling', namespaced: NAMESPACED, aliases: ['hpa'] },
  poddisruptionbudgets: { group: 'policy', namespaced: NAMESPACED, aliases: ['pdb'] },
  ingresses: { group: 'networking.k8s.io', namespaced: NAMESPACED, aliases: ['ing', 'ingress'] },
  networkpolicies: { group: 'networking.k8s.io', namespaced: NAMESPACED, aliases: ['netpol', 'networkpolicy'] },
  ingressclasses: { group: 'networking.k8s.io', namespaced: CLUSTER },
  endpointslices: { group: 'discovery.k8s.io', namespaced: NAMESPACED },
  leases: { group: 'coordination.k8s.io', namespaced: NAMESPACED },
  roles: { group: 'rbac.authorization.k8s.io', namespaced: NAMESPACED, aliases: ['role'] },
  rolebindings: { group: 'rbac.authorization.k8s.io', namespaced: NAMESPACED, aliases: ['rolebinding'] },
  clusterroles: { group: 'rbac.authorization.k8s.io', namespaced: CLUSTER, aliases: ['clusterrole'] },
  clusterrolebindings: { group: 'rbac.authorization.k8s.io', namespaced: CLUSTER, aliases: ['clusterrolebinding'] },
  storageclasses: { group: 'storage.k8s.io', namespaced: CLUSTER, aliases: ['sc'] },
  csidrivers: { group: 'storage.k8s.io', namespaced: CLUSTER },
  csinodes: { group: 'storage.k8s.io', namespaced: CLUSTER },
  volumeattachments: { group: 'storage.k8s.io', namespaced: CLUSTER },
  csistoragecapacities: { group: 'storage.k8s.io', namespaced: NAMESPACED },
  mutatingwebhookconfigurations: { group: 'admissionregistration.k8s.io', namespaced: CLUSTER },
  validatingwebhookconfigurations: { group: 'admissionregistration.k8s.io', namespaced: CLUSTER },
  validatingadmissionpolicies: { group: 'admissionregistration.k8s.io', namespaced: CLUSTER },
  validatingadmissionpolicybindings: { group: 'admissionregistration.k8s.io', namespaced: CLUSTER },
  mutatingadmissionpolicies: { group: 'admissionregistration.k8s.io', namespaced: CLUSTER },
  mutatingadmissionpolicybindings: { group: 'admissionregistration.k8s.io', namespaced: CLUSTER },
  customresourcedefinitions: { group: 'apiextensions.k8s.io', namespaced: CLUSTER, aliases: ['crd', 'crds'] },
  apiservices: { group: 'apiregistration.k8s.io', namespaced: CLUSTER },
  certificatesigningrequests: { group: 'certificates.k8s.io', namespaced: CLUSTER, aliases: ['csr'] },
  signers: { group: 'certificates.k8s.io', namespaced: CLUSTER },
  tokenreviews: { group: 'authentication.k8s.io', namespaced: CLUSTER },
  selfsubjectreviews: { group: 'authentication.k8s.io', namespaced: CLUSTER },
  userextras: { group: 'authentication.k8s.io', namespaced: CLUSTER },
  uids: { group: 'authentication.k8s.io', namespaced: CLUSTER },
  subjectaccessreviews: { group: 'authorization.k8s.io', namespaced: CLUSTER },
  selfsubjectaccessreviews: { group: 'authorization.k8s.io', namespaced: CLUSTER },
  selfsubjectrulesreviews: { group: 'authorization.k8s.io', namespaced: CLUSTER },
  localsubjectaccessreviews: { group: 'authorization.k8s.io', namespaced: NAMESPACED },
  priorityclasses: { group: 'scheduling.k8s.io', namespaced: CLUSTER, aliases: ['pc'] },
  runtimeclasses: { group: 'node.k8s.io', namespaced: CLUSTER },
};

const ALIASES = new Map<string, string>();
for (const [resource, known] of Object.entries(BUILTIN_RESOURCES)) for (const alias of known.aliases ?? []) ALIASES.set(alias, resource);

export interface ResolvedResource {
  resource: string;
  subresource: string;
  apiGroup: string;
  /** Whether requests carry a namespace (false: cluster-scoped; `namespaces` carry their own name). */
  namespaced: boolean;
  /** Set when kubeward had to guess (an unknown resource without --api-group). */
  warning?: string;
}

/**
 * Resolves `RESOURCE[/SUBRESOURCE]`, `RESOURCE.GROUP[/SUBRESOURCE]` or a short name. An explicit
 * `apiGroup` wins; `*` (any resource) keeps the group given, or `*`.
 */
export function resolveResource(text: string, apiGroup: string | undefined, inventory?: Inventory): ResolvedResource {
  const slash = text.indexOf('/');
  const head = slash < 0 ? text : text.slice(0, slash);
  const subresource = slash < 0 ? '' : text.slice(slash + 1);
  if (!head) throw new InputError(`resource "${text}" is empty`);
  const dot = head.indexOf('.');
  let resource = dot < 0 ? head : head.slice(0, dot);
  let group = dot < 0 ? apiGroup : head.slice(dot + 1);
  if (dot >= 0 && apiGroup !== undefined && apiGroup !== group) throw new InputError(`resource "${text}" names group ${group}, but --api-group says ${apiGroup}`);
  if (resource === '*') return { resource, subresource, apiGroup: group ?? '*', namespaced: true };
  resource = ALIASES.get(resource) ?? resource;
  const builtin = BUILTIN_RESOURCES[resource];
  const custom = customResources(inventory).get(resource);
  // A CRD's singular or short name is its plural in the request.
  if (custom && !builtin) resource = custom.plural;
  if (group === undefined) {
    if (builtin) return { resource, subresource, apiGroup: builtin.group, namespaced: builtin.namespaced };
    if (custom) return { resource, subresource, apiGroup: custom.group, namespaced: custom.namespaced };
    group = '';
    return { resource, subresource, apiGroup: group, namespaced: true, warning: `resource "${resource}" is not a built-in resource nor one of a CustomResourceDefinition in the sources: assuming the core API group and a namespaced resource (pass --api-group)` };
  }
  const known = builtin?.group === group ? builtin : custom?.group === group ? custom : undefined;
  return { resource, subresource, apiGroup: group, namespaced: known ? known.namespaced : true };
}

function customResources(inventory: Inventory | undefined): Map<string, KnownResource & { plural: string }> {
  const found = new Map<string, KnownResource & { plural: string }>();
  for (const crd of inventory?.byKind('CustomResourceDefinition') ?? []) {
    const spec = crd.spec;
    if (!isRecord(spec) || !isRecord(spec.names) || typeof spec.group !== 'string' || typeof spec.names.plural !== 'string') continue;
    const known = { group: spec.group, namespaced: spec.scope !== 'Cluster', plural: spec.names.plural };
    found.set(spec.names.plural, known);
    if (typeof spec.names.singular === 'string') found.set(spec.names.singular, known);
    if (Array.isArray(spec.names.shortNames)) for (const short of spec.names.shortNames) if (typeof short === 'string') found.set(short, known);
  }
  return found;
}

/**
 * The namespace attribute of the request, as the API server derives it from the URL: none for
 * cluster-scoped resources and non-resource URLs, the namespace's own name for a namespace object,
 * else the namespace asked for (kubectl's default: `default`). `allNamespaces` is a list across all
 * namespaces: no namespace, so only ClusterRoleBindings count.
 */
export function requestNamespace(resolved: ResolvedResource | undefined, asked: { namespace?: string; name?: string; allNamespaces?: boolean }): { namespace: string; warning?: string } {
  if (!resolved || asked.allNamespaces) return { namespace: '' };
  if (resolved.resource === 'namespaces' && resolved.apiGroup === '') return { namespace: asked.namespace ?? asked.name ?? '' };
  if (!resolved.namespaced) {
    return asked.namespace ? { namespace: '', warning: `${resolved.resource} is cluster-scoped: its requests carry no namespace, so -n ${asked.namespace} is ignored` } : { namespace: '' };
  }
  return { namespace: asked.namespace ?? 'default' };
}
