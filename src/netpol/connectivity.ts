import type { LabelSelector } from '../core/selector.js';
import { selectorMatches } from '../core/selector.js';
import type { AdminPolicyModel, AdminRule, AdminSelection } from './anp.js';
import { referencedNetworks } from './anp.js';
import { ConnectionSet, type Protocol } from './connections.js';
import { familyOf, IPV4_ALL, IPV6_ALL } from './ip.js';
import { namedPort, namespaceOf, splitAddressSpace, type ExternalRange, type PodClass, type Topology } from './peers.js';
import type { Policies } from './policies.js';
import { referencedRanges, type Direction, type NetworkPolicyModel, type PolicyPeer, type PolicyRule } from './policy.js';

/**
 * Which connections policies allow between two peers. A connection needs egress allowed at its source
 * and ingress allowed at its destination. Each direction is decided tier by tier, per port:
 * AdminNetworkPolicies (by priority, first matching rule: Allow and Deny are final, Pass goes on),
 * then NetworkPolicies (if any selects the pod in that direction, the union of their rules is all it
 * may do), then the BaselineAdminNetworkPolicy (first matching rule), then allow.
 */

/** The choices where Kubernetes leaves behaviour to the network plugin: each a flag, each shown in the output. */
export interface AnalysisOptions {
  /**
   * Do ipBlocks (and ANP `networks`) also match pods, by the IPs a cluster dump records in
   * `status.podIPs`? Default false: they match addresses outside the cluster only, as netpol-analyzer
   * and Cilium do (upstream e2e tests and Calico also match pod IPs).
   */
  ipBlockMatchesPods?: boolean;
  /**
   * `pod` (default, netpol-analyzer): hostNetwork pods are selected and matched like any pod.
   * `node`: a hostNetwork pod is its node, which policies neither isolate nor select, and Kubernetes
   * always allows traffic between a pod and its own node: its connections are unrestricted.
   */
  hostNetwork?: 'pod' | 'node';
  /**
   * Analyse IPv6 addresses too. Default false, as netpol-analyzer: the address space is IPv4, and IPv6
   * CIDRs in policies (which can never match an IPv4 address) are left out with a warning.
   */
  ipv6?: boolean;
  /**
   * Traffic between a pod and its own node (kubelet probes). `allowed` (default): always allowed, as
   * Kubernetes documents it. `policy`: judged by policies like traffic from the node's address, which
   * `nodeCidr` names (default: an unknown address, matched only by rules open to every address), as
   * CNIs with a host firewall may do. It is never listed by connlist; `reach` answers for `node`.
   */
  nodeTraffic?: 'allowed' | 'policy';
  nodeCidr?: string;
}

export type ResolvedOptions = Required<Omit<AnalysisOptions, 'nodeCidr'>> & { nodeCidr?: string };

export function resolveOptions(options: AnalysisOptions = {}): ResolvedOptions {
  return {
    ipBlockMatchesPods: options.ipBlockMatchesPods ?? false,
    hostNetwork: options.hostNetwork ?? 'pod',
    ipv6: options.ipv6 ?? false,
    nodeTraffic: options.nodeTraffic ?? 'allowed',
    ...(options.nodeCidr ? { nodeCidr: options.nodeCidr } : {}),
  };
}

/** The assumptions in words, for every output that should say what it assumed. */
export function describeOptions(options: ResolvedOptions): Record<string, string> {
  return {
    ipBlocks: options.ipBlockMatchesPods ? 'match external addresses and pod IPs (--ipblock-matches-pods)' : 'match external addresses only, not pod IPs (default)',
    addresses: options.ipv6 ? 'IPv4 and IPv6 (--ipv6)' : 'IPv4 only (default; --ipv6 adds IPv6)',
    hostNetwork: options.hostNetwork === 'node' ? 'hostNetwork pods are their node: never isolated or selected (--host-network node)' : 'hostNetwork pods are treated as pods (--host-network pod, default)',
    nodeTraffic:
      options.nodeTraffic === 'policy'
        ? `traffic between a pod and its node is judged by policies, the node being ${options.nodeCidr ?? 'an unknown address'} (--node-traffic policy); not listed`
        : 'traffic between a pod and its own node is always allowed (--node-traffic allowed, default); not listed',
  };
}

export type Endpoint = { type: 'pods'; podClass: PodClass } | { type: 'external'; range: ExternalRange };

/** Why one direction of one connection is allowed or denied, for `netpol reach`. */
export interface DirectionVerdict {
  direction: Direction;
  allowed: boolean;
  reasons: string[];
}

interface AdminOutcome {
  allow: ConnectionSet;
  deny: ConnectionSet;
  pass: ConnectionSet;
}

type AdminVisitor = (policy: AdminPolicyModel, rule: AdminRule, fresh: ConnectionSet) => void;
type RuleVisitor = (policy: NetworkPolicyModel, rule: PolicyRule, conns: ConnectionSet) => void;

export class Analyzer {
  readonly options: ResolvedOptions;
  /** Address ranges as sources (cut at ingress ipBlocks) and as destinations (cut at egress ipBlocks and networks). */
  readonly sourceRanges: ExternalRange[];
  readonly destinationRanges: ExternalRange[];
  /** Every address range egress rules name: where any finer cut of the space must also cut (coverage.ts). */
  readonly egressRanges: [bigint, bigint][];
  private readonly warningSet = new Set<string>();
  private readonly podMatches = new WeakMap<LabelSelector, Map<number, boolean>>();
  private readonly namespaceMatches = new WeakMap<LabelSelector, Map<string, boolean>>();
  private readonly selecting: Record<Direction, Map<number, NetworkPolicyModel[]>> = { ingress: new Map(), egress: new Map() };
  private readonly fixedPorts = new WeakMap<object, ConnectionSet>();

  constructor(
    readonly topology: Topology,
    readonly policies: Policies,
    options: AnalysisOptions = {},
  ) {
    this.options = resolveOptions(options);
    const ingressRanges = policies.networkPolicies.flatMap((policy) => referencedRanges(policy.rules.ingress));
    const admins = policies.baseline ? [...policies.admin, policies.baseline] : policies.admin;
    const egressRanges = [...policies.networkPolicies.flatMap((policy) => referencedRanges(policy.rules.egress)), ...referencedNetworks(admins)];
    this.egressRanges = egressRanges;
    const universe = [...IPV4_ALL.intervals(), ...(this.options.ipv6 ? IPV6_ALL.intervals() : [])];
    if (!this.options.ipv6 && [...ingressRanges, ...egressRanges].some(([start]) => familyOf(start) === 6)) {
      this.warningSet.add('policies name IPv6 ranges: only IPv4 addresses are analysed (pass --ipv6 for both)');
    }
    this.sourceRanges = splitAddressSpace(universe, ingressRanges.filter(([start]) => this.options.ipv6 || familyOf(start) === 4));
    this.destinationRanges = splitAddressSpace(universe, egressRanges.filter(([start]) => this.options.ipv6 || familyOf(start) === 4));
  }

  get warnings(): string[] {
    return [...this.warningSet];
  }

  /** Everything `src` may open to `dst`. */
  allowed(src: Endpoint, dst: Endpoint): ConnectionSet {
    const egress = this.direction('egress', src, dst);
    if (egress.isEmpty) return egress;
    return egress.intersect(this.direction('ingress', src, dst));
  }

  /** What one direction allows: egress at `src` towards `dst`, or ingress at `dst` from `src`. */
  direction(direction: Direction, src: Endpoint, dst: Endpoint): ConnectionSet {
    const subject = direction === 'egress' ? src : dst;
    const peer = direction === 'egress' ? dst : src;
    if (subject.type === 'external' || this.unrestricted(subject, peer)) return ConnectionSet.ALL;
    const admin = this.adminTier(this.policies.admin, direction, subject.podClass, peer, dst);
    const decided = admin.allow.union(admin.deny);
    if (decided.isAll) return admin.allow;
    const rest = this.networkPolicyTier(direction, subject.podClass, peer, dst) ?? ConnectionSet.ALL.subtract(this.baselineTier(direction, subject.podClass, peer, dst).deny);
    return admin.allow.union(ConnectionSet.ALL.subtract(decided).intersect(rest));
  }

  /** With `--host-network node`, traffic of a hostNetwork pod is node traffic: no policy restricts it. */
  private unrestricted(subject: Endpoint, peer: Endpoint): boolean {
    if (this.options.hostNetwork !== 'node') return false;
    return (subject.type === 'pods' && subject.podClass.hostNetwork) || (peer.type === 'pods' && peer.podClass.hostNetwork);
  }

  /** The NetworkPolicies that select pods of this class and isolate them in this direction. */
  selectingPolicies(direction: Direction, podClass: PodClass): NetworkPolicyModel[] {
    let list = this.selecting[direction].get(podClass.index);
    if (!list) {
      list = (this.policies.byNamespace.get(podClass.namespace) ?? []).filter((policy) => policy.isolates[direction] && this.podSelected(policy.podSelector, podClass));
      this.selecting[direction].set(podClass.index, list);
    }
    return list;
  }

  /** The union of the rules of every NetworkPolicy isolating `subject`, or undefined when none does. */
  private networkPolicyTier(direction: Direction, subject: PodClass, peer: Endpoint, destination: Endpoint, visit?: RuleVisitor): ConnectionSet | undefined {
    const policies = this.selectingPolicies(direction, subject);
    if (policies.length === 0) return undefined;
    let allowed = ConnectionSet.NONE;
    for (const policy of policies) {
      for (const rule of policy.rules[direction]) {
        if (rule.peers && !rule.peers.some((rulePeer) => this.policyPeerMatches(policy, rulePeer, peer))) continue;
        const conns = this.ruleConnections(policy, rule, destination);
        visit?.(policy, rule, conns);
        allowed = allowed.union(conns);
        if (allowed.isAll && !visit) return allowed;
      }
    }
    return allowed;
  }

  /** A NetworkPolicy peer: pods by selectors (AND within the peer), or an ipBlock. */
  private policyPeerMatches(policy: NetworkPolicyModel, rulePeer: PolicyPeer, endpoint: Endpoint): boolean {
    if (rulePeer.type === 'ipBlock') {
      if (endpoint.type === 'external') return rulePeer.addresses.containsRange(endpoint.range.start, endpoint.range.end);
      return this.options.ipBlockMatchesPods && endpoint.podClass.ips.some((ip) => rulePeer.addresses.contains(ip));
    }
    if (endpoint.type !== 'pods') return false;
    const podClass = endpoint.podClass;
    const inNamespace = rulePeer.namespaceSelector ? this.namespaceSelected(rulePeer.namespaceSelector, podClass.namespace) : podClass.namespace === policy.namespace;
    return inNamespace && (!rulePeer.podSelector || this.podSelected(rulePeer.podSelector, podClass));
  }

  /**
   * A rule's ports, for traffic to `destination`: protocol defaults to TCP, a port without number is
   * the whole protocol, `endPort` closes a range, a name is looked up in the destination pod's
   * container ports and counts only with the same protocol. Names mean nothing for addresses.
   */
  private ruleConnections(policy: NetworkPolicyModel, rule: PolicyRule, destination: Endpoint): ConnectionSet {
    if (!rule.ports) return ConnectionSet.ALL;
    const fixed = this.fixedPorts.get(rule);
    if (fixed) return fixed;
    const ranges: { protocol: Protocol; start?: number; end?: number }[] = [];
    let conns = ConnectionSet.NONE;
    let named = false;
    for (const port of rule.ports) {
      if (port.port === undefined) ranges.push({ protocol: port.protocol });
      else if (typeof port.port === 'number') ranges.push({ protocol: port.protocol, start: port.port, end: port.endPort ?? port.port });
      else {
        named = true;
        conns = conns.union(this.resolveNamedPort(port.port, port.protocol, destination, `NetworkPolicy ${policy.namespace}/${policy.name}`));
      }
    }
    conns = conns.union(ConnectionSet.ofRanges(ranges));
    if (!named) this.fixedPorts.set(rule, conns);
    return conns;
  }

  private resolveNamedPort(name: string, protocol: Protocol | undefined, destination: Endpoint, owner: string): ConnectionSet {
    if (destination.type === 'external') {
      this.warningSet.add(`${owner}: named port "${name}" means nothing for IP addresses: skipped for them`);
      return ConnectionSet.NONE;
    }
    const port = namedPort(destination.podClass, name);
    if (!port || (protocol && port.protocol !== protocol)) return ConnectionSet.NONE;
    return ConnectionSet.of(port.protocol, port.port);
  }

  /** Admin tier: walk policies and rules in precedence order; a port is decided by the first rule that matches it. */
  private adminTier(policies: readonly AdminPolicyModel[], direction: Direction, subject: PodClass, peer: Endpoint, destination: Endpoint, visit?: AdminVisitor): AdminOutcome {
    const outcome: AdminOutcome = { allow: ConnectionSet.NONE, deny: ConnectionSet.NONE, pass: ConnectionSet.NONE };
    for (const policy of policies) {
      const rules = policy.rules[direction];
      if (rules.length === 0 || !this.adminSelects(policy.subject, { type: 'pods', podClass: subject }, policy)) continue;
      for (const rule of rules) {
        if (!rule.peers.some((rulePeer) => this.adminSelects(rulePeer, peer, policy))) continue;
        const fresh = this.adminRuleConnections(policy, rule, destination).subtract(outcome.allow).subtract(outcome.deny).subtract(outcome.pass);
        visit?.(policy, rule, fresh);
        if (fresh.isEmpty) continue;
        if (rule.action === 'Allow') outcome.allow = outcome.allow.union(fresh);
        else if (rule.action === 'Deny') outcome.deny = outcome.deny.union(fresh);
        else outcome.pass = outcome.pass.union(fresh);
      }
    }
    return outcome;
  }

  private baselineTier(direction: Direction, subject: PodClass, peer: Endpoint, destination: Endpoint, visit?: AdminVisitor): AdminOutcome {
    const baseline = this.policies.baseline;
    return this.adminTier(baseline ? [baseline] : [], direction, subject, peer, destination, visit);
  }

  private adminSelects(selection: AdminSelection, endpoint: Endpoint, policy: AdminPolicyModel): boolean {
    switch (selection.type) {
      case 'networks':
        if (endpoint.type === 'external') return selection.addresses.containsRange(endpoint.range.start, endpoint.range.end);
        return this.options.ipBlockMatchesPods && endpoint.podClass.ips.some((ip) => selection.addresses.contains(ip));
      case 'nodes':
        this.warningSet.add(`${policy.kind} ${policy.name}: "nodes" peers are not modelled offline: they match nothing`);
        return false;
      case 'namespaces':
        return endpoint.type === 'pods' && this.namespaceSelected(selection.namespaceSelector, endpoint.podClass.namespace);
      case 'pods':
        return endpoint.type === 'pods' && this.namespaceSelected(selection.namespaceSelector, endpoint.podClass.namespace) && this.podSelected(selection.podSelector, endpoint.podClass);
    }
  }

  private adminRuleConnections(policy: AdminPolicyModel, rule: AdminRule, destination: Endpoint): ConnectionSet {
    if (!rule.ports) return ConnectionSet.ALL;
    const ranges: { protocol: Protocol; start?: number; end?: number }[] = [];
    let conns = ConnectionSet.NONE;
    for (const port of rule.ports) {
      if (port.type === 'number') ranges.push({ protocol: port.protocol, start: port.port });
      else if (port.type === 'range') {
        if (port.start > port.end) this.warningSet.add(`${policy.kind} ${policy.name}, rule ${ruleLabel(rule)}: port range ${port.start}-${port.end} is empty: skipped`);
        else ranges.push({ protocol: port.protocol, start: port.start, end: port.end });
      }
      else conns = conns.union(this.resolveNamedPort(port.name, undefined, destination, `${policy.kind} ${policy.name}`));
    }
    return conns.union(ConnectionSet.ofRanges(ranges));
  }

  private podSelected(selector: LabelSelector, podClass: PodClass): boolean {
    return memoized(this.podMatches, selector, podClass.index, () => selectorMatches(selector, podClass.labels));
  }

  private namespaceSelected(selector: LabelSelector, namespace: string): boolean {
    return memoized(this.namespaceMatches, selector, namespace, () => selectorMatches(selector, namespaceOf(this.topology, namespace).labels));
  }

  /** Why one port of one protocol is allowed or denied in each direction: the tier and the policy and rule that decide. */
  explain(src: Endpoint, dst: Endpoint, protocol: Protocol, port: number): DirectionVerdict[] {
    return (['egress', 'ingress'] as const).map((direction) => this.explainDirection(direction, src, dst, protocol, port));
  }

  private explainDirection(direction: Direction, src: Endpoint, dst: Endpoint, protocol: Protocol, port: number): DirectionVerdict {
    const subject = direction === 'egress' ? src : dst;
    const peer = direction === 'egress' ? dst : src;
    const verdict = (allowed: boolean, ...reasons: string[]): DirectionVerdict => ({ direction, allowed, reasons });
    if (subject.type === 'external') return verdict(true, 'no policy applies to addresses outside the cluster');
    if (this.unrestricted(subject, peer)) return verdict(true, 'a hostNetwork pod is its node (--host-network node): node traffic is never restricted by policies');
    const notes: string[] = [];
    let decision: DirectionVerdict | undefined;
    this.adminTier(this.policies.admin, direction, subject.podClass, peer, dst, (policy, rule, fresh) => {
      if (decision || !fresh.contains(protocol, port)) return;
      const where = `AdminNetworkPolicy ${policy.name} (priority ${policy.priority}), ${direction} rule ${ruleLabel(rule)}`;
      if (rule.action === 'Pass') notes.push(`passed on by ${where}`);
      else decision = verdict(rule.action === 'Allow', `${rule.action === 'Allow' ? 'allowed' : 'denied'} by ${where}`);
    });
    if (decision) return decision;
    const allowing: string[] = [];
    const networkPolicies = this.networkPolicyTier(direction, subject.podClass, peer, dst, (policy, rule, conns) => {
      if (conns.contains(protocol, port)) allowing.push(`NetworkPolicy ${policy.namespace}/${policy.name} ${direction} rule #${rule.index + 1}`);
    });
    if (networkPolicies !== undefined) {
      if (allowing.length) return verdict(true, ...notes, ...allowing.map((reason) => `allowed by ${reason}`));
      const names = this.selectingPolicies(direction, subject.podClass).map((policy) => `${policy.namespace}/${policy.name}`);
      return verdict(false, ...notes, `denied: isolated for ${direction} by NetworkPolicy ${names.join(', ')}, and no rule of them allows it`);
    }
    this.baselineTier(direction, subject.podClass, peer, dst, (policy, rule, fresh) => {
      if (decision || !fresh.contains(protocol, port)) return;
      decision = verdict(rule.action === 'Allow', ...notes, `${rule.action === 'Allow' ? 'allowed' : 'denied'} by BaselineAdminNetworkPolicy ${policy.name}, ${direction} rule ${ruleLabel(rule)}`);
    });
    return decision ?? verdict(true, ...notes, `allowed: no NetworkPolicy isolates it for ${direction}${this.policies.baseline ? ' and no BaselineAdminNetworkPolicy rule matches' : ''}`);
  }
}

/** A selector's verdict on a pod class or namespace, computed once: policies share selectors across thousands of pairs. */
function memoized<K>(caches: WeakMap<LabelSelector, Map<K, boolean>>, selector: LabelSelector, key: K, compute: () => boolean): boolean {
  let cache = caches.get(selector);
  if (!cache) caches.set(selector, (cache = new Map()));
  let result = cache.get(key);
  if (result === undefined) cache.set(key, (result = compute()));
  return result;
}

function ruleLabel(rule: AdminRule): string {
  return rule.name ? `"${rule.name}"` : `#${rule.index + 1}`;
}
