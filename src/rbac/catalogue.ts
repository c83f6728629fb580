/**
 * Risky permissions as data: each risk a conjunction of permission checks that must all hold in one
 * scope, or a property of a single granted rule (risks.ts evaluates them).
 */
import type { Severity } from '../core/severity.js';
import type { EscalationOptions, PrimitiveId } from './escalation.js';
import { isWildcardRule, type PolicyRule } from './model.js';
import type { PermissionCheck, RoleQuestion } from './permissions.js';
import * as P from './primitives.js';

const GOOD_PRACTICES = 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/';

export interface RiskDefinition {
  id: string;
  title: string;
  /** Severity when the risk holds cluster-wide (or in a privileged namespace), and when only in some namespaces. */
  severity: { cluster: Severity; namespace: Severity };
  /** When every matching rule is limited to a few resourceNames. */
  namedSeverity?: Severity;
  description: string;
  remediation: string;
  reference: { title: string; url: string };
  /** All must hold in the same scope; a list inside is any one of its checks (they may differ in scope). */
  requires?: (PermissionCheck | PermissionCheck[])[];
  /** Alternatively: a property of a single granted rule. */
  ruleMatches?: (rule: PolicyRule) => boolean;
  /** Not reported where any of these holds too (a stronger risk already says it). `rbac-cluster-admin` is implied for every other risk. */
  unless?: PermissionCheck[];
  /** The escalation primitive it is: when a subject's path to cluster-admin starts with it, the finding is critical. */
  primitives?: PrimitiveId[];
}


/** The catalogue, made once per option (check objects are compared by identity: screens key by them). */
const catalogues = new Map<boolean, RiskDefinition[]>();

export function riskCatalogue(options: EscalationOptions = {}): RiskDefinition[] {
  const execWithGet = options.execWithGet ?? true;
  let catalogue = catalogues.get(execWithGet);
  if (!catalogue) catalogues.set(execWithGet, (catalogue = Object.freeze(buildCatalogue(execWithGet)) as RiskDefinition[]));
  return catalogue;
}

function buildCatalogue(execWithGet: boolean): RiskDefinition[] {
  const risks: RiskDefinition[] = [
    {
      id: 'rbac-cluster-admin',
      title: 'Holds every permission (cluster-admin equivalent)',
      severity: { cluster: 'critical', namespace: 'high' },
      description: '`*` verbs on `*` resources of `*` API groups. Cluster-wide this is cluster-admin; through a RoleBinding, full control of the namespace, the namespace object included.',
      remediation: 'Bind a role that lists the verbs and resources the subject needs; keep cluster-admin for break-glass users.',
      reference: { title: 'RBAC Good Practices: least privilege', url: `${GOOD_PRACTICES}#least-privilege` },
      requires: [P.EVERYTHING],
      primitives: ['everything'],
    },
    {
      id: 'rbac-wildcard',
      title: 'Wildcard permission',
      severity: { cluster: 'high', namespace: 'medium' },
      description: 'A granted rule with `*` in its verbs, resources or API groups: it grants whatever exists now and every verb, resource or API added later (`*` verbs include `escalate`, `bind` and `impersonate`).',
      remediation: 'List the verbs, resources and API groups explicitly.',
      reference: { title: 'RBAC Good Practices: least privilege', url: `${GOOD_PRACTICES}#least-privilege` },
      ruleMatches: isWildcardRule,
    },
    {
      id: 'rbac-read-secrets',
      title: 'Reads Secrets',
      severity: { cluster: 'critical', namespace: 'high' },
      description: '`list` or `watch` on Secrets returns their contents: every credential, token and key in scope. Cluster-wide, this is the trojan chart\'s grant.',
      remediation: 'Mount the Secrets the workload needs instead of reading them through the API; if it must, use `get` with `resourceNames` in its own namespace.',
      reference: { title: 'RBAC Good Practices: listing Secrets', url: `${GOOD_PRACTICES}#listing-secrets` },
      requires: [P.LIST_SECRETS],
      primitives: ['list-secrets', 'token-secrets'],
    },
    {
      id: 'rbac-get-secrets',
      title: 'Reads Secrets by name',
      severity: { cluster: 'high', namespace: 'medium' },
      namedSeverity: 'low',
      description: '`get` on Secrets returns a Secret whose name is known or guessed (legacy token Secrets are named `<account>-token-<5 characters>`).',
      remediation: 'Limit `get` to the Secrets needed with `resourceNames`, or mount them.',
      reference: { title: 'RBAC Good Practices: listing Secrets', url: `${GOOD_PRACTICES}#listing-secrets` },
      requires: [P.GET_SECRETS],
      unless: [P.LIST_SECRETS],
    },
    {
      id: 'rbac-escalate',
      title: 'May escalate roles',
      severity: { cluster: 'critical', namespace: 'high' },
      description: 'The `escalate` verb on roles or clusterroles lifts the check that a role\'s author holds its rules: with update, the subject writes any permission into a role it is bound to.',
      remediation: 'Remove `escalate` (and `*` verbs) on roles and clusterroles.',
      reference: { title: 'RBAC Good Practices: escalate verb', url: `${GOOD_PRACTICES}#escalate-verb` },
      requires: [P.ESCALATE_ROLES],
      primitives: ['escalate'],
    },
    {
      id: 'rbac-bind',
      title: 'May bind roles it does not hold',
      severity: { cluster: 'critical', namespace: 'high' },
      description: 'The `bind` verb on roles or clusterroles, with the right to write bindings, lets the subject bind any (named) role, cluster-admin included, to itself.',
      remediation: 'Remove `bind`, or limit it with `resourceNames` to harmless roles.',
      reference: { title: 'RBAC Good Practices: bind verb', url: `${GOOD_PRACTICES}#bind-verb` },
      requires: [P.BIND_ROLES, P.WRITE_BINDINGS],
      primitives: ['bind'],
    },
    {
      id: 'rbac-impersonate',
      title: 'May impersonate users, groups or ServiceAccounts',
      severity: { cluster: 'critical', namespace: 'high' },
      description: 'The `impersonate` verb on users, groups, uids or serviceaccounts: the subject acts as them, `system:masters` included (impersonating a ServiceAccount is checked in its namespace, so a RoleBinding grants it there).',
      remediation: 'Remove `impersonate`, or limit it with `resourceNames`.',
      reference: { title: 'RBAC Good Practices: impersonate verb', url: `${GOOD_PRACTICES}#impersonate-verb` },
      // Users, groups and uids are impersonated cluster-wide (no namespace); ServiceAccounts in their namespace.
      requires: [[P.IMPERSONATE_USERS, P.IMPERSONATE_GROUPS, P.IMPERSONATE_UIDS, P.IMPERSONATE_SERVICE_ACCOUNTS]],
      primitives: ['impersonate'],
    },
    {
      id: 'rbac-create-pods',
      title: 'May create pods',
      severity: { cluster: 'critical', namespace: 'high' },
      description: 'Creating a pod runs code as any ServiceAccount of the namespace, mounts any of its Secrets, and, where Pod Security allows, runs privileged on a node.',
      remediation: 'Let a deployment pipeline create workloads; enforce Pod Security `baseline` or `restricted` on the namespace.',
      reference: { title: 'RBAC Good Practices: workload creation', url: `${GOOD_PRACTICES}#workload-creation` },
      requires: [P.CREATE_PODS],
      primitives: ['create-pods'],
    },
    {
      id: 'rbac-pod-controllers',
      title: 'May create or change pod controllers',
      severity: { cluster: 'critical', namespace: 'high' },
      description: 'Creating or updating a Deployment, DaemonSet, StatefulSet, ReplicaSet, ReplicationController, Job or CronJob creates pods: the same reach as creating pods.',
      remediation: 'Let a deployment pipeline own workloads; enforce Pod Security on the namespace.',
      reference: { title: 'RBAC Good Practices: workload creation', url: `${GOOD_PRACTICES}#workload-creation` },
      requires: [P.WRITE_POD_CONTROLLERS],
      primitives: ['pod-controllers'],
    },
    {
      id: 'rbac-modify-pods',
      title: 'May update running pods',
      severity: { cluster: 'high', namespace: 'medium' },
      description: '`update` or `patch` on pods swaps a container image: code runs with that pod\'s ServiceAccount and volumes.',
      remediation: 'Remove update and patch on pods.',
      reference: { title: 'RBAC Good Practices: workload creation', url: `${GOOD_PRACTICES}#workload-creation` },
      requires: [P.MODIFY_PODS],
      primitives: ['modify-pods'],
    },
    {
      id: 'rbac-pod-exec',
      title: 'May exec, attach or port-forward into pods',
      severity: { cluster: 'critical', namespace: 'high' },
      description: `\`create\` on pods/exec, pods/attach or pods/portforward runs commands in (or connects to) running pods, with their tokens.${execWithGet ? ' `get` counts too: before Kubernetes 1.35 (or with AuthorizePodWebsocketUpgradeCreatePermission off) the WebSocket upgrade is authorized with `get`.' : ''}`,
      remediation: 'Remove exec, attach and portforward outside break-glass roles.',
      reference: { title: 'kubernetes/kubernetes#134577 (exec over WebSocket needs create from 1.35)', url: 'https://github.com/kubernetes/kubernetes/pull/134577' },
      requires: [P.execOrForwardInPods(execWithGet)],
      primitives: ['exec'],
    },
    {
      id: 'rbac-ephemeral-containers',
      title: 'May add ephemeral containers',
      severity: { cluster: 'critical', namespace: 'high' },
      description: '`update` or `patch` on pods/ephemeralcontainers injects a debug container, possibly privileged, into a running pod.',
      remediation: 'Keep pods/ephemeralcontainers for break-glass roles.',
      reference: { title: 'Ephemeral containers', url: 'https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/' },
      requires: [P.EPHEMERAL_CONTAINERS],
      primitives: ['ephemeral-containers'],
    },
    {
      id: 'rbac-token-request',
      title: 'May mint ServiceAccount tokens',
      severity: { cluster: 'critical', namespace: 'high' },
      description: '`create` on serviceaccounts/token (TokenRequest) issues a token for any ServiceAccount in scope: the subject becomes them.',
      remediation: 'Remove create on serviceaccounts/token, or limit it with `resourceNames`.',
      reference: { title: 'RBAC Good Practices: token request', url: `${GOOD_PRACTICES}#token-request` },
      requires: [P.SERVICE_ACCOUNT_TOKEN],
      primitives: ['token-request'],
    },
    {
      id: 'rbac-create-secrets',
      title: 'May create Secrets (ServiceAccount token Secrets)',
      severity: { cluster: 'high', namespace: 'medium' },
      description: 'A created Secret of type `kubernetes.io/service-account-token` naming a ServiceAccount is filled with a long-lived token for it.',
      remediation: 'Remove create on Secrets where it is not needed.',
      reference: { title: 'ServiceAccount token Secrets', url: 'https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets' },
      requires: [P.CREATE_SECRETS],
      primitives: ['create-secrets'],
    },
    {
      id: 'rbac-nodes-proxy',
      title: 'May use the nodes/proxy subresource',
      severity: { cluster: 'critical', namespace: 'critical' },
      description: '`get` or `create` on nodes/proxy reaches the kubelet API: commands in every pod of every node, past audit and admission.',
      remediation: 'Remove nodes/proxy; monitoring needs nodes/metrics and nodes/stats only.',
      reference: { title: 'RBAC Good Practices: access to proxy subresource of Nodes', url: `${GOOD_PRACTICES}#access-to-proxy-subresource-of-nodes` },
      requires: [P.NODES_PROXY],
      primitives: ['nodes-proxy'],
    },
    {
      id: 'rbac-approve-csr',
      title: 'May create and approve client certificates',
      severity: { cluster: 'critical', namespace: 'critical' },
      description: 'Creating CertificateSigningRequests, updating their approval and approving for the kube-apiserver-client signer issues a client certificate for any user and group, `system:masters` included.',
      remediation: 'Keep CSR approval to the controller manager.',
      reference: { title: 'RBAC Good Practices: CSRs and certificate issuing', url: `${GOOD_PRACTICES}#csrs-and-certificate-issuing` },
      requires: [P.CREATE_CSR, P.APPROVE_CSR, P.APPROVE_CLIENT_SIGNER],
      primitives: ['csr'],
    },
    {
      id: 'rbac-admission-control',
      title: 'May write admission webhooks or policies',
      severity: { cluster: 'high', namespace: 'high' },
      description: 'Writing Mutating or Validating webhook configurations or admission policies lets the subject see or rewrite every object admitted (inject a ServiceAccount or a privileged container) or block the cluster.',
      remediation: 'Keep admission configuration to cluster administrators.',
      reference: { title: 'RBAC Good Practices: control admission webhooks', url: `${GOOD_PRACTICES}#control-admission-webhooks` },
      requires: [P.WRITE_ADMISSION],
      primitives: ['mutating-admission'],
    },
    {
      id: 'rbac-create-persistent-volumes',
      title: 'May create PersistentVolumes',
      severity: { cluster: 'high', namespace: 'high' },
      description: 'A hostPath PersistentVolume gives whoever mounts it the node\'s filesystem.',
      remediation: 'Let a storage provisioner create PersistentVolumes; users create PersistentVolumeClaims.',
      reference: { title: 'RBAC Good Practices: persistent volume creation', url: `${GOOD_PRACTICES}#persistent-volume-creation` },
      requires: [P.CREATE_PERSISTENT_VOLUMES],
      primitives: ['persistent-volumes'],
    },
    {
      id: 'rbac-patch-namespaces',
      title: 'May change namespaces (Pod Security labels)',
      severity: { cluster: 'high', namespace: 'medium' },
      description: 'Patching a namespace changes its Pod Security labels (and what NetworkPolicies select): privileged pods become admissible.',
      remediation: 'Remove update and patch on namespaces.',
      reference: { title: 'RBAC Good Practices: namespace modification', url: `${GOOD_PRACTICES}#namespace-modification` },
      requires: [P.PATCH_NAMESPACES],
      primitives: ['patch-namespaces'],
    },
    {
      id: 'rbac-write-rbac',
      title: 'May change roles or bindings',
      severity: { cluster: 'high', namespace: 'medium' },
      description: 'Writing Roles, ClusterRoles or bindings changes who can do what; the API server only allows granting what the writer holds, unless it has `escalate` or `bind` (reported separately).',
      remediation: 'Keep RBAC changes to a reviewed pipeline.',
      reference: { title: 'Privilege escalation prevention', url: 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping' },
      requires: [P.RBAC_WRITES],
    },
  ];
  return risks.map((risk) => (risk.id === 'rbac-cluster-admin' ? risk : { ...risk, unless: [...(risk.unless ?? []), P.EVERYTHING] }));
}

/** What a risk asks of roles: its checks, the checks that rule it out, its rule property. */
export function riskQuestions(risk: RiskDefinition): RoleQuestion[] {
  return [...(risk.requires ?? []).flat(), ...(risk.unless ?? []), ...(risk.ruleMatches ? [risk.ruleMatches] : [])];
}
