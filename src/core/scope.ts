import { apiGroupOf, type KubeObject } from './object.js';

/**
 * Cluster-scoped kinds of Kubernetes and of the common add-ons, keyed `group/Kind`
 * (core group is the empty string). Every other kind is namespaced unless the inventory
 * holds a CustomResourceDefinition saying otherwise.
 */
const CLUSTER_SCOPED = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/MutatingAdmissionPolicy',
  'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'storage.k8s.io/VolumeAttributesClass',
  'scheduling.k8s.io/PriorityClass',
  'node.k8s.io/RuntimeClass',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'policy/PodSecurityPolicy',
  'certificates.k8s.io/CertificateSigningRequest',
  'certificates.k8s.io/ClusterTrustBundle',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'resource.k8s.io/DeviceClass',
  'resource.k8s.io/ResourceSlice',
  'policy.networking.k8s.io/AdminNetworkPolicy',
  'policy.networking.k8s.io/BaselineAdminNetworkPolicy',
  'gateway.networking.k8s.io/GatewayClass',
  'cert-manager.io/ClusterIssuer',
  'kyverno.io/ClusterPolicy',
  'templates.gatekeeper.sh/ConstraintTemplate',
  'cilium.io/CiliumClusterwideNetworkPolicy',
  'crd.projectcalico.org/GlobalNetworkPolicy',
]);

/** A kind's scope as the inventory knows it: built-in table, then CRDs. */
export type ScopeResolver = (apiVersion: string, kind: string) => 'Cluster' | 'Namespaced';

export function builtinScope(apiVersion: string, kind: string): 'Cluster' | 'Namespaced' {
  return CLUSTER_SCOPED.has(`${apiGroupOf(apiVersion)}/${kind}`) ? 'Cluster' : 'Namespaced';
}

/** Extends the built-in table with the scopes CustomResourceDefinitions declare. */
export function scopeResolver(objects: readonly KubeObject[]): ScopeResolver {
  const declared = new Map<string, 'Cluster' | 'Namespaced'>();
  for (const object of objects) {
    if (object.kind !== 'CustomResourceDefinition') continue;
    const spec = object.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (spec?.group && spec.names?.kind && (spec.scope === 'Cluster' || spec.scope === 'Namespaced')) {
      declared.set(`${spec.group}/${spec.names.kind}`, spec.scope);
    }
  }
  return (apiVersion, kind) => declared.get(`${apiGroupOf(apiVersion)}/${kind}`) ?? builtinScope(apiVersion, kind);
}
