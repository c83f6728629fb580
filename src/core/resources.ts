/**
 * The resources kubeward knows without discovery: Kubernetes' built-in ones (plus the virtual ones RBAC
 * rules name: users, groups, signers, userextras) and the cluster-scoped kinds of common add-ons.
 * The one table of which kinds are cluster-scoped: the inventory's scope (scope.ts) and the RBAC
 * engine's request attributes (rbac/resources.ts) both read it. CustomResourceDefinitions in the
 * sources extend it at run time.
 */

export interface KnownResource {
  group: string;
  /** The object kind, for resources that are objects. */
  kind?: string;
  namespaced: boolean;
  /** Short names and the singular, as kubectl accepts them. */
  aliases?: string[];
}

const NAMESPACED = true;
const CLUSTER = false;

/** Keyed by the resource's plural name, as RBAC rules and API paths spell it. */
export const KNOWN_RESOURCES: Readonly<Record<string, KnownResource>> = {
  pods: { group: '', kind: 'Pod', namespaced: NAMESPACED, aliases: ['po', 'pod'] },
  services: { group: '', kind: 'Service', namespaced: NAMESPACED, aliases: ['svc', 'service'] },
  endpoints: { group: '', kind: 'Endpoints', namespaced: NAMESPACED, aliases: ['ep'] },
  configmaps: { group: '', kind: 'ConfigMap', namespaced: NAMESPACED, aliases: ['cm', 'configmap'] },
  secrets: { group: '', kind: 'Secret', namespaced: NAMESPACED, aliases: ['secret'] },
  serviceaccounts: { group: '', kind: 'ServiceAccount', namespaced: NAMESPACED, aliases: ['sa', 'serviceaccount'] },
  persistentvolumeclaims: { group: '', kind: 'PersistentVolumeClaim', namespaced: NAMESPACED, aliases: ['pvc', 'persistentvolumeclaim'] },
  events: { group: '', kind: 'Event', namespaced: NAMESPACED, aliases: ['ev', 'event'] },
  replicationcontrollers: { group: '', kind: 'ReplicationController', namespaced: NAMESPACED, aliases: ['rc', 'replicationcontroller'] },
  limitranges: { group: '', kind: 'LimitRange', namespaced: NAMESPACED, aliases: ['limits'] },
  resourcequotas: { group: '', kind: 'ResourceQuota', namespaced: NAMESPACED, aliases: ['quota'] },
  podtemplates: { group: '', kind: 'PodTemplate', namespaced: NAMESPACED },
  bindings: { group: '', kind: 'Binding', namespaced: NAMESPACED },
  nodes: { group: '', kind: 'Node', namespaced: CLUSTER, aliases: ['no', 'node'] },
  namespaces: { group: '', kind: 'Namespace', namespaced: CLUSTER, aliases: ['ns', 'namespace'] },
  persistentvolumes: { group: '', kind: 'PersistentVolume', namespaced: CLUSTER, aliases: ['pv', 'persistentvolume'] },
  componentstatuses: { group: '', kind: 'ComponentStatus', namespaced: CLUSTER, aliases: ['cs'] },
  users: { group: '', namespaced: CLUSTER },
  groups: { group: '', namespaced: CLUSTER },
  deployments: { group: 'apps', kind: 'Deployment', namespaced: NAMESPACED, aliases: ['deploy', 'deployment'] },
  daemonsets: { group: 'apps', kind: 'DaemonSet', namespaced: NAMESPACED, aliases: ['ds', 'daemonset'] },
  statefulsets: { group: 'apps', kind: 'StatefulSet', namespaced: NAMESPACED, aliases: ['sts', 'statefulset'] },
  replicasets: { group: 'apps', kind: 'ReplicaSet', namespaced: NAMESPACED, aliases: ['rs', 'replicaset'] },
  controllerrevisions: { group: 'apps', kind: 'ControllerRevision', namespaced: NAMESPACED },
  jobs: { group: 'batch', kind: 'Job', namespaced: NAMESPACED, aliases: ['job'] },
  cronjobs: { group: 'batch', kind: 'CronJob', namespaced: NAMESPACED, aliases: ['cj', 'cronjob'] },
  horizontalpodautoscalers: { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', namespaced: NAMESPACED, aliases: ['hpa'] },
  poddisruptionbudgets: { group: 'policy', kind: 'PodDisruptionBudget', namespaced: NAMESPACED, aliases: ['pdb'] },
  podsecuritypolicies: { group: 'policy', kind: 'PodSecurityPolicy', namespaced: CLUSTER, aliases: ['psp'] },
  ingresses: { group: 'networking.k8s.io', kind: 'Ingress', namespaced: NAMESPACED, aliases: ['ing', 'ingress'] },
  networkpolicies: { group: 'networking.k8s.io', kind: 'NetworkPolicy', namespaced: NAMESPACED, aliases: ['netpol', 'networkpolicy'] },
  ingressclasses: { group: 'networking.k8s.io', kind: 'IngressClass', namespaced: CLUSTER },
  ipaddresses: { group: 'networking.k8s.io', kind: 'IPAddress', namespaced: CLUSTER },
  servicecidrs: { group: 'networking.k8s.io', kind: 'ServiceCIDR', namespaced: CLUSTER },
  endpointslices: { group: 'discovery.k8s.io', kind: 'EndpointSlice', namespaced: NAMESPACED },
  leases: { group: 'coordination.k8s.io', kind: 'Lease', namespaced: NAMESPACED },
  roles: { group: 'rbac.authorization.k8s.io', kind: 'Role', namespaced: NAMESPACED, aliases: ['role'] },
  rolebindings: { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', namespaced: NAMESPACED, aliases: ['rolebinding'] },
  clusterroles: { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', namespaced: CLUSTER, aliases: ['clusterrole'] },
  clusterrolebindings: { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', namespaced: CLUSTER, aliases: ['clusterrolebinding'] },
  storageclasses: { group: 'storage.k8s.io', kind: 'StorageClass', namespaced: CLUSTER, aliases: ['sc'] },
  csidrivers: { group: 'storage.k8s.io', kind: 'CSIDriver', namespaced: CLUSTER },
  csinodes: { group: 'storage.k8s.io', kind: 'CSINode', namespaced: CLUSTER },
  volumeattachments: { group: 'storage.k8s.io', kind: 'VolumeAttachment', namespaced: CLUSTER },
  volumeattributesclasses: { group: 'storage.k8s.io', kind: 'VolumeAttributesClass', namespaced: CLUSTER },
  csistoragecapacities: { group: 'storage.k8s.io', kind: 'CSIStorageCapacity', namespaced: NAMESPACED },
  mutatingwebhookconfigurations: { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', namespaced: CLUSTER },
  validatingwebhookconfigurations: { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', namespaced: CLUSTER },
  validatingadmissionpolicies: { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy', namespaced: CLUSTER },
  validatingadmissionpolicybindings: { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding', namespaced: CLUSTER },
  mutatingadmissionpolicies: { group: 'admissionregistration.k8s.io', kind: 'MutatingAdmissionPolicy', namespaced: CLUSTER },
  mutatingadmissionpolicybindings: { group: 'admissionregistration.k8s.io', kind: 'MutatingAdmissionPolicyBinding', namespaced: CLUSTER },
  customresourcedefinitions: { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', namespaced: CLUSTER, aliases: ['crd', 'crds'] },
  apiservices: { group: 'apiregistration.k8s.io', kind: 'APIService', namespaced: CLUSTER },
  certificatesigningrequests: { group: 'certificates.k8s.io', kind: 'CertificateSigningRequest', namespaced: CLUSTER, aliases: ['csr'] },
  clustertrustbundles: { group: 'certificates.k8s.io', kind: 'ClusterTrustBundle', namespaced: CLUSTER },
  signers: { group: 'certificates.k8s.io', namespaced: CLUSTER },
  tokenreviews: { group: 'authentication.k8s.io', kind: 'TokenReview', namespaced: CLUSTER },
  selfsubjectreviews: { group: 'authentication.k8s.io', kind: 'SelfSubjectReview', namespaced: CLUSTER },
  userextras: { group: 'authentication.k8s.io', namespaced: CLUSTER },
  uids: { group: 'authentication.k8s.io', namespaced: CLUSTER },
  subjectaccessreviews: { group: 'authorization.k8s.io', kind: 'SubjectAccessReview', namespaced: CLUSTER },
  selfsubjectaccessreviews: { group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview', namespaced: CLUSTER },
  selfsubjectrulesreviews: { group: 'authorization.k8s.io', kind: 'SelfSubjectRulesReview', namespaced: CLUSTER },
  localsubjectaccessreviews: { group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview', namespaced: NAMESPACED },
  flowschemas: { group: 'flowcontrol.apiserver.k8s.io', kind: 'FlowSchema', namespaced: CLUSTER },
  prioritylevelconfigurations: { group: 'flowcontrol.apiserver.k8s.io', kind: 'PriorityLevelConfiguration', namespaced: CLUSTER },
  deviceclasses: { group: 'resource.k8s.io', kind: 'DeviceClass', namespaced: CLUSTER },
  resourceslices: { group: 'resource.k8s.io', kind: 'ResourceSlice', namespaced: CLUSTER },
  priorityclasses: { group: 'scheduling.k8s.io', kind: 'PriorityClass', namespaced: CLUSTER, aliases: ['pc'] },
  runtimeclasses: { group: 'node.k8s.io', kind: 'RuntimeClass', namespaced: CLUSTER },
  // Add-ons a chart commonly carries (their CRDs, when in the sources, say the same).
  adminnetworkpolicies: { group: 'policy.networking.k8s.io', kind: 'AdminNetworkPolicy', namespaced: CLUSTER, aliases: ['anp'] },
  baselineadminnetworkpolicies: { group: 'policy.networking.k8s.io', kind: 'BaselineAdminNetworkPolicy', namespaced: CLUSTER, aliases: ['banp'] },
  gatewayclasses: { group: 'gateway.networking.k8s.io', kind: 'GatewayClass', namespaced: CLUSTER },
  clusterissuers: { group: 'cert-manager.io', kind: 'ClusterIssuer', namespaced: CLUSTER },
  clusterpolicies: { group: 'kyverno.io', kind: 'ClusterPolicy', namespaced: CLUSTER },
  constrainttemplates: { group: 'templates.gatekeeper.sh', kind: 'ConstraintTemplate', namespaced: CLUSTER },
  ciliumclusterwidenetworkpolicies: { group: 'cilium.io', kind: 'CiliumClusterwideNetworkPolicy', namespaced: CLUSTER },
  globalnetworkpolicies: { group: 'crd.projectcalico.org', kind: 'GlobalNetworkPolicy', namespaced: CLUSTER },
};
