import type { Inventory } from '../core/inventory.js';
import { isRecord, labelsOf, nameOf, type KubeObject } from '../core/object.js';
import { compareStrings } from '../core/order.js';
import { selectorMatches, type LabelSelector } from '../core/selector.js';
import { containersOf, controllerOf, podTemplateOf, WORKLOAD_KINDS } from '../core/workload.js';
import { isProtocol, type Protocol } from './connections.js';
import { formatRange, parseAddress } from './ip.js';

/**
 * The peers of the analysis. Workloads are named as netpol-analyzer names them: a Pod with a
 * controlling owner is shown as that owner (`ns/owner[ReplicaSet]`, replicas collapse into one peer),
 * any other workload object as itself (`ns/web[Deployment]`). Workloads whose pods look the same to
 * every policy (same namespace, same verdict from every selector, same named ports, hostNetwork and
 * known IPs: see PolicySignature) form one equivalence class, and the engine evaluates classes, not
 * workloads, so thousands of pods stay cheap.
 */

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

export interface Namespace {
  name: string;
  /** With `kubernetes.io/metadata.name`, which the API server sets on every namespace. */
  labels: Record<string, string>;
  object?: KubeObject;
}

/** What a policy can see of a pod. Pods of one owner with different labels make several variants. */
export interface PodVariant {
  workload: Workload;
  labels: Record<string, string>;
  ports: ContainerPort[];
  hostNetwork: boolean;
  /** `status.podIPs` of Pods from a cluster dump, in the unified IP space (ip.ts). */
  ips: bigint[];
}

export interface Workload {
  /** `ns/name[Kind]`. */
  id: string;
  namespace: string;
  name: string;
  kind: string;
  /** The objects it was read from: the workload object, or the owner's Pods. */
  objects: KubeObject[];
  variants: PodVariant[];
}

export interface PodClass {
  index: number;
  namespace: string;
  labels: Record<string, string>;
  ports: ContainerPort[];
  hostNetwork: boolean;
  ips: bigint[];
  variants: PodVariant[];
  /** Stands for pods that are not in the inventory (the ingress controller, cluster DNS): never listed. */
  virtual?: string;
}

export interface Topology {
  namespaces: Map<string, Namespace>;
  workloads: Workload[];
  classes: PodClass[];
  warnings: string[];
}

/** The namespace as policies see it; one the inventory does not declare has only its name label. */
export function namespaceOf(topology: Topology, name: string): Namespace {
  let namespace = topology.namespaces.get(name);
  if (!namespace) {
    namespace = { name, labels: { [NAMESPACE_NAME_LABEL]: name } };
    topology.namespaces.set(name, namespace);
  }
  return namespace;
}

/**
 * What policies can tell apart. Two pods in one namespace that every selector matches alike, whose
 * named ports resolve alike, are the same to the engine: one class. Without a signature, classes
 * group pods of identical labels and ports.
 */
export interface PolicySignature {
  podSelectors: LabelSelector[];
  portNames: string[];
  /** Keep declared ports apart too (the ingress-controller analysis reads them). */
  ports: boolean;
}

export interface TopologyOptions {
  /** Read `status.podIPs` (for --ipblock-matches-pods). */
  keepIps?: boolean;
  signature?: PolicySignature;
}

export function buildTopology(inventory: Inventory, options: TopologyOptions = {}): Topology {
  const topology: Topology = { namespaces: new Map(), workloads: [], classes: [], warnings: [] };
  for (const object of inventory.byKind('Namespace')) {
    const name = object.metadata.name;
    if (name) topology.namespaces.set(name, { name, labels: { ...labelsOf(object), [NAMESPACE_NAME_LABEL]: name }, object });
  }
  const byId = new Map<string, Workload>();
  for (const object of inventory.byKind(...WORKLOAD_KINDS)) {
    const template = podTemplateOf(object);
    if (!template) continue;
    const { id, namespace, kind, name } = workloadOf(object);
    let workload = byId.get(id);
    if (!workload) {
      workload = { id, namespace, name, kind, objects: [], variants: [] };
      byId.set(id, workload);
      topology.workloads.push(workload);
    }
    workload.objects.push(object);
    addVariant(workload, {
      workload,
      labels: { ...(object.kind === 'Job' ? jobLabels(nameOf(object)) : {}), ...(template.metadata.labels ?? {}) },
      ports: containerPortsOf(object),
      hostNetwork: template.spec.hostNetwork === true,
      ips: options.keepIps ? podIpsOf(object) : [],
    });
    namespaceOf(topology, namespace);
  }
  for (const workload of topology.workloads) {
    if (workload.variants.length > 1 && new Set(workload.variants.map((variant) => variantKey({ ...variant, ips: [] }, workload.namespace))).size > 1) {
      topology.warnings.push(`the pods of ${workload.id} differ in labels or ports: its connections are the union of what each variant may do`);
    }
  }
  groupIntoClasses(topology, options.signature);
  return topology;
}

/** The workload an object with a pod template belongs to: its controller for a controlled Pod, else itself; `id` is `ns/name[Kind]`. */
function workloadOf(object: KubeObject): { id: string; namespace: string; kind: string; name: string } {
  const namespace = object.metadata.namespace ?? 'default';
  const owner = object.kind === 'Pod' ? controllingOwner(object) : undefined;
  const kind = owner?.kind ?? object.kind;
  const name = owner?.name ?? nameOf(object);
  return { id: `${namespace}/${name}[${kind}]`, namespace, kind, name };
}

/**
 * Whether some workload of the topology would be read from several objects (a controller's Pods, or
 * the same name twice): only such a workload has pod variants to compare, so only then can the
 * topology warn. Asks for nothing but the workloads' ids.
 */
export function hasWorkloadOfSeveralObjects(inventory: Inventory): boolean {
  const ids = new Set<string>();
  for (const object of inventory.byKind(...WORKLOAD_KINDS)) {
    if (!podTemplateOf(object)) continue;
    const { id } = workloadOf(object);
    if (ids.has(id)) return true;
    ids.add(id);
  }
  return false;
}

/** The labels the Job controller gives every pod of a Job (both keys since Kubernetes 1.27), so policies may select by them. */
export function jobLabels(name: string): Record<string, string> {
  return { 'batch.kubernetes.io/job-name': name, 'job-name': name };
}

/**
 * The first owner reference with `controller: true`, as netpol-analyzer reads it: Nodes (static pods)
 * do not count, and an owner without a kind is shown as `[Pod]`.
 */
function controllingOwner(pod: KubeObject): { kind: string; name: string } | undefined {
  const owner = controllerOf(pod);
  if (!owner || owner.kind === 'Node') return undefined;
  return { kind: owner.kind || 'Pod', name: owner.name };
}

/**
 * The ports a pod serves: those of its containers and native sidecars (init containers with
 * `restartPolicy: Always`, which keep running). Protocol defaults to TCP as the API server's does.
 */
function containerPortsOf(object: KubeObject): ContainerPort[] {
  const ports: ContainerPort[] = [];
  for (const { container, kind } of containersOf(object)) {
    if (kind !== 'container' && kind !== 'sidecar') continue;
    for (const entry of Array.isArray(container.ports) ? container.ports : []) {
      if (!isRecord(entry) || typeof entry.containerPort !== 'number') continue;
      const protocol = entry.protocol === undefined ? 'TCP' : entry.protocol;
      if (!isProtocol(protocol)) continue;
      // Built whole, not spread from a conditional object: this runs for every container of a cluster.
      ports.push(typeof entry.name === 'string' && entry.name ? { name: entry.name, port: entry.containerPort, protocol } : { port: entry.containerPort, protocol });
    }
  }
  return ports;
}

function podIpsOf(object: KubeObject): bigint[] {
  if (object.kind !== 'Pod' || !isRecord(object.status)) return [];
  const texts = new Set<string>();
  if (typeof object.status.podIP === 'string') texts.add(object.status.podIP);
  for (const entry of Array.isArray(object.status.podIPs) ? object.status.podIPs : []) if (isRecord(entry) && typeof entry.ip === 'string') texts.add(entry.ip);
  return [...texts].map(parseAddress).filter((ip): ip is bigint => ip !== undefined);
}

function variantKey(variant: Omit<PodVariant, 'workload'>, namespace: string): string {
  const labels = Object.entries(variant.labels).sort(([a], [b]) => compareStrings(a, b));
  const ports = variant.ports.map((port) => `${port.name ?? ''}:${port.port}/${port.protocol}`).sort();
  return JSON.stringify([namespace, labels, ports, variant.hostNetwork, variant.ips.map(String)]);
}

function addVariant(workload: Workload, variant: PodVariant): void {
  // Most workloads are one object with one variant: no key to compare.
  if (workload.variants.length > 0) {
    const key = variantKey(variant, workload.namespace);
    if (workload.variants.some((existing) => variantKey(existing, workload.namespace) === key)) return;
  }
  workload.variants.push(variant);
}

function classKey(variant: PodVariant, namespace: string, signature: PolicySignature | undefined): string {
  if (!signature) return variantKey(variant, namespace);
  const selected = signature.podSelectors.map((selector) => (selectorMatches(selector, variant.labels) ? '1' : '0')).join('');
  const named = signature.portNames.map((name) => {
    const port = variant.ports.find((candidate) => candidate.name === name);
    return port ? `${port.port}/${port.protocol}` : '';
  });
  const ports = signature.ports ? variant.ports.map((port) => `${port.name ?? ''}:${port.port}/${port.protocol}`).sort() : [];
  return JSON.stringify([namespace, selected, named, ports, variant.hostNetwork, variant.ips.map(String)]);
}

function groupIntoClasses(topology: Topology, signature: PolicySignature | undefined): void {
  const byKey = new Map<string, PodClass>();
  for (const workload of topology.workloads) {
    for (const variant of workload.variants) {
      const key = classKey(variant, workload.namespace, signature);
      let podClass = byKey.get(key);
      if (!podClass) {
        podClass = { index: topology.classes.length, namespace: workload.namespace, labels: variant.labels, ports: variant.ports, hostNetwork: variant.hostNetwork, ips: variant.ips, variants: [] };
        byKey.set(key, podClass);
        topology.classes.push(podClass);
      }
      podClass.variants.push(variant);
    }
  }
}

/** A class for pods the inventory does not hold, used for one question (the ingress controller, cluster DNS). */
export function addVirtualClass(topology: Topology, role: string, namespace: string, labels: Record<string, string>, ports: ContainerPort[] = []): PodClass {
  namespaceOf(topology, namespace);
  const podClass: PodClass = { index: topology.classes.length, namespace, labels, ports, hostNetwork: false, ips: [], variants: [], virtual: role };
  topology.classes.push(podClass);
  return podClass;
}

/** The port a name stands for on a pod: the first container port with that name. */
export function namedPort(podClass: PodClass, name: string): ContainerPort | undefined {
  return podClass.ports.find((port) => port.name === name);
}

/** A contiguous range of addresses outside the cluster. */
export interface ExternalRange {
  start: bigint;
  end: bigint;
}

/** `a.b.c.d-e.f.g.h[External]`. */
export function externalId(range: ExternalRange): string {
  return `${formatRange(range.start, range.end)}[External]`;
}

/**
 * The address space cut at every boundary of the ranges policies name, as netpol-analyzer does: each
 * piece is either wholly inside or wholly outside every ipBlock, so one evaluation per piece is exact.
 */
export function splitAddressSpace(universe: Iterable<[bigint, bigint]>, referenced: Iterable<[bigint, bigint]>): ExternalRange[] {
  const cuts: bigint[] = [];
  for (const [start, end] of referenced) cuts.push(start, end + 1n);
  cuts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pieces: ExternalRange[] = [];
  for (const [start, end] of universe) {
    let from = start;
    for (const cut of cuts) {
      if (cut <= from) continue;
      if (cut > end) break;
      pieces.push({ start: from, end: cut - 1n });
      from = cut;
    }
    pieces.push({ start: from, end });
  }
  return pieces;
}
