/**
 * NetworkPolicy objects read with the NetworkPolicy engine's own model (`parseNetworkPolicy`: the API
 * server's defaulting and validation, peers as address sets, ports per protocol), shared by the rules
 * that judge a policy on its own. Invalid policies are `netpol-invalid-policy`'s.
 */
import type { KubeObject } from '../../core/object.js';
import { jobLabels } from '../../netpol/peers.js';
import { parseNetworkPolicy, type NetworkPolicyModel, type PolicyPeer, type PolicyPort, type PolicyRule } from '../../netpol/policy.js';
import { IPV4_ALL, parseAddress } from '../../netpol/ip.js';
import { nameOf } from '../../core/object.js';
import { podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import type { RuleContext } from '../rule.js';

export function networkPolicyOf(object: KubeObject, context: RuleContext): NetworkPolicyModel | undefined {
  const cache = context.shared('network-policy-models', () => new WeakMap<KubeObject, NetworkPolicyModel | null>());
  let model = cache.get(object);
  if (model === undefined) {
    model = parseNetworkPolicy(object).model ?? null;
    cache.set(object, model);
  }
  return model ?? undefined;
}

/** The labels of every pod template in a namespace, as a policy's podSelector sees them (Jobs add their own). */
export function podLabelsIn(namespace: string, context: RuleContext): Record<string, string>[] {
  const byNamespace = context.shared('pod-labels-by-namespace', () => {
    const map = new Map<string, Record<string, string>[]>();
    for (const object of context.inventory.byKind(...WORKLOAD_KINDS)) {
      const template = podTemplateOf(object);
      if (!template) continue;
      const key = object.metadata.namespace ?? 'default';
      const list = map.get(key) ?? [];
      list.push({ ...(object.kind === 'Job' ? jobLabels(nameOf(object)) : {}), ...(template.metadata.labels ?? {}) });
      map.set(key, list);
    }
    return map;
  });
  return byNamespace.get(namespace) ?? [];
}

/** A peer list that is every pod of every namespace: `{namespaceSelector: {}}` without a narrowing podSelector. */
function allPods(peers: readonly PolicyPeer[]): boolean {
  return peers.some(
    (peer) =>
      peer.type === 'pods' &&
      peer.namespaceSelector !== undefined &&
      Object.keys(peer.namespaceSelector.matchLabels ?? {}).length === 0 &&
      (peer.namespaceSelector.matchExpressions ?? []).length === 0 &&
      (peer.podSelector === undefined || (Object.keys(peer.podSelector.matchLabels ?? {}).length === 0 && (peer.podSelector.matchExpressions ?? []).length === 0)),
  );
}

/** Every IPv4 address outside the cluster. */
function anyAddress(peers: readonly PolicyPeer[]): boolean {
  let union = undefined as ReturnType<typeof IPV4_ALL.union> | undefined;
  for (const peer of peers) if (peer.type === 'ipBlock') union = union ? union.union(peer.addresses) : peer.addresses;
  return union !== undefined && union.intersect(IPV4_ALL).equals(IPV4_ALL);
}

/** A rule that allows every peer (in the cluster and out) on every port: `{}`, or every pod plus every address. */
export function allowsEverything(rule: PolicyRule): boolean {
  if (rule.ports !== undefined) return false;
  return rule.peers === undefined || (allPods(rule.peers) && anyAddress(rule.peers));
}

/** Whether a rule's ports allow TCP `port` to an address outside the cluster (named ports only name pods' ports). */
export function allowsTcpPort(ports: readonly PolicyPort[] | undefined, port: number): boolean {
  if (ports === undefined) return true;
  return ports.some((entry) => entry.protocol === 'TCP' && (entry.port === undefined || (typeof entry.port === 'number' && entry.port <= port && port <= (entry.endPort ?? entry.port))));
}

/** Whether a rule's destinations include an address outside the cluster. */
export function reachesAddress(peers: readonly PolicyPeer[] | undefined, address: string): boolean {
  if (peers === undefined) return true;
  const value = parseAddress(address);
  return value !== undefined && peers.some((peer) => peer.type === 'ipBlock' && peer.addresses.contains(value));
}

/** Whether a rule's destinations include any address outside the cluster (nodes among them). */
export function reachesOutside(peers: readonly PolicyPeer[] | undefined): boolean {
  return peers === undefined || peers.some((peer) => peer.type === 'ipBlock' && !peer.addresses.isEmpty);
}
