import { isRecord, nameOf, type KubeObject } from '../core/object.js';
import type { PathSegment } from '../core/provenance.js';
import type { LabelSelector } from '../core/selector.js';
import type { Protocol } from './connections.js';
import { IntervalSet } from './intervals.js';
import { cidrSet, IP_DOMAIN, parseCidr, type IpSet } from './ip.js';
import { isPortNumber, listAt, portNameError, protocolAt, selectorAt, selectorProblems, type PolicyProblem } from './validation.js';

/**
 * NetworkPolicy (networking.k8s.io/v1) read into the shape the engine evaluates, with the API
 * server's defaulting applied (protocol TCP, policyTypes) and its validation: a policy the API server
 * would reject comes back with problems and no model, and is left out of the analysis.
 */

export type Direction = 'ingress' | 'egress';
export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

/** One element of `from`/`to`. */
export type PolicyPeer =
  /** Pods: in the namespaces `namespaceSelector` matches (absent: the policy's own), matching `podSelector` (absent: all). */
  | { type: 'pods'; namespaceSelector?: LabelSelector; podSelector?: LabelSelector }
  /** Addresses: `cidr` minus every `except`. */
  | { type: 'ipBlock'; cidr: string; except: string[]; addresses: IpSet };

/** One entry of `ports`: a protocol and, unless every port of it, a number (with `endPort`) or a name. */
export interface PolicyPort {
  protocol: Protocol;
  port?: number | string;
  endPort?: number;
}

export interface PolicyRule {
  direction: Direction;
  /** 0-based position in `ingress`/`egress`; reports say "rule #index+1" as netpol-analyzer does. */
  index: number;
  /** Undefined when `from`/`to` is absent or empty: every peer, in the cluster or not. */
  peers?: PolicyPeer[];
  /** Undefined when `ports` is absent or empty: every port of every protocol. */
  ports?: PolicyPort[];
}

export interface NetworkPolicyModel {
  object: KubeObject;
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** Effective policyTypes: the direction isolates the selected pods. */
  isolates: Record<Direction, boolean>;
  rules: Record<Direction, PolicyRule[]>;
}

export interface Parsed<T> {
  model?: T;
  problems: PolicyProblem[];
}

export function parseNetworkPolicy(object: KubeObject): Parsed<NetworkPolicyModel> {
  const problems: PolicyProblem[] = [];
  const spec = isRecord(object.spec) ? object.spec : {};
  if (object.spec !== undefined && !isRecord(object.spec)) problems.push({ path: ['spec'], message: 'must be a mapping' });
  problems.push(...selectorProblems(spec.podSelector, ['spec', 'podSelector']));
  const rules: Record<Direction, PolicyRule[]> = { ingress: [], egress: [] };
  for (const direction of ['ingress', 'egress'] as const) {
    listAt(spec[direction], ['spec', direction], problems).forEach((rule, index) => {
      rules[direction].push(parseRule(rule, direction, index, ['spec', direction, index], problems));
    });
  }
  const isolates = policyTypesOf(spec, rules.egress.length, problems);
  if (problems.length) return { problems };
  return {
    model: {
      object,
      namespace: object.metadata.namespace ?? 'default',
      name: nameOf(object),
      podSelector: selectorAt(spec.podSelector) ?? {},
      isolates,
      rules,
    },
    problems,
  };
}

/**
 * `policyTypes` as defaulted by the API server (pkg/apis/networking/v1/defaults.go): when absent or
 * empty, Ingress always, plus Egress only when the policy has at least one egress rule (`egress: []`
 * does not count). Explicit types are taken as written: `[Ingress]` ignores egress rules.
 */
function policyTypesOf(spec: Record<string, unknown>, egressRules: number, problems: PolicyProblem[]): Record<Direction, boolean> {
  const types = listAt(spec.policyTypes, ['spec', 'policyTypes'], problems);
  if (types.length === 0) return { ingress: true, egress: egressRules > 0 };
  if (types.length > 2) problems.push({ path: ['spec', 'policyTypes'], message: 'may not specify more than two policyTypes' });
  types.forEach((type, index) => {
    if (type !== 'Ingress' && type !== 'Egress') problems.push({ path: ['spec', 'policyTypes', index], message: `"${String(type)}" is not a policy type (Ingress or Egress)` });
  });
  return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
}

function parseRule(value: unknown, direction: Direction, index: number, path: PathSegment[], problems: PolicyProblem[]): PolicyRule {
  const rule: PolicyRule = { direction, index };
  if (!isRecord(value)) {
    problems.push({ path, message: 'must be a mapping' });
    return rule;
  }
  const peerField = direction === 'ingress' ? 'from' : 'to';
  const peers = listAt(value[peerField], [...path, peerField], problems).map((peer, peerIndex) => parsePeer(peer, [...path, peerField, peerIndex], problems));
  const ports = listAt(value.ports, [...path, 'ports'], problems).map((port, portIndex) => parsePort(port, [...path, 'ports', portIndex], problems));
  if (peers.length) rule.peers = peers.filter((peer): peer is PolicyPeer => peer !== undefined);
  if (ports.length) rule.ports = ports;
  return rule;
}

/** ValidateNetworkPolicyPeer: exactly one of ipBlock or selectors; selectors may be combined (AND). */
function parsePeer(value: unknown, path: PathSegment[], problems: PolicyProblem[]): PolicyPeer | undefined {
  if (!isRecord(value)) {
    problems.push({ path, message: 'must be a mapping' });
    return undefined;
  }
  const podSelector = selectorAt(value.podSelector);
  const namespaceSelector = selectorAt(value.namespaceSelector);
  const hasIpBlock = value.ipBlock !== undefined && value.ipBlock !== null;
  problems.push(...selectorProblems(value.podSelector, [...path, 'podSelector']), ...selectorProblems(value.namespaceSelector, [...path, 'namespaceSelector']));
  const count = (podSelector ? 1 : 0) + (namespaceSelector ? 1 : 0) + (hasIpBlock ? 1 : 0);
  if (count === 0) {
    problems.push({ path, message: 'must specify a peer (podSelector, namespaceSelector or ipBlock)' });
    return undefined;
  }
  if (hasIpBlock && count > 1) {
    problems.push({ path, message: 'may not specify both ipBlock and another peer' });
    return undefined;
  }
  if (!hasIpBlock) return { type: 'pods', ...(namespaceSelector ? { namespaceSelector } : {}), ...(podSelector ? { podSelector } : {}) };
  return parseIpBlock(value.ipBlock, [...path, 'ipBlock'], problems);
}

/** ValidateIPBlock: a valid `cidr`, and every `except` a valid CIDR strictly inside it. */
function parseIpBlock(value: unknown, path: PathSegment[], problems: PolicyProblem[]): PolicyPeer | undefined {
  if (!isRecord(value)) {
    problems.push({ path, message: 'must be a mapping' });
    return undefined;
  }
  if (typeof value.cidr !== 'string' || value.cidr === '') {
    problems.push({ path: [...path, 'cidr'], message: 'cidr is required' });
    return undefined;
  }
  const cidr = parseCidr(value.cidr);
  if (typeof cidr === 'string') {
    problems.push({ path: [...path, 'cidr'], message: cidr });
    return undefined;
  }
  const except: string[] = [];
  const excludedRanges: [bigint, bigint][] = [];
  listAt(value.except, [...path, 'except'], problems).forEach((text, index) => {
    const exceptPath = [...path, 'except', index];
    const excluded = typeof text === 'string' ? parseCidr(text) : `"${String(text)}" is not a CIDR`;
    if (typeof excluded === 'string') {
      problems.push({ path: exceptPath, message: excluded });
      return;
    }
    if (excluded.family !== cidr.family || excluded.prefix <= cidr.prefix || excluded.start < cidr.start || excluded.end > cidr.end) {
      problems.push({ path: exceptPath, message: `except "${String(text)}" must be a strict subset of cidr "${value.cidr as string}"` });
      return;
    }
    except.push(text as string);
    excludedRanges.push([excluded.start, excluded.end]);
  });
  // Every except at once: one subtraction, not one per entry.
  const addresses = cidrSet(cidr).subtract(IntervalSet.of(IP_DOMAIN, excludedRanges));
  return { type: 'ipBlock', cidr: value.cidr, except, addresses };
}

/** ValidateNetworkPolicyPort: protocol, a port number or IANA name, and endPort only after a numeric port. */
function parsePort(value: unknown, path: PathSegment[], problems: PolicyProblem[]): PolicyPort {
  if (!isRecord(value)) {
    problems.push({ path, message: 'must be a mapping' });
    return { protocol: 'TCP' };
  }
  const port: PolicyPort = { protocol: protocolAt(value.protocol, [...path, 'protocol'], problems) };
  const hasEndPort = value.endPort !== undefined && value.endPort !== null;
  if (value.port === undefined || value.port === null) {
    if (hasEndPort) problems.push({ path: [...path, 'endPort'], message: 'endPort may not be specified when port is not specified' });
    return port;
  }
  if (typeof value.port === 'string') {
    if (hasEndPort) problems.push({ path: [...path, 'endPort'], message: 'endPort may not be specified when port is non-numeric' });
    const nameError = portNameError(value.port);
    if (nameError) problems.push({ path: [...path, 'port'], message: nameError });
    port.port = value.port;
    return port;
  }
  if (!isPortNumber(value.port)) {
    problems.push({ path: [...path, 'port'], message: `port ${String(value.port)} must be a number 1-65535 or a port name` });
    return port;
  }
  port.port = value.port;
  if (hasEndPort) {
    if (!isPortNumber(value.endPort)) problems.push({ path: [...path, 'endPort'], message: `endPort ${String(value.endPort)} must be a number 1-65535` });
    else if (value.endPort < value.port) problems.push({ path: [...path, 'endPort'], message: `endPort ${value.endPort} must be greater than or equal to port ${value.port}` });
    else port.endPort = value.endPort;
  }
  return port;
}

/** Every contiguous address range an ipBlock of these rules names: where the analysis splits the external address space. */
export function referencedRanges(rules: readonly PolicyRule[]): [bigint, bigint][] {
  const ranges: [bigint, bigint][] = [];
  for (const rule of rules) {
    for (const peer of rule.peers ?? []) if (peer.type === 'ipBlock') for (const range of peer.addresses.intervals()) ranges.push(range);
  }
  return ranges;
}
