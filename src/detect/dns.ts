import { parse as parseHostname } from 'tldts';
import { InputError } from '../core/errors.js';
import { oneLine } from '../core/sanitize.js';
import type { PodIndex, PodInfo } from '../core/pods.js';
import { serviceAccountUsername } from '../core/identity.js';
import type { DetectContext } from './context.js';
import type { FieldDef } from './fields.js';

/**
 * DNS queries from the CoreDNS `log` plugin, attributed to the pod that asked.
 *
 * Line format (the plugin's default `{common}`), optionally preceded by a timestamp that a log
 * shipper or `kubectl logs --timestamps` adds:
 *   [INFO] 10.244.1.7:52311 - 4242 "A IN x.evil.com. udp 41 false 512" NXDOMAIN qr,rd,ra 41 0.0001s
 * CoreDNS itself writes no time: a line without one takes the time of the last line that had one,
 * else the caller's fallback (the CLI uses the file's modification time).
 */

export interface DnsEvent {
  source: 'dns';
  time: number;
  timeText: string;
  /** `file:line`: the evidence id of a DNS query. */
  id: string;
  clientIp: string;
  clientPort: string;
  queryId: string;
  qtype: string;
  qclass: string;
  /** The name as logged, lower case, without the trailing dot. */
  name: string;
  /** The name the application asked for: `name` without a search-path suffix when this is an expansion. */
  query: string;
  proto: string;
  size: number;
  rcode: string;
  flags: string;
  rsize: number;
  duration: number;
  /** A resolver trying `<query>.<search domain>` (answered NXDOMAIN): the real lookup follows. */
  searchExpansion: boolean;
  /** Who answered, as the response flags tell: see `answerOf`. */
  answer: DnsAnswer;
  /**
   * The query stayed inside: a name under the cluster domain or a zone declared internal, or one
   * CoreDNS answered from a zone it serves itself. Never decided by the public suffix list: an
   * attacker picks a TLD that is not on it.
   */
  internal: boolean;
  /** The registered domain of `query`: eTLD+1 by the Public Suffix List (ICANN section), the last two labels for a suffix not on it. */
  domain: string;
  /** The labels left of the registered domain. */
  subdomain: string;
  pod?: PodInfo;
  /** What the engine knows beyond this query (who can read Secrets), set by the detector. */
  context?: DetectContext;
}

export interface DnsParseStats {
  lines: number;
  queries: number;
  /** CoreDNS lines that are not query logs (startup, reload, errors). */
  other: number;
  /** Lines that look like query logs but do not parse. */
  malformed: number;
  searchExpansions: number;
  /** Queries from an IP no pod in --pods has. */
  unattributed: number;
}

export function emptyDnsStats(): DnsParseStats {
  return { lines: 0, queries: 0, other: 0, malformed: 0, searchExpansions: 0, unattributed: 0 };
}

export interface DnsContext {
  pods: PodIndex;
  clusterDomain: string;
  /** Search domains beyond the cluster's (a node's resolv.conf: `ec2.internal`, …). */
  searchDomains: readonly string[];
  /** Zones the user declares internal (`--internal-zone`): queries under them never leave. */
  internalZones?: readonly string[];
  /** ms since the epoch for lines before the first timestamp. */
  fallbackTime: number;
  /** Updated as timestamped lines are read. */
  lastTime?: number;
}

// ---- lines --------------------------------------------------------------------------------------

const QUERY_LINE =
  /^\[(?:INFO|DEBUG|WARNING|ERROR)\]\s+(\[[0-9a-fA-F:.]+\]|[0-9.]+|[0-9a-fA-F:]+):(\d+)\s+-\s+(\d+)\s+"(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\S+)"\s+(\S+)\s+(\S+)\s+(\d+)\s+([\d.]+)s\b/;
const LEADING_TIME = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s+/;

function parseLeadingTime(text: string): number {
  const normal = text.replace(' ', 'T').replace(',', '.');
  const withZone = /Z|[+-]\d{2}:?\d{2}$/.test(normal) ? normal : `${normal}Z`;
  return Date.parse(withZone);
}

/**
 * Who answered a query, from the response flags CoreDNS logs:
 * - `local`: authoritative without recursion available (`qr,aa,rd`): CoreDNS answered from a zone it
 *   serves itself (kubernetes, hosts, file): the query never left the cluster;
 * - `upstream`: a recursive answer (`qr,rd,ra`) relayed by the forward plugin: the query left;
 * - `cached`: both bits (`qr,aa,rd,ra`): the cache plugin sets `aa` on every cached answer, and older
 *   CoreDNS set `ra` on its own zones: the flags alone cannot tell, the name decides;
 * - `unknown`: neither (flags missing, or an error CoreDNS made up).
 */
export type DnsAnswer = 'local' | 'upstream' | 'cached' | 'unknown';

export function answerOf(flags: string): DnsAnswer {
  const list = flags.split(',');
  const authoritative = list.includes('aa');
  const recursive = list.includes('ra');
  return authoritative ? (recursive ? 'cached' : 'local') : recursive ? 'upstream' : 'unknown';
}

const REVERSE_ZONES = ['in-addr.arpa', 'ip6.arpa'];

/**
 * The registered domain and the rest: eTLD+1 by the Public Suffix List (ICANN section) when the
 * suffix is on it, else the last two labels (a reserved, private or brand-new TLD is as good as any to
 * an attacker). Reverse lookups belong to their reverse zone: nobody registers under it.
 */
export function splitDomain(name: string): { domain: string; subdomain: string } {
  for (const zone of REVERSE_ZONES) if (name.endsWith(`.${zone}`)) return { domain: zone, subdomain: name.slice(0, -zone.length - 1) };
  const parsed = parseHostname(name, { allowPrivateDomains: false, extractHostname: false, validateHostname: false });
  if (parsed.domain) return { domain: parsed.domain, subdomain: parsed.subdomain ?? '' };
  const labels = name.split('.');
  if (labels.length <= 2) return { domain: name, subdomain: '' };
  return { domain: labels.slice(-2).join('.'), subdomain: labels.slice(0, -2).join('.') };
}

/** `name` is `zone` or under it. */
export function inZone(name: string, zone: string): boolean {
  return name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.');
}

/** Under the cluster domain or a zone declared internal. */
function internalByName(name: string, context: DnsContext): boolean {
  if (inZone(name, context.clusterDomain)) return true;
  for (const zone of context.internalZones ?? []) if (inZone(name, zone)) return true;
  return false;
}

/** A name the cluster's DNS schema owns (`<svc>.<ns>`, `….svc`, `….pod`): never an outside name a resolver expanded. */
function clusterShaped(prefix: string, context: DnsContext): boolean {
  const last = prefix.slice(prefix.lastIndexOf('.') + 1);
  return last === 'svc' || last === 'pod' || context.pods.namespaces.has(last);
}

/** The search suffixes a pod's resolver appends (ndots:5): `<ns>.svc.<cd>`, `svc.<cd>`, `<cd>`, then the node's. */
function searchSuffixes(context: DnsContext, pod: PodInfo | undefined): string[] {
  const cd = context.clusterDomain;
  return [...(pod ? [`${pod.namespace}.svc.${cd}`] : []), `svc.${cd}`, cd, ...context.searchDomains];
}

/**
 * The name the application asked for, when this NXDOMAIN is a resolver trying a search suffix on it.
 * Only an outside name (with a dot, not shaped like a cluster name) is recovered: `db.shop`
 * (`db.shop.svc.cluster.local`) is a Service lookup whichever way it is read.
 */
function stripSearch(name: string, rcode: string, context: DnsContext, pod: PodInfo | undefined): string | undefined {
  if (rcode !== 'NXDOMAIN') return undefined;
  const svc = `svc.${context.clusterDomain}`;
  for (const suffix of searchSuffixes(context, pod)) {
    if (!name.endsWith(`.${suffix}`)) continue;
    let prefix = name.slice(0, -suffix.length - 1);
    // a pod we do not know: `<query>.<its namespace>.svc.<cd>` when the label is a namespace we know of
    if (suffix === svc && !pod && prefix.includes('.') && context.pods.namespaces.has(prefix.slice(prefix.lastIndexOf('.') + 1))) prefix = prefix.slice(0, prefix.lastIndexOf('.'));
    if (prefix.includes('.') && !clusterShaped(prefix, context)) return prefix;
  }
  return undefined;
}

/** A zone name from a flag: lower case, no trailing dot, labels of letters, digits, `-` and `_`. */
export function parseZoneName(text: string, flag: string): string {
  const zone = text.trim().toLowerCase().replace(/\.$/, '');
  const labels = zone.split('.');
  const valid = zone.length > 0 && zone.length <= 253 && labels.every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label));
  if (!valid) throw new InputError(`${flag} needs a DNS zone name such as corp.example or internal, got ${oneLine(JSON.stringify(text), 80)}`);
  if (labels.length === 4 && labels.every((label) => /^\d+$/.test(label))) throw new InputError(`${flag} needs a DNS zone name, not an IP address (${zone})`);
  return zone;
}

/**
 * One CoreDNS log line → a query event, or undefined (the stats say why). `id` is `file:line`.
 */
export function parseDnsLine(line: string, id: string, context: DnsContext, stats: DnsParseStats): DnsEvent | undefined {
  let text = line.trim();
  if (text === '') return undefined;
  stats.lines++;
  let time = NaN;
  let timeText = '';
  const leading = LEADING_TIME.exec(text);
  if (leading) {
    time = parseLeadingTime(leading[1]);
    text = text.slice(leading[0].length);
    if (!Number.isNaN(time)) {
      timeText = new Date(time).toISOString();
      context.lastTime = time;
    }
  }
  const match = QUERY_LINE.exec(text);
  if (!match) {
    if (/^\[\w+\]\s+[[\d]/.test(text) && text.includes('"')) stats.malformed++;
    else stats.other++;
    return undefined;
  }
  if (Number.isNaN(time)) {
    time = context.lastTime ?? context.fallbackTime;
    timeText = new Date(time).toISOString();
  }
  const [, remote, port, queryId, qtype, qclass, rawName, proto, size, , , rcode, flags, rsize, duration] = match;
  const clientIp = remote.replace(/^\[|\]$/g, '');
  const name = rawName.toLowerCase().replace(/\.$/, '');
  const pod = context.pods.get(clientIp);
  if (!pod) stats.unattributed++;
  const stripped = stripSearch(name, rcode, context, pod);
  if (stripped !== undefined) stats.searchExpansions++;
  const query = stripped ?? name;
  const split = splitDomain(query);
  const answer = answerOf(flags);
  // An expansion was answered for the suffixed name: only the name it stands for can tell.
  const internal = stripped !== undefined ? internalByName(query, context) : internalByName(name, context) || answer === 'local';
  stats.queries++;
  return {
    source: 'dns',
    time,
    timeText,
    id,
    clientIp,
    clientPort: port,
    queryId,
    qtype: qtype.toUpperCase(),
    qclass,
    name,
    query,
    proto,
    size: Number(size),
    rcode,
    flags,
    rsize: Number(rsize),
    duration: Number(duration),
    searchExpansion: stripped !== undefined,
    answer,
    internal,
    domain: split.domain,
    subdomain: split.subdomain,
    pod,
  };
}

// ---- what a name looks like ---------------------------------------------------------------------

/** The DNS hostname alphabet: letters (case-insensitive), digits, hyphen; base32/hex/base64url all fit in it or near it. */
const DNS_ALPHABET = 37;

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Entropy normalised for length: H / log2(min(length, 37)), in [0, 1]. A short label cannot have
 * high raw entropy (16 characters carry at most 4 bits each), so comparing raw bits favours long
 * labels; this compares a label with the most random label of its own length.
 */
export function normalisedEntropy(label: string): number {
  if (label.length < 2) return 0;
  return shannonEntropy(label.toLowerCase()) / Math.log2(Math.min(label.length, DNS_ALPHABET));
}

function longestLabel(event: DnsEvent): string {
  let longest = '';
  for (const label of event.subdomain.split('.')) if (label.length > longest.length) longest = label;
  return longest;
}

// ---- fields -------------------------------------------------------------------------------------

type Def = Omit<FieldDef, 'source' | 'type' | 'extract'> & { type?: 'string' | 'number'; extract(event: DnsEvent, arg: string | undefined): ReturnType<FieldDef['extract']> };

const dns = (defs: Def[]): FieldDef[] => defs.map((def) => ({ type: 'string', source: 'dns', ...def, extract: def.extract as FieldDef['extract'] }));

const bool = (value: boolean) => (value ? 'true' : 'false');

export const DNS_FIELDS: readonly FieldDef[] = dns([
  { name: 'dns.time', desc: 'the query time (RFC 3339)', extract: (e) => e.timeText },
  { name: 'dns.client.ip', desc: 'the IP the query came from', extract: (e) => e.clientIp },
  { name: 'dns.client.port', desc: 'the client port', extract: (e) => e.clientPort },
  { name: 'dns.id', desc: 'the DNS message id', extract: (e) => e.queryId },
  { name: 'dns.qtype', desc: 'the query type (A, AAAA, TXT, NULL, …)', extract: (e) => e.qtype },
  { name: 'dns.qclass', desc: 'the query class (IN)', extract: (e) => e.qclass },
  { name: 'dns.name', desc: 'the name as logged (lower case, no trailing dot)', extract: (e) => e.name },
  { name: 'dns.query', desc: 'the name the application asked for (search-path suffix removed)', extract: (e) => e.query },
  { name: 'dns.proto', desc: 'udp or tcp', extract: (e) => e.proto },
  { name: 'dns.size', type: 'number', desc: 'the request size in bytes', extract: (e) => e.size },
  { name: 'dns.rcode', desc: 'the response code (NOERROR, NXDOMAIN, …)', extract: (e) => e.rcode },
  { name: 'dns.flags', desc: 'the response flags', extract: (e) => e.flags },
  { name: 'dns.rsize', type: 'number', desc: 'the response size in bytes', extract: (e) => e.rsize },
  { name: 'dns.duration', type: 'number', desc: 'how long CoreDNS took, in seconds', extract: (e) => e.duration },
  { name: 'dns.search_expansion', desc: '"true" for a resolver search-path attempt (skipped by the built-in rules)', extract: (e) => bool(e.searchExpansion) },
  { name: 'dns.answer', desc: 'who answered, from the flags: local (CoreDNS, from a zone it serves), upstream (a recursive answer), cached, unknown', extract: (e) => e.answer },
  { name: 'dns.internal', desc: '"true" when the query stayed inside: under the cluster domain or an --internal-zone, or answered by CoreDNS from its own zone', extract: (e) => bool(e.internal) },
  { name: 'dns.domain', desc: 'the registered domain of the query (eTLD+1 by the public suffix list, else the last two labels)', extract: (e) => e.domain },
  { name: 'dns.subdomain', desc: 'the labels left of the registered domain', extract: (e) => e.subdomain },
  { name: 'dns.subdomain.labels', type: 'number', desc: 'how many labels the subdomain has', extract: (e) => (e.subdomain === '' ? 0 : e.subdomain.split('.').length) },
  { name: 'dns.label.maxlen', type: 'number', desc: 'the length of the longest subdomain label', extract: (e) => longestLabel(e).length },
  { name: 'dns.label.entropy', type: 'number', desc: 'length-normalised entropy of the longest subdomain label, 0 to 1', extract: (e) => Math.round(normalisedEntropy(longestLabel(e)) * 1000) / 1000 },
  {
    name: 'dns.label.digits',
    type: 'number',
    desc: 'the share of digits in the longest subdomain label, 0 to 1 (encodings mix digits in; words do not)',
    extract: (e) => {
      const label = longestLabel(e);
      return label.length === 0 ? 0 : Math.round((label.replace(/\D/g, '').length / label.length) * 1000) / 1000;
    },
  },
  { name: 'dns.query.length', type: 'number', desc: 'the length of the query name', extract: (e) => e.query.length },
  { name: 'dns.pod', desc: 'namespace/name of the pod that asked', extract: (e) => (e.pod ? `${e.pod.namespace}/${e.pod.name}` : undefined) },
  { name: 'dns.pod.name', desc: 'the pod name', extract: (e) => e.pod?.name },
  { name: 'dns.pod.namespace', desc: 'the pod namespace', extract: (e) => e.pod?.namespace },
  { name: 'dns.pod.serviceaccount', desc: 'the service account the pod runs as', extract: (e) => e.pod?.serviceAccount },
  { name: 'dns.pod.sa.username', desc: 'the username the pod service account authenticates as', extract: (e) => (e.pod ? serviceAccountUsername(e.pod.namespace, e.pod.serviceAccount) : undefined) },
  {
    name: 'dns.pod.sa.reads_secrets',
    desc: '"true" when the pod\'s ServiceAccount can read Secrets: seen reading them or bound to a role that does in the audit log, or allowed by the RBAC of --cluster. A binding (in the log or in --cluster) to a role that reads Secrets only later counts from then on: the role\'s rules updated, or Secrets aggregated into it (into `view`, or a chart\'s own aggregated role). The log\'s bindings are remembered within the detector\'s role cap.',
    extract: (e) => (e.pod ? bool(e.context?.secretReadSource(e.pod.namespace, e.pod.serviceAccount) !== undefined) : undefined),
  },
  {
    name: 'dns.pod.sa.secret_access',
    desc: 'how that is known: audit-read, audit-binding or rbac',
    extract: (e) => (e.pod ? e.context?.secretReadSource(e.pod.namespace, e.pod.serviceAccount) : undefined),
  },
  { name: 'dns.workload', desc: 'the workload of the pod (Deployment/web, …)', extract: (e) => e.pod?.workload },
  { name: 'dns.principal', desc: 'namespace/pod, or the client IP when no pod has it', extract: (e) => (e.pod ? `${e.pod.namespace}/${e.pod.name}` : e.clientIp) },
]);

/** What a DNS alert names as its principal. */
export function dnsPrincipal(event: DnsEvent): string {
  return event.pod ? `${event.pod.namespace}/${event.pod.name}` : event.clientIp;
}
