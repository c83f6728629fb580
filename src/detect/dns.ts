import { parse as parseHostname } from 'tldts';
import { isRecord, type KubeObject } from '../core/object.js';
import { controllerOf, serviceAccountOf, type PodSpec } from '../core/workload.js';
import { serviceAccountUsername } from '../core/identity.js';
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

export interface PodInfo {
  namespace: string;
  name: string;
  serviceAccount: string;
  /** `Deployment/web`, `DaemonSet/agent`, `Pod/debug`: what a human would call the workload. */
  workload: string;
}

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
  /** In-cluster or private names (cluster domain, `.local`, `.internal`, reverse lookups). */
  internal: boolean;
  /** The registered domain (eTLD+1, ICANN public suffixes) of `query`, or `query` when it has none. */
  domain: string;
  /** The labels left of the registered domain. */
  subdomain: string;
  pod?: PodInfo;
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
  /** ms since the epoch for lines before the first timestamp. */
  fallbackTime: number;
  /** Updated as timestamped lines are read. */
  lastTime?: number;
}

// ---- pods ---------------------------------------------------------------------------------------

function workloadOf(pod: KubeObject): string {
  const owner = controllerOf(pod);
  if (!owner || !owner.kind) return `Pod/${pod.metadata.name ?? ''}`;
  const hash = pod.metadata.labels?.['pod-template-hash'];
  // A Deployment names its ReplicaSets `<deployment>-<pod-template-hash>`.
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return `Deployment/${owner.name.slice(0, -hash.length - 1)}`;
  return `${owner.kind}/${owner.name}`;
}

/** Pod IP → pod. Host-network pods share their node's IP and are left out: an IP of theirs names no pod. */
export class PodIndex {
  private readonly byIp = new Map<string, { pod: PodInfo; running: boolean }>();

  constructor(pods: readonly KubeObject[] = []) {
    for (const pod of pods) {
      if (pod.kind !== 'Pod') continue;
      const spec = (isRecord(pod.spec) ? pod.spec : {}) as PodSpec;
      if (spec.hostNetwork === true) continue;
      const status = isRecord(pod.status) ? pod.status : {};
      const ips = new Set<string>();
      if (typeof status.podIP === 'string') ips.add(status.podIP);
      if (Array.isArray(status.podIPs)) for (const entry of status.podIPs) if (isRecord(entry) && typeof entry.ip === 'string') ips.add(entry.ip);
      const info: PodInfo = { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', serviceAccount: serviceAccountOf(spec), workload: workloadOf(pod) };
      const running = status.phase === 'Running';
      for (const ip of ips) {
        const existing = this.byIp.get(ip);
        // IPs are reused once a pod ends: a running pod wins over a finished one.
        if (!existing || (running && !existing.running)) this.byIp.set(ip, { pod: info, running });
      }
    }
  }

  get(ip: string): PodInfo | undefined {
    return this.byIp.get(ip)?.pod;
  }

  get size(): number {
    return this.byIp.size;
  }
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

/** The registered domain and the rest, by the Public Suffix List (ICANN section). */
function splitDomain(name: string): { domain: string; subdomain: string; listed: boolean } {
  const parsed = parseHostname(name, { allowPrivateDomains: false, extractHostname: false, validateHostname: false });
  if (!parsed.domain) return { domain: name, subdomain: '', listed: false };
  return { domain: parsed.domain, subdomain: parsed.subdomain ?? '', listed: Boolean(parsed.isIcann) };
}

/** The search suffixes a pod's resolver appends (ndots:5): `<ns>.svc.<cd>`, `svc.<cd>`, `<cd>`, then the node's. */
function searchSuffixes(context: DnsContext, pod: PodInfo | undefined): string[] {
  const cd = context.clusterDomain;
  return [...(pod ? [`${pod.namespace}.svc.${cd}`] : []), `svc.${cd}`, cd, ...context.searchDomains];
}

function stripSearch(name: string, rcode: string, context: DnsContext, pod: PodInfo | undefined): string | undefined {
  if (rcode !== 'NXDOMAIN') return undefined;
  for (const suffix of searchSuffixes(context, pod)) {
    if (name.endsWith(`.${suffix}`)) {
      let prefix = name.slice(0, -suffix.length - 1);
      // unknown pod: `<query>.<some ns>.svc.<cd>` is an expansion in that namespace
      if (suffix === `svc.${context.clusterDomain}` && !pod) prefix = prefix.includes('.') ? prefix.slice(0, prefix.lastIndexOf('.')) : prefix;
      // Only an outside name (one with a public suffix) is worth recovering; an in-cluster name
      // such as `svc.ns` is internal whichever way it is read.
      if (prefix.includes('.') && splitDomain(prefix).listed) return prefix;
    }
  }
  return undefined;
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
  const cd = context.clusterDomain;
  const split = splitDomain(query);
  const underCluster = stripped === undefined && (name === cd || name.endsWith(`.${cd}`));
  const internal = underCluster || query.endsWith('.in-addr.arpa') || query.endsWith('.ip6.arpa') || !split.listed;
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
  { name: 'dns.internal', desc: '"true" for cluster, private and reverse names', extract: (e) => bool(e.internal) },
  { name: 'dns.domain', desc: 'the registered domain (eTLD+1) of the query', extract: (e) => e.domain },
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
  { name: 'dns.workload', desc: 'the workload of the pod (Deployment/web, …)', extract: (e) => e.pod?.workload },
  { name: 'dns.principal', desc: 'namespace/pod, or the client IP when no pod has it', extract: (e) => (e.pod ? `${e.pod.namespace}/${e.pod.name}` : e.clientIp) },
]);

/** What a DNS alert names as its principal. */
export function dnsPrincipal(event: DnsEvent): string {
  return event.pod ? `${event.pod.namespace}/${event.pod.name}` : event.clientIp;
}
