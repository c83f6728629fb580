import type { Inventory } from '../core/inventory.js';
import { isRecord, nameOf, type KubeObject } from '../core/object.js';
import { mapSelectorMatches } from '../core/selector.js';
import { ConnectionSet } from './connections.js';
import type { Analysis, Connection } from './connlist.js';
import { addVirtualClass, namedPort, type PodClass, type PodVariant } from './peers.js';

/**
 * Traffic admitted through Ingress and OpenShift Route objects, as netpol-analyzer lists it: from
 * `{ingress-controller}` to the workloads behind the referenced Services, on the TCP ports the Services
 * forward to (ports the pods declare), as far as policies allow a pod without labels in a namespace of
 * its own (`ingress-controller-ns`) to reach them.
 */
export const INGRESS_CONTROLLER = '{ingress-controller}';
export const INGRESS_CONTROLLER_NAMESPACE = 'ingress-controller-ns';

/** A Service port: what clients call (`port`, `name`) and what the pods serve (`targetPort`, default `port`). */
export interface ServicePort {
  name?: string;
  port: number;
  targetPort: number | string;
  protocol: string;
}

export interface ServiceInfo {
  object: KubeObject;
  namespace: string;
  name: string;
  selector: Record<string, string>;
  ports: ServicePort[];
  type: string;
}

/** Services with a non-empty selector (one without selects no pods: its endpoints are managed by hand). */
export function servicesOf(inventory: Inventory): ServiceInfo[] {
  const services: ServiceInfo[] = [];
  for (const object of inventory.byKind('Service')) {
    const spec = isRecord(object.spec) ? object.spec : {};
    const selector = isRecord(spec.selector) ? (spec.selector as Record<string, string>) : {};
    if (Object.keys(selector).length === 0) continue;
    const ports: ServicePort[] = [];
    for (const entry of Array.isArray(spec.ports) ? spec.ports : []) {
      if (!isRecord(entry) || typeof entry.port !== 'number') continue;
      const target = typeof entry.targetPort === 'number' || (typeof entry.targetPort === 'string' && entry.targetPort !== '') ? entry.targetPort : entry.port;
      ports.push({ ...(typeof entry.name === 'string' && entry.name ? { name: entry.name } : {}), port: entry.port, targetPort: target, protocol: typeof entry.protocol === 'string' ? entry.protocol : 'TCP' });
    }
    services.push({ object, namespace: object.metadata.namespace ?? 'default', name: nameOf(object), selector, ports, type: typeof spec.type === 'string' ? spec.type : 'ClusterIP' });
  }
  return services;
}

/** The pod variants a Service selects: same namespace, every selector label present. */
export function selectedVariants(service: ServiceInfo, analysis: Analysis): PodVariant[] {
  return analysis.topology.workloads
    .filter((workload) => workload.namespace === service.namespace)
    .flatMap((workload) => workload.variants)
    .filter((variant) => mapSelectorMatches(service.selector, variant.labels));
}

export interface Backend {
  /** `Ingress ns/name` or `Route ns/name`, for warnings. */
  source: string;
  namespace: string;
  service: string;
  /** The Service port asked for, by number or name; undefined: every port of the Service. */
  port?: number | string;
}

export function backendsOf(inventory: Inventory): Backend[] {
  const backends: Backend[] = [];
  for (const ingress of inventory.byKind('Ingress')) {
    const spec = isRecord(ingress.spec) ? ingress.spec : {};
    const source = `Ingress ${ingress.metadata.namespace}/${nameOf(ingress)}`;
    const add = (backend: unknown) => {
      const service = isRecord(backend) && isRecord(backend.service) ? backend.service : undefined;
      if (!service || typeof service.name !== 'string') return;
      const port = isRecord(service.port) ? (typeof service.port.name === 'string' && service.port.name ? service.port.name : typeof service.port.number === 'number' ? service.port.number : undefined) : undefined;
      backends.push({ source, namespace: ingress.metadata.namespace ?? 'default', service: service.name, port });
    };
    add(spec.defaultBackend);
    for (const rule of Array.isArray(spec.rules) ? spec.rules : []) {
      const paths = isRecord(rule) && isRecord(rule.http) && Array.isArray(rule.http.paths) ? rule.http.paths : [];
      for (const path of paths) if (isRecord(path)) add(path.backend);
    }
  }
  for (const route of inventory.byKind('Route')) {
    const spec = isRecord(route.spec) ? route.spec : {};
    const source = `Route ${route.metadata.namespace}/${nameOf(route)}`;
    const target = isRecord(spec.port) ? spec.port.targetPort : undefined;
    const port = typeof target === 'number' || (typeof target === 'string' && target !== '') ? target : undefined;
    for (const to of [spec.to, ...(Array.isArray(spec.alternateBackends) ? spec.alternateBackends : [])]) {
      if (!isRecord(to) || typeof to.name !== 'string' || (to.kind !== undefined && to.kind !== 'Service')) continue;
      backends.push({ source, namespace: route.metadata.namespace ?? 'default', service: to.name, port });
    }
  }
  return backends;
}

/** The pod ports a Service port request reaches: the first Service port matching by name, port or targetPort, or all of them. */
function targetPorts(service: ServiceInfo, requested: number | string | undefined): (number | string)[] {
  if (requested === undefined) return service.ports.map((port) => port.targetPort);
  const match = service.ports.find((port) => (port.name !== undefined && port.name === requested) || port.port === requested || port.targetPort === requested);
  return match ? [match.targetPort] : [];
}

/** TCP ports of `podClass` that the targets resolve to and that its containers declare. */
function reachablePorts(podClass: PodClass, targets: (number | string)[]): ConnectionSet {
  let conns = ConnectionSet.NONE;
  for (const target of targets) {
    let number: number | undefined;
    if (typeof target === 'number') number = target;
    else {
      const port = namedPort(podClass, target);
      if (port?.protocol === 'TCP') number = port.port;
    }
    if (number !== undefined && podClass.ports.some((port) => port.port === number)) conns = conns.union(ConnectionSet.of('TCP', number));
  }
  return conns;
}

export function ingressControllerConnections(inventory: Inventory, analysis: Analysis): Connection[] {
  const backends = backendsOf(inventory);
  if (backends.length === 0) return [];
  const services = servicesOf(inventory);
  const controller = addVirtualClass(analysis.topology, 'ingress-controller', INGRESS_CONTROLLER_NAMESPACE, {});
  const byWorkload = new Map<string, { conn: ConnectionSet; sources: Set<string> }>();
  for (const backend of backends) {
    const service = services.find((candidate) => candidate.namespace === backend.namespace && candidate.name === backend.service);
    if (!service) {
      analysis.topology.warnings.push(`${backend.source}: Service ${backend.namespace}/${backend.service} not found (or it has no selector): ignored`);
      continue;
    }
    const targets = targetPorts(service, backend.port);
    for (const variant of selectedVariants(service, analysis)) {
      const podClass = analysis.topology.classes.find((candidate) => !candidate.virtual && candidate.variants.includes(variant));
      if (!podClass) continue;
      const wanted = reachablePorts(podClass, targets);
      const conn = wanted.intersect(analysis.analyzer.allowed({ type: 'pods', podClass: controller }, { type: 'pods', podClass }));
      const entry = byWorkload.get(variant.workload.id) ?? { conn: ConnectionSet.NONE, sources: new Set<string>() };
      entry.conn = entry.conn.union(conn);
      if (!wanted.isEmpty) entry.sources.add(backend.source);
      byWorkload.set(variant.workload.id, entry);
    }
  }
  const connections: Connection[] = [];
  for (const [workload, { conn, sources }] of byWorkload) {
    if (!conn.isEmpty) connections.push({ src: INGRESS_CONTROLLER, dst: workload, conn });
    else if (sources.size) analysis.topology.warnings.push(`${[...sources].join(', ')}: network policies block the ingress controller from ${workload}`);
  }
  return connections;
}
