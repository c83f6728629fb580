import { isRecord, nameOf, type KubeObject } from '../core/object.js';
import type { PathSegment } from '../core/provenance.js';
import type { LabelSelector } from '../core/selector.js';
import type { Protocol } from './connections.js';
import { IntervalSet } from './intervals.js';
import { IP_DOMAIN, parseCidr, type IpSet } from './ip.js';
import type { Direction, Parsed } from './policy.js';
import { isPortNumber, listAt, protocolAt, selectorAt, selectorProblems, type PolicyProblem } from './validation.js';

/**
 * AdminNetworkPolicy and BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1), read and
 * validated as the CRD's schema and CEL rules do. Unlike NetworkPolicy they isolate nothing: each rule
 * says Allow, Deny or (ANP only) Pass for the traffic it matches, the first matching rule wins, ANPs
 * are ordered by priority (lower first), and the whole tier order is ANP → NetworkPolicy → BANP →
 * allow (see connectivity.ts).
 */

export const ADMIN_KINDS = ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] as const;
export type AdminKind = (typeof ADMIN_KINDS)[number];
export type AdminAction = 'Allow' | 'Deny' | 'Pass';

/** Whom a policy applies to, and whom a rule's peer names. `networks` and `nodes` are egress peers only. */
export type AdminSelection =
  | { type: 'namespaces'; namespaceSelector: LabelSelector }
  | { type: 'pods'; namespaceSelector: LabelSelector; podSelector: LabelSelector }
  | { type: 'networks'; cidrs: string[]; ranges: [bigint, bigint][]; addresses: IpSet }
  /** Nodes are not modelled offline: such a peer matches nothing, with a warning. */
  | { type: 'nodes' };

export type AdminPort =
  | { type: 'number'; protocol: Protocol; port: number }
  /** Resolved against the destination pod's container ports, with the container port's protocol. */
  | { type: 'name'; name: string }
  | { type: 'range'; protocol: Protocol; start: number; end: number };

export interface AdminRule {
  direction: Direction;
  index: number;
  name: string;
  action: AdminAction;
  peers: AdminSelection[];
  /** Undefined: every port of every protocol. */
  ports?: AdminPort[];
}

export interface AdminPolicyModel {
  object: KubeObject;
  kind: AdminKind;
  name: string;
  /** ANP priority 0-1000 (lower wins); the BANP has none and comes after every NetworkPolicy. */
  priority?: number;
  subject: AdminSelection;
  rules: Record<Direction, AdminRule[]>;
}

const MAX_RULES = 100;
const MAX_PEERS = 100;
const MAX_NETWORKS = 25;

export function parseAdminPolicy(object: KubeObject): Parsed<AdminPolicyModel> {
  const kind = object.kind as AdminKind;
  const baseline = kind === 'BaselineAdminNetworkPolicy';
  const problems: PolicyProblem[] = [];
  if (!isRecord(object.spec)) return { problems: [{ path: ['spec'], message: 'spec is required' }] };
  const spec = object.spec;
  if (baseline && object.metadata.name !== 'default') {
    problems.push({ path: ['metadata', 'name'], message: 'a BaselineAdminNetworkPolicy must be named "default" (it is a cluster singleton)' });
  }
  let priority: number | undefined;
  if (!baseline) {
    if (typeof spec.priority !== 'number' || !Number.isInteger(spec.priority) || spec.priority < 0 || spec.priority > 1000) {
      problems.push({ path: ['spec', 'priority'], message: `priority must be an integer 0-1000, got ${JSON.stringify(spec.priority) ?? 'nothing'}` });
    } else {
      priority = spec.priority;
    }
  }
  const subject = parseSelection(spec.subject, ['spec', 'subject'], ['namespaces', 'pods'], problems);
  const rules: Record<Direction, AdminRule[]> = { ingress: [], egress: [] };
  for (const direction of ['ingress', 'egress'] as const) {
    const list = listAt(spec[direction], ['spec', direction], problems);
    if (list.length > MAX_RULES) problems.push({ path: ['spec', direction], message: `at most ${MAX_RULES} rules` });
    list.forEach((rule, index) => {
      const parsed = parseRule(rule, direction, index, ['spec', direction, index], baseline, problems);
      if (parsed) rules[direction].push(parsed);
    });
  }
  if (problems.length || !subject) return { problems };
  return { model: { object, kind, name: nameOf(object), priority, subject, rules }, problems };
}

function parseRule(value: unknown, direction: Direction, index: number, path: PathSegment[], baseline: boolean, problems: PolicyProblem[]): AdminRule | undefined {
  if (!isRecord(value)) {
    problems.push({ path, message: 'must be a mapping' });
    return undefined;
  }
  const actions: AdminAction[] = baseline ? ['Allow', 'Deny'] : ['Allow', 'Deny', 'Pass'];
  const action = value.action as AdminAction;
  if (!actions.includes(action)) problems.push({ path: [...path, 'action'], message: `action must be one of ${actions.join(', ')}, got ${JSON.stringify(value.action) ?? 'nothing'}` });
  const name = typeof value.name === 'string' ? value.name : '';
  if (name.length > 100) problems.push({ path: [...path, 'name'], message: 'name may be at most 100 characters' });
  const peerField = direction === 'ingress' ? 'from' : 'to';
  const peerList = listAt(value[peerField], [...path, peerField], problems);
  if (peerList.length === 0 || peerList.length > MAX_PEERS) problems.push({ path: [...path, peerField], message: `must list 1-${MAX_PEERS} peers` });
  const allowed = direction === 'ingress' ? ['namespaces', 'pods'] : ['namespaces', 'pods', 'nodes', 'networks'];
  const peers = peerList
    .map((peer, peerIndex) => parseSelection(peer, [...path, peerField, peerIndex], allowed, problems))
    .filter((peer): peer is AdminSelection => peer !== undefined);
  const rule: AdminRule = { direction, index, name, action, peers };
  if (value.ports !== undefined && value.ports !== null) {
    const ports = listAt(value.ports, [...path, 'ports'], problems);
    if (ports.length > MAX_RULES) problems.push({ path: [...path, 'ports'], message: `at most ${MAX_RULES} ports` });
    rule.ports = ports.map((port, portIndex) => parsePort(port, [...path, 'ports', portIndex], problems)).filter((port): port is AdminPort => port !== undefined);
  }
  return rule;
}

/** A subject or peer: exactly one of the allowed fields must be set. */
function parseSelection(value: unknown, path: PathSegment[], fields: string[], problems: PolicyProblem[]): AdminSelection | undefined {
  if (!isRecord(value)) {
    problems.push({ path, message: 'must be a mapping' });
    return undefined;
  }
  const set = Object.keys(value).filter((key) => value[key] !== undefined && value[key] !== null);
  const unknown = set.filter((key) => !fields.includes(key));
  if (unknown.length) {
    problems.push({ path, message: `${unknown.join(', ')} may not be used here (use one of ${fields.join(', ')})` });
    return undefined;
  }
  if (set.length !== 1) {
    problems.push({ path, message: `exactly one of ${fields.join(', ')} must be set` });
    return undefined;
  }
  const field = set[0];
  const body = value[field];
  if (field === 'namespaces') {
    problems.push(...selectorProblems(body, [...path, 'namespaces']));
    return { type: 'namespaces', namespaceSelector: selectorAt(body) ?? {} };
  }
  if (field === 'pods') {
    if (!isRecord(body)) {
      problems.push({ path: [...path, 'pods'], message: 'pods must be a mapping of namespaceSelector and podSelector' });
      return undefined;
    }
    problems.push(...selectorProblems(body.namespaceSelector, [...path, 'pods', 'namespaceSelector']), ...selectorProblems(body.podSelector, [...path, 'pods', 'podSelector']));
    // The Go types hold both selectors by value: one left out reads as `{}` (all), as the reference analyser reads it.
    return { type: 'pods', namespaceSelector: selectorAt(body.namespaceSelector) ?? {}, podSelector: selectorAt(body.podSelector) ?? {} };
  }
  if (field === 'nodes') {
    problems.push(...selectorProblems(body, [...path, 'nodes']));
    return { type: 'nodes' };
  }
  return parseNetworks(body, [...path, 'networks'], problems);
}

function parseNetworks(value: unknown, path: PathSegment[], problems: PolicyProblem[]): AdminSelection | undefined {
  const list = listAt(value, path, problems);
  if (list.length === 0 || list.length > MAX_NETWORKS) problems.push({ path, message: `must list 1-${MAX_NETWORKS} CIDRs` });
  const ranges: [bigint, bigint][] = [];
  const cidrs: string[] = [];
  list.forEach((text, index) => {
    const cidr = typeof text === 'string' ? parseCidr(text) : `"${String(text)}" is not a CIDR`;
    if (typeof cidr === 'string') problems.push({ path: [...path, index], message: cidr });
    else {
      ranges.push([cidr.start, cidr.end]);
      cidrs.push(text as string);
    }
  });
  return { type: 'networks', cidrs, ranges, addresses: IntervalSet.of(IP_DOMAIN, ranges) };
}

function parsePort(value: unknown, path: PathSegment[], problems: PolicyProblem[]): AdminPort | undefined {
  if (!isRecord(value)) {
    problems.push({ path, message: 'must be a mapping' });
    return undefined;
  }
  const set = ['portNumber', 'namedPort', 'portRange'].filter((key) => value[key] !== undefined && value[key] !== null);
  if (set.length !== 1) {
    problems.push({ path, message: 'exactly one of portNumber, namedPort, portRange must be set' });
    return undefined;
  }
  const field = set[0];
  const body = value[field];
  if (field === 'namedPort') {
    if (typeof body !== 'string' || body === '') {
      problems.push({ path: [...path, 'namedPort'], message: 'namedPort must be a port name' });
      return undefined;
    }
    return { type: 'name', name: body };
  }
  if (!isRecord(body)) {
    problems.push({ path: [...path, field], message: 'must be a mapping' });
    return undefined;
  }
  const protocol = protocolAt(body.protocol, [...path, field, 'protocol'], problems);
  if (field === 'portNumber') {
    if (!isPortNumber(body.port)) {
      problems.push({ path: [...path, field, 'port'], message: `port must be a number 1-65535, got ${JSON.stringify(body.port) ?? 'nothing'}` });
      return undefined;
    }
    return { type: 'number', protocol, port: body.port };
  }
  if (!isPortNumber(body.start) || !isPortNumber(body.end)) {
    problems.push({ path: [...path, field], message: 'portRange needs start and end 1-65535' });
    return undefined;
  }
  // An inverted range (start > end) selects no port: the engine skips it with a warning, as netpol-analyzer does.
  return { type: 'range', protocol, start: body.start, end: body.end };
}

/** Every address range the egress `networks` peers of these policies name. */
export function referencedNetworks(policies: readonly AdminPolicyModel[]): [bigint, bigint][] {
  const ranges: [bigint, bigint][] = [];
  for (const policy of policies) {
    for (const rule of policy.rules.egress) for (const peer of rule.peers) if (peer.type === 'networks') for (const range of peer.ranges) ranges.push(range);
  }
  return ranges;
}
