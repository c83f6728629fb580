/**
 * Audit events as the API server's log backend writes them (audit.k8s.io/v1, Metadata level), for
 * tests of `rbac generate` and `rbac diff`. Each call is one request: its ResponseComplete event
 * (and, with `started`, a ResponseStarted event first, as exec and watch have).
 */
export interface RequestSpec {
  user: string;
  groups?: string[];
  verb: string;
  resource?: string;
  subresource?: string;
  group?: string;
  namespace?: string;
  name?: string;
  /** A non-resource request (no objectRef). */
  path?: string;
  query?: string;
  code?: number;
  decision?: 'allow' | 'forbid' | null;
  /** Seconds after 2026-03-01T10:00:00Z. */
  at?: number;
  impersonate?: { username: string; groups?: string[] };
  started?: boolean;
}

let sequence = 0;
const T0 = Date.parse('2026-03-01T10:00:00Z');

export const SA = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

function groupsOf(user: string, groups: string[] | undefined): string[] {
  if (groups) return groups;
  const account = /^system:serviceaccount:([^:]+):/.exec(user);
  return account ? ['system:serviceaccounts', `system:serviceaccounts:${account[1]}`, 'system:authenticated'] : ['system:authenticated'];
}

function uriOf(spec: RequestSpec): string {
  if (spec.path) return spec.path + (spec.query ? `?${spec.query}` : '');
  const prefix = spec.group ? `/apis/${spec.group}/v1` : '/api/v1';
  const parts = [prefix];
  if (spec.namespace && spec.resource !== 'namespaces') parts.push(`namespaces/${spec.namespace}`);
  parts.push(spec.resource ?? '');
  if (spec.name && spec.verb !== 'create' && spec.verb !== 'list' && spec.verb !== 'watch') parts.push(spec.name);
  if (spec.subresource) parts.push(spec.subresource);
  let uri = parts.join('/');
  const query = [spec.verb === 'watch' ? 'watch=true' : '', (spec.verb === 'list' || spec.verb === 'watch') && spec.name ? `fieldSelector=metadata.name%3D${spec.name}` : '', spec.query ?? ''].filter(Boolean).join('&');
  if (query) uri += `?${query}`;
  return uri;
}

/** The lines of one request. */
export function request(spec: RequestSpec): string[] {
  const id = `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`;
  const time = new Date(T0 + (spec.at ?? sequence) * 1000).toISOString().replace('Z', '000Z');
  const code = spec.code ?? (spec.decision === 'forbid' ? 403 : spec.verb === 'create' ? 201 : 200);
  const decision = spec.decision === undefined ? (code === 403 ? 'forbid' : 'allow') : spec.decision;
  const event: Record<string, unknown> = {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: id,
    stage: 'ResponseComplete',
    requestURI: uriOf(spec),
    verb: spec.verb,
    user: { username: spec.user, groups: groupsOf(spec.user, spec.groups) },
    sourceIPs: ['10.244.1.7'],
    userAgent: 'agent/1.0',
    responseStatus: { metadata: {}, code },
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations: decision ? { 'authorization.k8s.io/decision': decision, 'authorization.k8s.io/reason': '' } : {},
  };
  if (spec.impersonate) event.impersonatedUser = { username: spec.impersonate.username, groups: groupsOf(spec.impersonate.username, spec.impersonate.groups) };
  if (spec.resource) {
    const ref: Record<string, string> = { resource: spec.resource, apiVersion: 'v1' };
    if (spec.namespace) ref.namespace = spec.namespace;
    if (spec.name) ref.name = spec.name;
    if (spec.subresource) ref.subresource = spec.subresource;
    if (spec.group) ref.apiGroup = spec.group;
    event.objectRef = ref;
  }
  const lines = [JSON.stringify(event)];
  if (spec.started) lines.unshift(JSON.stringify({ ...event, stage: 'ResponseStarted' }));
  return lines;
}

/** A log of requests, repeated `times` each. */
export function auditLog(specs: readonly RequestSpec[], times = 1): string {
  const lines: string[] = [];
  for (let round = 0; round < times; round++) for (const spec of specs) lines.push(...request(spec));
  return `${lines.join('\n')}\n`;
}
