import type { Inventory } from '../core/inventory.js';
import { isRecord, type KubeObject } from '../core/object.js';
import { containersOf } from '../core/workload.js';
import type { ServiceInfo, ServicePort } from './ingress.js';

/**
 * Which Services a workload calls, read from its configuration as np-guard's cluster-topology-analyzer
 * does: a Service's DNS name (`svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`, optionally
 * `:port`) in a container's env values, command, args, or the ConfigMap values its env draws from.
 * It is a heuristic, and `generate --from` is the way to declare what it cannot see.
 */

export interface ServiceReference {
  service: ServiceInfo;
  /** The Service ports asked for: the one named by `:port`, else all of them. */
  ports: ServicePort[];
  /** Where it was seen, for the generated policy's explanation. */
  where: string;
}

const HOST_AND_PORT = /[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:\d{1,5})?/gi;

/** Every string a workload's containers are configured with, labelled by where it came from. */
function configurationStrings(object: KubeObject, inventory: Inventory): { text: string; where: string }[] {
  const namespace = object.metadata.namespace;
  const strings: { text: string; where: string }[] = [];
  const configMap = (name: unknown) => (typeof name === 'string' ? inventory.get('ConfigMap', namespace, name) : undefined);
  for (const { container } of containersOf(object)) {
    const label = `container ${container.name ?? '?'}`;
    for (const field of ['command', 'args'] as const) {
      const list = container[field];
      if (Array.isArray(list)) for (const text of list) if (typeof text === 'string') strings.push({ text, where: `${label} ${field}` });
    }
    for (const entry of Array.isArray(container.env) ? container.env : []) {
      if (!isRecord(entry)) continue;
      if (typeof entry.value === 'string') strings.push({ text: entry.value, where: `${label} env ${String(entry.name)}` });
      const reference = isRecord(entry.valueFrom) && isRecord(entry.valueFrom.configMapKeyRef) ? entry.valueFrom.configMapKeyRef : undefined;
      const data = reference ? configMap(reference.name)?.data : undefined;
      if (reference && isRecord(data) && typeof data[reference.key as string] === 'string') {
        strings.push({ text: data[reference.key as string] as string, where: `ConfigMap ${String(reference.name)} key ${String(reference.key)}` });
      }
    }
    for (const source of Array.isArray(container.envFrom) ? container.envFrom : []) {
      const name = isRecord(source) && isRecord(source.configMapRef) ? source.configMapRef.name : undefined;
      const data = configMap(name)?.data;
      if (isRecord(data)) for (const [key, text] of Object.entries(data)) if (typeof text === 'string') strings.push({ text, where: `ConfigMap ${String(name)} key ${key}` });
    }
  }
  return strings;
}

/** The Services a workload object names in its configuration (never the Services that select the workload itself). */
export function serviceReferences(object: KubeObject, services: readonly ServiceInfo[], inventory: Inventory, selectsSelf: (service: ServiceInfo) => boolean): ServiceReference[] {
  const namespace = object.metadata.namespace ?? 'default';
  const found = new Map<ServiceInfo, ServiceReference>();
  for (const { text, where } of configurationStrings(object, inventory)) {
    for (const match of text.matchAll(HOST_AND_PORT)) {
      const [hostPart, portPart] = match[0].toLowerCase().split(':');
      const service = services.find((candidate) => hostNames(candidate, namespace).includes(hostPart));
      if (!service || selectsSelf(service)) continue;
      const port = portPart === undefined ? undefined : Number(portPart);
      const named = port === undefined ? undefined : service.ports.filter((candidate) => candidate.port === port);
      const ports = named?.length ? named : service.ports;
      const previous = found.get(service);
      if (!previous) found.set(service, { service, ports, where });
      else previous.ports = [...new Set([...previous.ports, ...ports])];
    }
  }
  return [...found.values()];
}

/** How a client in `namespace` may name the Service. */
function hostNames(service: ServiceInfo, namespace: string): string[] {
  const qualified = [`${service.name}.${service.namespace}`, `${service.name}.${service.namespace}.svc`, `${service.name}.${service.namespace}.svc.cluster.local`];
  return service.namespace === namespace ? [service.name, ...qualified] : qualified;
}
