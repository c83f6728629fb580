/**
 * The logs the attack leaves, as the API server's audit log and CoreDNS's query log would hold them:
 * `helm install` (Helm's release lookup, every object in Helm's install order, the release Secret,
 * post-install hooks and their deletion), the controllers, scheduler and kubelet bringing the pod up
 * (its ServiceAccount token included), the attacker's API requests (allowed or forbidden as the RBAC
 * engine decides over the cluster plus the chart), and the exfiltration's DNS queries through the
 * pod's resolver (search-path expansions under `ndots:5` included). Steps the network stops leave no
 * trace, and DNS sent to a resolver outside the cluster never reaches CoreDNS's log.
 *
 * Then hidden in ordinary traffic from the shared synthetic generator (src/detect/synthetic.ts).
 */
import { createHash } from 'node:crypto';
import type { KubeObject } from '../core/object.js';
import { apiGroupOf } from '../core/object.js';
import { helmHooksOf, selfDeletingPolicies } from '../core/hooks.js';
import { podTemplateOf, serviceAccountOf } from '../core/workload.js';
import { auditTimestamp, resolverLookup, seededRandom, SYNTHETIC_START, syntheticAuditLog, syntheticDnsLog, type SyntheticPod } from '../detect/synthetic.js';
import type { RbacEngine } from '../rbac/engine.js';
import { serviceAccountIdentity } from '../rbac/subject.js';
import { resourceOf } from '../policy/admission.js';
import type { DrillScenario, RequestSpec, StepSpec } from './scenario.js';

/** When the install starts: the synthetic day's start plus the background before it. */
export function installTime(scenario: DrillScenario): number {
  return SYNTHETIC_START + scenario.background.before;
}

/** What the network lets each step do (from the Limit stage): whether it runs, and the way out it takes. */
export interface StepRun {
  id: string;
  ran: boolean;
  /** Index into the step's channels of the one used. */
  channel?: number;
}

export interface AttackPod {
  namespace: string;
  name: string;
  uid: string;
  serviceAccount: string;
  workload: { kind: string; name: string };
  ip: string;
  node: string;
}

export interface TimedLine {
  time: number;
  text: string;
  /** The evidence id the detector gives it: the auditID, or `file:line` for DNS. */
  id: string;
  attack: boolean;
  /** The step it belongs to (attack lines only). */
  step?: string;
}

export interface Timeline {
  start: number;
  end: number;
  installAt: number;
  audit: TimedLine[];
  dns: TimedLine[];
  pod: AttackPod;
  /** Pods of the logs (the attacker's and the background's), for DNS attribution. */
  pods: KubeObject[];
  /** The API requests of each step, with the RBAC decision: for the evidence and the tabletop. */
  requests: { step: string; verb: string; resource: string; namespace?: string; name?: string; allowed: boolean; time: number }[];
}

/** Helm's install order (pkg/release/util/kind_sorter.go), for the kinds a chart usually holds. */
const INSTALL_ORDER = [
  'PriorityClass', 'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret', 'SecretList', 'ConfigMap',
  'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role',
  'RoleList', 'RoleBinding', 'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job',
  'CronJob', 'IngressClass', 'Ingress', 'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
];

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const CONTROLLER_OF: Record<string, string> = { Deployment: 'deployment-controller', ReplicaSet: 'replicaset-controller', Job: 'job-controller', DaemonSet: 'daemon-set-controller', StatefulSet: 'statefulset-controller', CronJob: 'cronjob-controller' };

function installRank(kind: string): number {
  const index = INSTALL_ORDER.indexOf(kind);
  return index < 0 ? INSTALL_ORDER.length : index;
}

const hash = (text: string, length: number, alphabet = 'bcdfghjklmnpqrstvwxz2456789') => {
  const digest = createHash('sha256').update(text).digest();
  return Array.from({ length }, (_, i) => alphabet[digest[i] % alphabet.length]).join('');
};

/** A deterministic UUID for an event of the attack (`a7`… so the attack's ids never meet the background's). */
function attackId(n: number, seed: string): string {
  const hex = createHash('sha256').update(`${seed}:${n}`).digest('hex');
  return `a77ac000-${hex.slice(0, 4)}-4${hex.slice(4, 7)}-8${hex.slice(7, 10)}-${hex.slice(10, 22)}`;
}

interface EventSpec {
  time: number;
  user: { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> };
  verb: string;
  resource: string;
  apiGroup?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  code: number;
  /** Kept at RequestResponse level: the recommended audit policy logs RBAC objects whole. */
  requestObject?: unknown;
  responseObject?: unknown;
  level?: 'Metadata' | 'Request' | 'RequestResponse';
  sourceIP?: string;
  userAgent?: string;
  query?: string;
  reason?: string;
}

function auditEvent(id: string, spec: EventSpec): string {
  const version = spec.apiVersion ?? 'v1';
  const prefix = spec.apiGroup ? `/apis/${spec.apiGroup}/${version}` : `/api/${version}`;
  const path = `${prefix}${spec.namespace ? `/namespaces/${spec.namespace}` : ''}/${spec.resource}${spec.name && spec.verb !== 'create' ? `/${spec.name}` : ''}${spec.subresource ? `/${spec.subresource}` : ''}`;
  const forbidden = spec.code === 403;
  const event: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: spec.level ?? (spec.requestObject ? 'RequestResponse' : 'Metadata'),
    auditID: id,
    stage: 'ResponseComplete',
    requestURI: `${path}${spec.query ? `?${spec.query}` : ''}`,
    verb: spec.verb,
    user: spec.user,
    sourceIPs: [spec.sourceIP ?? '10.0.0.10'],
    userAgent: spec.userAgent ?? 'helm/v3.16.2 (linux/amd64)',
    objectRef: { resource: spec.resource, namespace: spec.namespace, name: spec.name, subresource: spec.subresource, apiGroup: spec.apiGroup || undefined, apiVersion: version },
    responseStatus: forbidden ? { metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 } : { metadata: {}, code: spec.code },
    requestReceivedTimestamp: auditTimestamp(spec.time - 3),
    stageTimestamp: auditTimestamp(spec.time),
    annotations: { 'authorization.k8s.io/decision': forbidden ? 'forbid' : 'allow', 'authorization.k8s.io/reason': spec.reason ?? '' },
  };
  if (spec.requestObject !== undefined && spec.level !== 'Metadata') event.requestObject = spec.requestObject;
  if (spec.responseObject !== undefined && (spec.level ?? 'RequestResponse') === 'RequestResponse') event.responseObject = spec.responseObject;
  return JSON.stringify(event);
}

const controllerUser = (name: string) => ({ username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'] });
const SCHEDULER = { username: 'system:kube-scheduler', groups: ['system:authenticated'] };

/** The attacking pod: named as its controller would name it. */
export function attackPod(scenario: DrillScenario, namespace: string, workload: KubeObject | undefined): AttackPod {
  const { kind, name } = scenario.attacker;
  const template = workload ? podTemplateOf(workload) : undefined;
  const podName = kind === 'Pod' ? name : kind === 'Deployment' ? `${name}-${hash(`${namespace}/${name}`, 10)}-${hash(`${namespace}/${name}/pod`, 5)}` : kind === 'StatefulSet' ? `${name}-0` : `${name}-${hash(`${namespace}/${name}/pod`, 5)}`;
  const uid = createHash('sha256').update(`${namespace}/${podName}`).digest('hex');
  return {
    namespace,
    name: podName,
    uid: `${uid.slice(0, 8)}-${uid.slice(8, 12)}-4${uid.slice(13, 16)}-8${uid.slice(17, 20)}-${uid.slice(20, 32)}`,
    serviceAccount: template ? serviceAccountOf(template.spec) : 'default',
    workload: { kind, name },
    ip: scenario.attacker.podIp,
    node: scenario.attacker.node,
  };
}

/** The Pod object the controller creates from a workload's template. */
function podFromTemplate(workload: KubeObject, podName: string, namespace: string): KubeObject {
  const template = podTemplateOf(workload);
  const metadata = (template?.metadata ?? {}) as Record<string, unknown>;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...metadata, name: podName, namespace }, spec: template?.spec ?? {} };
}

export interface TimelineInput {
  scenario: DrillScenario;
  namespace: string;
  /** The chart's objects as rendered for this namespace (hooks included). */
  chart: readonly KubeObject[];
  /** The RBAC engine over the cluster plus the chart: who may do what when the attack runs. */
  engine: RbacEngine;
  runs: readonly StepRun[];
  /** Namespaces of the cluster, for the background traffic. */
  namespaces: readonly string[];
}

export function buildTimeline(input: TimelineInput): Timeline {
  const { scenario, namespace, chart, engine } = input;
  const start = SYNTHETIC_START;
  const installAt = installTime(scenario);
  const installer = { username: scenario.installer.username, groups: [...scenario.installer.groups, 'system:authenticated'] };
  const audit: TimedLine[] = [];
  const dns: TimedLine[] = [];
  const requests: Timeline['requests'] = [];
  let counter = 0;
  const push = (spec: EventSpec, step: string) => {
    const id = attackId(counter++, `${scenario.name}/${namespace}`);
    audit.push({ time: spec.time, text: auditEvent(id, spec), id, attack: true, step });
  };

  const attackerWorkload = chart.find((object) => object.kind === scenario.attacker.kind && object.metadata.name === scenario.attacker.name);
  const pod = attackPod(scenario, namespace, attackerWorkload);

  // helm install: the release lookup, the objects in install order, the release record, then post-install hooks.
  push({ time: installAt - 300, user: installer, verb: 'list', resource: 'secrets', namespace, code: 200, query: `labelSelector=name%3D${scenario.chart.release}%2Cowner%3Dhelm` }, 'install');
  const hooks = chart.filter((object) => helmHooksOf(object).some((hook) => hook === 'pre-install' || hook === 'post-install'));
  const plain = chart.filter((object) => helmHooksOf(object).length === 0);
  const ordered = (objects: readonly KubeObject[]) => [...objects].sort((a, b) => installRank(a.kind) - installRank(b.kind));
  let time = installAt;
  const created: { object: KubeObject; time: number }[] = [];
  const create = (object: KubeObject) => {
    const rbac = RBAC_KINDS.has(object.kind);
    const group = apiGroupOf(object.apiVersion);
    push(
      {
        time,
        user: installer,
        verb: 'create',
        resource: resourceOf(object.apiVersion, object.kind),
        apiGroup: group,
        apiVersion: object.apiVersion.split('/').pop(),
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        code: 201,
        requestObject: object.kind === 'Secret' ? undefined : object,
        responseObject: rbac ? object : undefined,
        level: object.kind === 'Secret' ? 'Metadata' : rbac ? 'RequestResponse' : 'Request',
      },
      'install',
    );
    created.push({ object, time });
    time += 12;
  };
  ordered(plain.filter((object) => helmHooksOf(object).length === 0)).forEach(create);
  push({ time, user: installer, verb: 'create', resource: 'secrets', namespace, name: `sh.helm.release.v1.${scenario.chart.release}.v1`, code: 201, level: 'Metadata' }, 'install');
  time += 800;
  ordered(hooks).forEach(create);

  // Controllers bring the workloads' pods up: the attacker's pod gets its deterministic name and IP.
  const podNames = new Map<KubeObject, string>();
  for (const { object, time: createdAt } of created) {
    if (!podTemplateOf(object) || object.kind === 'Pod' || object.kind === 'CronJob') continue;
    const isAttacker = object === attackerWorkload;
    const podName = isAttacker ? pod.name : attackPod({ ...scenario, attacker: { ...scenario.attacker, kind: object.kind, name: object.metadata.name ?? 'x' } }, namespace, object).name;
    podNames.set(object, podName);
    let at = createdAt + 250;
    if (object.kind === 'Deployment') {
      const replicaSet = podName.split('-').slice(0, -1).join('-');
      push({ time: at, user: controllerUser('deployment-controller'), verb: 'create', resource: 'replicasets', apiGroup: 'apps', namespace, name: replicaSet, code: 201, level: 'Metadata', userAgent: 'kube-controller-manager/v1.31.0' }, 'install');
      at += 200;
    }
    const owner = object.kind === 'Deployment' ? 'replicaset-controller' : CONTROLLER_OF[object.kind] ?? 'replicaset-controller';
    const podObject = podFromTemplate(object, podName, namespace);
    push({ time: at, user: controllerUser(owner), verb: 'create', resource: 'pods', namespace, name: podName, code: 201, requestObject: podObject, responseObject: { apiVersion: 'v1', kind: 'Pod', metadata: { name: podName, namespace } }, level: 'RequestResponse', userAgent: 'kube-controller-manager/v1.31.0' }, 'install');
    push({ time: at + 150, user: SCHEDULER, verb: 'create', resource: 'pods', subresource: 'binding', namespace, name: podName, code: 201, level: 'Metadata', userAgent: 'kube-scheduler/v1.31.0' }, 'install');
    const account = serviceAccountOf(podTemplateOf(object)!.spec);
    const node = isAttacker ? pod.node : 'node-5';
    push({ time: at + 1400, user: { username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] }, verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace, name: account, code: 201, level: 'Metadata', userAgent: 'kubelet/v1.31.0', sourceIP: '10.0.0.23' }, 'install');
  }

  // The attacker's requests, as its ServiceAccount token (bound to its pod) makes them.
  const identity = serviceAccountIdentity(namespace, pod.serviceAccount);
  const attackerUser = {
    username: identity.name,
    uid: createHash('sha256').update(identity.name).digest('hex').slice(0, 36),
    groups: identity.groups,
    extra: { 'authentication.kubernetes.io/pod-name': [pod.name], 'authentication.kubernetes.io/pod-uid': [pod.uid], 'authentication.kubernetes.io/node-name': [pod.node] },
  };
  let lastAttack = time;
  const runs = new Map(input.runs.map((run) => [run.id, run]));
  for (const step of scenario.steps) {
    if (step.id === 'install') continue;
    const run = runs.get(step.id);
    if (!run?.ran) break;
    const stepStart = installAt + step.at;
    for (const request of step.requests) {
      expand(request).forEach(({ namespace: target, name }, index) => {
        const at = stepStart + request.after + index * request.every;
        const asInstaller = request.as === 'installer';
        const user = asInstaller ? installer : attackerUser;
        const ns = target === '{namespace}' ? namespace : target;
        // The installer is trusted to do what the scenario says; the attacker gets what RBAC gives it.
        const decision = asInstaller ? undefined : engine.can(identity, { verb: request.verb, apiGroup: request.apiGroup, resource: request.resource, subresource: request.subresource, namespace: ns ?? '', name: name ?? '' });
        const allowed = decision?.allowed ?? true;
        const via = decision?.reasons[0]?.binding;
        push(
          {
            time: at,
            user,
            verb: request.verb,
            resource: request.resource,
            apiGroup: request.apiGroup,
            namespace: ns,
            name,
            subresource: request.subresource,
            code: allowed ? 200 : 403,
            level: 'Metadata',
            sourceIP: asInstaller ? undefined : pod.ip,
            userAgent: asInstaller ? 'kubectl/v1.31.0 (linux/amd64)' : 'kubectl/v1.31.0 (linux/amd64) kubernetes/drill',
            query: request.verb === 'list' ? 'limit=500' : undefined,
            reason: via ? `RBAC: allowed by ${via.kind} "${via.name}"` : '',
          },
          step.id,
        );
        requests.push({ step: step.id, verb: request.verb, resource: request.resource, namespace: ns, name, allowed, time: at });
        lastAttack = Math.max(lastAttack, at);
      });
    }
    const channel = run.channel === undefined ? undefined : step.channels[run.channel];
    if (step.dns && channel?.to === 'cluster-dns') {
      const lines = exfiltrationQueries(step, stepStart, pod);
      lines.forEach((line, index) => dns.push({ ...line, id: `coredns.log:attack-${index + 1}`, attack: true, step: step.id }));
      lastAttack = Math.max(lastAttack, ...lines.map((line) => line.time));
    }
  }

  // Hooks with hook-succeeded are deleted once the hook Job is done: after the attack in it ran.
  const deleteAt = lastAttack + 2_000;
  for (const { object } of created) {
    if (!selfDeletingPolicies(object).includes('hook-succeeded')) continue;
    push({ time: deleteAt, user: installer, verb: 'delete', resource: resourceOf(object.apiVersion, object.kind), apiGroup: apiGroupOf(object.apiVersion), apiVersion: object.apiVersion.split('/').pop(), namespace: object.metadata.namespace, name: object.metadata.name, code: 200, level: 'Metadata' }, 'install');
  }

  const end = Math.max(lastAttack, deleteAt) + scenario.background.after;
  const background = backgroundTraffic(scenario, input.namespaces, start, end);
  const pods = [attackPodObject(pod, attackerWorkload), ...background.pods.map(backgroundPodObject)];
  return {
    start,
    end,
    installAt,
    audit: merge(audit, background.audit),
    dns: merge(dns, background.dns),
    pod,
    pods,
    requests,
  };
}

function expand(request: RequestSpec): { namespace?: string; name?: string }[] {
  return request.namespaces.flatMap((namespace) => request.names.map((name) => ({ namespace, name })));
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** The stolen data, base32 in labels of the step's length, one query each, through the pod's resolver. */
function exfiltrationQueries(step: StepSpec, at: number, pod: AttackPod): { time: number; text: string }[] {
  const dns = step.dns!;
  const random = seededRandom(dns.queries * 31 + dns.labelLength);
  const out: { time: number; text: string }[] = [];
  for (let i = 0; i < dns.queries; i++) {
    const label = Array.from({ length: dns.labelLength }, () => BASE32[Math.floor(random() * 32)]).join('');
    const time = at + i * dns.every;
    for (const text of resolverLookup(time, pod.ip, pod.namespace, `${label}.${dns.domain}`, { type: dns.type, rcode: 'NOERROR' })) out.push({ time: Date.parse(text.slice(0, 24)), text });
  }
  return out;
}

/** Ordinary traffic around the attack: the shared generator's audit events and CoreDNS lines. */
function backgroundTraffic(scenario: DrillScenario, namespaces: readonly string[], start: number, end: number): { audit: TimedLine[]; dns: TimedLine[]; pods: SyntheticPod[] } {
  const perSecond = scenario.background.auditEventsPerSecond;
  const audit: TimedLine[] = [];
  if (perSecond > 0) {
    const line = syntheticAuditLog({ start, eventsPerSecond: perSecond, namespaces, seed: 7 });
    const count = Math.floor(((end - start) / 1000) * perSecond);
    for (let i = 0; i < count; i++) {
      const text = line(i);
      audit.push({ time: start + Math.floor((i * 1000) / perSecond), text, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, attack: false });
    }
  }
  const pods: SyntheticPod[] = namespaces.slice(0, 20).map((namespace, index) => ({ namespace, name: `web-${index}-5f6d7c8b9-${hash(namespace, 5)}`, ip: `10.244.1.${10 + index}` }));
  const dns = syntheticDnsLog(start, end, { pods, lookupsPerSecond: scenario.background.dnsLookupsPerSecond, seed: 2 }).map((text, index) => ({ time: Date.parse(text.slice(0, 24)), text, id: `coredns.log:${index + 1}`, attack: false }));
  return { audit, dns, pods };
}

/** The attacking pod as `kubectl get pods -o json` shows it: for DNS attribution to pod, workload and ServiceAccount. */
function attackPodObject(pod: AttackPod, workload?: KubeObject): KubeObject {
  const deployment = pod.workload.kind === 'Deployment';
  const owner = deployment ? { kind: 'ReplicaSet', name: pod.name.split('-').slice(0, -1).join('-') } : pod.workload;
  const template = workload ? podTemplateOf(workload) : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: pod.namespace, name: pod.name, uid: pod.uid, labels: deployment ? { 'pod-template-hash': pod.name.split('-').slice(-2, -1)[0] } : {}, ownerReferences: [{ apiVersion: deployment ? 'apps/v1' : 'batch/v1', kind: owner.kind, name: owner.name, controller: true }] },
    spec: { ...(template?.spec ?? {}), serviceAccountName: pod.serviceAccount, nodeName: pod.node },
    status: { phase: 'Running', podIP: pod.ip, podIPs: [{ ip: pod.ip }] },
  };
}

function backgroundPodObject(pod: SyntheticPod): KubeObject {
  const replicaSet = pod.name.split('-').slice(0, -1).join('-');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: pod.namespace, name: pod.name, labels: { 'pod-template-hash': replicaSet.split('-').pop() ?? '' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: replicaSet, controller: true }] },
    spec: { serviceAccountName: 'default', containers: [{ name: 'web', image: 'registry.example/web:1' }] },
    status: { phase: 'Running', podIP: pod.ip, podIPs: [{ ip: pod.ip }] },
  };
}

function merge(attack: TimedLine[], background: TimedLine[]): TimedLine[] {
  return [...attack, ...background].sort((a, b) => a.time - b.time || Number(b.attack) - Number(a.attack));
}

/** The first name the exfiltration sends (the tabletop quotes it). */
export function sampleExfiltrationName(step: StepSpec): string | undefined {
  if (!step.dns) return undefined;
  const random = seededRandom(step.dns.queries * 31 + step.dns.labelLength);
  return `${Array.from({ length: step.dns.labelLength }, () => BASE32[Math.floor(random() * 32)]).join('')}.${step.dns.domain}`;
}

