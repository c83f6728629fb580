/**
 * A drill scenario (`drills/*.yaml`, or a user's own file): the attack as data. The chart it installs
 * (harmless: its containers only print what they would do), who installs it, which pod attacks, and
 * the steps (install, read Secrets, exfiltrate) with the API requests and network connections each
 * needs and the DNS queries it sends, at offsets from the install. `parseScenario` checks a parsed
 * file and says exactly what is wrong; everything else in src/drill reads the checked value.
 */
import { InputError } from '../core/errors.js';
import { isRecord } from '../core/object.js';
import { parseDuration } from '../detect/state.js';
import { parseAddress } from '../netpol/ip.js';

export const SCENARIO_API_VERSION = 'kubeward.io/v1alpha1';
export const SCENARIO_KIND = 'DrillScenario';

/** The steps every scenario has, in this order. */
export const REQUIRED_STEPS = ['install', 'read-secrets', 'exfiltrate'] as const;

/** Where a connection goes, as the Limit stage judges it. */
export type ConnectionTarget = 'api-server' | 'cluster-dns' | 'outside-resolver' | 'internet';
export const CONNECTION_TARGETS: readonly ConnectionTarget[] = ['api-server', 'cluster-dns', 'outside-resolver', 'internet'];

export interface ConnectionSpec {
  to: ConnectionTarget;
  /** The address: required for an outside resolver and the internet; for the API server, overrides the EndpointSlice. */
  address?: string;
  port?: number;
  protocol?: 'TCP' | 'UDP';
  /** Why the attacker uses it, in the scenario's words. */
  note?: string;
}

/** API requests one step makes; lists of namespaces and names expand to one request each. */
export interface RequestSpec {
  verb: string;
  resource: string;
  apiGroup: string;
  subresource?: string;
  /** Absent: a request across all namespaces (or of a cluster-scoped resource). */
  namespaces: (string | undefined)[];
  names: (string | undefined)[];
  /** Offset from the step's start, ms. */
  after: number;
  /** Between two expanded requests, ms. */
  every: number;
  /** Made as the attacking pod's ServiceAccount (default) or as the installer. */
  as: 'attacker' | 'installer';
}

export interface DnsSpec {
  /** The registered domain the attacker's nameserver answers for. */
  domain: string;
  queries: number;
  every: number;
  /** Length of the label carrying the data (base32). */
  labelLength: number;
  type: string;
}

export interface StepSpec {
  id: string;
  title: string;
  /** Offset from the install, ms. */
  at: number;
  requests: RequestSpec[];
  /** Connections the step needs, all of them. */
  connections: ConnectionSpec[];
  /** Ways out the step may take, in the attacker's order of preference: the first the network allows is used. */
  channels: ConnectionSpec[];
  dns?: DnsSpec;
}

export interface DrillScenario {
  name: string;
  title: string;
  description: string;
  /** The file it was read from (user scenarios are named by path). */
  file?: string;
  /** The team namespace the chart goes into unless --namespace says otherwise. */
  namespace: string;
  chart: { path: string; release: string; values: Record<string, unknown> };
  installer: { username: string; groups: string[] };
  attacker: { kind: string; name: string; container?: string; podIp: string; node: string };
  steps: StepSpec[];
  background: { auditEventsPerSecond: number; dnsLookupsPerSecond: number; before: number; after: number };
  /** Extra tabletop questions per role, on top of the built-in ones. */
  questions: Record<string, string[]>;
  /** The scenario this one is a variant of. */
  variantOf?: string;
}

const SCENARIO_KEYS = new Set(['apiVersion', 'kind', 'metadata', 'title', 'description', 'namespace', 'chart', 'installer', 'attacker', 'steps', 'background', 'questions', 'variants']);
const VARIANT_KEYS = new Set(['name', 'title', 'description', 'namespace', 'values', 'attacker', 'steps', 'questions']);
const STEP_KEYS = new Set(['id', 'title', 'at', 'requests', 'connections', 'channels', 'dns']);
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * A scenario file: the scenario and its variants. A variant is the same attack with other chart
 * values (merged over the scenario's), another attacking workload, or steps changed by id (the
 * fields given replace the step's); it is checked as a whole scenario of its own.
 */
export function parseScenarioFile(raw: unknown, file: string): DrillScenario[] {
  const base = parseScenario(raw, file);
  const variants = isRecord(raw) ? raw.variants : undefined;
  if (variants === undefined) return [base];
  if (!Array.isArray(variants)) throw new InputError(`${file}: variants: a list of variants (name, values, attacker, steps)`);
  const source = raw as Record<string, unknown>;
  return [
    base,
    ...variants.map((variant, index) => {
      const where = `variants[${index}]`;
      if (!isRecord(variant)) throw new InputError(`${file}: ${where}: a mapping (name, title, values, attacker, steps)`);
      for (const key of Object.keys(variant)) if (!VARIANT_KEYS.has(key)) throw new InputError(`${file}: ${where}.${key}: unknown field (known: ${[...VARIANT_KEYS].join(', ')})`);
      const chart = isRecord(source.chart) ? source.chart : {};
      const steps = Array.isArray(source.steps) ? source.steps : [];
      const overrides = variant.steps === undefined ? [] : Array.isArray(variant.steps) ? variant.steps : [];
      for (const [position, override] of overrides.entries()) {
        if (!isRecord(override) || !steps.some((step) => isRecord(step) && step.id === override.id)) throw new InputError(`${file}: ${where}.steps[${position}].id: names no step of the scenario`);
      }
      const merged = {
        ...source,
        variants: undefined,
        metadata: { name: variant.name },
        title: variant.title ?? source.title,
        description: variant.description ?? source.description,
        namespace: variant.namespace ?? source.namespace,
        chart: { ...chart, values: mergeValues(chart.values, variant.values) },
        attacker: { ...(isRecord(source.attacker) ? source.attacker : {}), ...(isRecord(variant.attacker) ? variant.attacker : {}) },
        steps: steps.map((step) => {
          const override = overrides.find((candidate) => isRecord(candidate) && isRecord(step) && candidate.id === step.id);
          return isRecord(override) && isRecord(step) ? { ...step, ...override } : step;
        }),
        questions: variant.questions ?? source.questions,
      };
      delete merged.variants;
      return { ...parseScenario(merged, `${file} (${where})`), file, variantOf: base.name };
    }),
  ];
}

/** Chart values: a variant's over the scenario's, mappings merged key by key (as helm merges -f files). */
function mergeValues(base: unknown, over: unknown): unknown {
  if (!isRecord(over)) return over === undefined ? base : over;
  if (!isRecord(base)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = mergeValues(base[key], value);
  return out;
}

/** Checks a parsed scenario; every mistake is an InputError naming the file and the field. */
export function parseScenario(raw: unknown, file: string): DrillScenario {
  const fail = (field: string, problem: string): never => {
    throw new InputError(`${file}: ${field}: ${problem}`);
  };
  if (!isRecord(raw)) return fail('(document)', `a ${SCENARIO_KIND} mapping is expected`);
  if (raw.apiVersion !== SCENARIO_API_VERSION || raw.kind !== SCENARIO_KIND) fail('kind', `expected apiVersion ${SCENARIO_API_VERSION}, kind ${SCENARIO_KIND}`);
  for (const key of Object.keys(raw)) if (!SCENARIO_KEYS.has(key) && raw[key] !== undefined) fail(key, `unknown field (known: ${[...SCENARIO_KEYS].join(', ')})`);
  const metadata = isRecord(raw.metadata) ? raw.metadata : fail('metadata', 'a mapping with a name is required');
  const name = text(metadata.name, 'metadata.name', fail);
  if (!NAME.test(name)) fail('metadata.name', 'lower-case letters, digits and dashes');
  const namespace = text(raw.namespace, 'namespace', fail);
  if (!NAME.test(namespace)) fail('namespace', `"${namespace}" is not a namespace name`);

  const chartRaw = isRecord(raw.chart) ? raw.chart : fail('chart', 'a mapping with a path (the chart directory, relative to the scenario file) is required');
  const chart = {
    path: text(chartRaw.path, 'chart.path', fail),
    release: chartRaw.release === undefined ? name : text(chartRaw.release, 'chart.release', fail),
    values: chartRaw.values === undefined ? {} : isRecord(chartRaw.values) ? chartRaw.values : fail('chart.values', 'a mapping of chart values'),
  };

  const installerRaw = raw.installer === undefined ? {} : isRecord(raw.installer) ? raw.installer : fail('installer', 'a mapping (user, groups)');
  const installer = {
    username: installerRaw.user === undefined ? `developer@${namespace}.example` : text(installerRaw.user, 'installer.user', fail),
    groups: installerRaw.groups === undefined ? [`${namespace}-developers`] : strings(installerRaw.groups, 'installer.groups', fail),
  };

  const attackerRaw = isRecord(raw.attacker) ? raw.attacker : fail('attacker', 'a mapping naming the attacking workload (workload: Kind/name) is required');
  const workload = text(attackerRaw.workload, 'attacker.workload', fail);
  const slash = workload.indexOf('/');
  if (slash <= 0 || slash === workload.length - 1) fail('attacker.workload', `Kind/name, e.g. Deployment/fast-trace-agent (got "${workload}")`);
  const podIp = attackerRaw.podIp === undefined ? '10.244.3.17' : text(attackerRaw.podIp, 'attacker.podIp', fail);
  if (parseAddress(podIp) === undefined) fail('attacker.podIp', `"${podIp}" is not an IP address`);
  const attacker = {
    kind: workload.slice(0, slash),
    name: workload.slice(slash + 1),
    container: attackerRaw.container === undefined ? undefined : text(attackerRaw.container, 'attacker.container', fail),
    podIp,
    node: attackerRaw.node === undefined ? 'node-3' : text(attackerRaw.node, 'attacker.node', fail),
  };

  if (!Array.isArray(raw.steps)) fail('steps', `a list of steps is required (${REQUIRED_STEPS.join(', ')})`);
  const steps = (raw.steps as unknown[]).map((step, index) => parseStep(step, `steps[${index}]`, fail));
  const ids = steps.map((step) => step.id);
  for (const [index, id] of ids.entries()) if (ids.indexOf(id) !== index) fail(`steps[${index}].id`, `"${id}" is used twice`);
  for (const required of REQUIRED_STEPS) if (!ids.includes(required)) fail('steps', `no "${required}" step (every scenario has ${REQUIRED_STEPS.join(', ')})`);
  for (let index = 1; index < steps.length; index++) if (steps[index].at < steps[index - 1].at) fail(`steps[${index}].at`, 'steps are listed in the order they happen');
  const read = steps.find((step) => step.id === 'read-secrets')!;
  if (!read.requests.some((request) => request.resource === 'secrets')) fail('steps', '"read-secrets" makes no request on secrets');
  if (!read.connections.some((connection) => connection.to === 'api-server')) fail('steps', '"read-secrets" needs a connection to: api-server');
  const exfiltrate = steps.find((step) => step.id === 'exfiltrate')!;
  if (exfiltrate.channels.length === 0) fail('steps', '"exfiltrate" has no channels (the ways out it tries)');
  if (exfiltrate.channels.some((channel) => channel.to === 'cluster-dns' || channel.to === 'outside-resolver') && !exfiltrate.dns) fail('steps', '"exfiltrate" sends data over DNS but has no dns (domain, queries)');

  const backgroundRaw = raw.background === undefined ? {} : isRecord(raw.background) ? raw.background : fail('background', 'a mapping');
  const background = {
    auditEventsPerSecond: rate(backgroundRaw.auditEventsPerSecond, 20, 'background.auditEventsPerSecond', fail),
    dnsLookupsPerSecond: rate(backgroundRaw.dnsLookupsPerSecond, 5, 'background.dnsLookupsPerSecond', fail),
    before: backgroundRaw.before === undefined ? 60_000 : duration(backgroundRaw.before, 'background.before', fail),
    after: backgroundRaw.after === undefined ? 120_000 : duration(backgroundRaw.after, 'background.after', fail),
  };

  const questions: Record<string, string[]> = {};
  if (raw.questions !== undefined) {
    if (!isRecord(raw.questions)) fail('questions', 'a mapping of role to questions');
    for (const [role, list] of Object.entries(raw.questions as Record<string, unknown>)) questions[role] = strings(list, `questions.${role}`, fail);
  }
  return {
    name,
    title: raw.title === undefined ? name : text(raw.title, 'title', fail),
    description: raw.description === undefined ? '' : text(raw.description, 'description', fail),
    file,
    namespace,
    chart,
    installer,
    attacker,
    steps,
    background,
    questions,
  };
}

function parseStep(raw: unknown, where: string, fail: (field: string, problem: string) => never): StepSpec {
  if (!isRecord(raw)) return fail(where, 'a mapping (id, title, at, requests, connections, channels, dns)');
  for (const key of Object.keys(raw)) if (!STEP_KEYS.has(key)) fail(`${where}.${key}`, `unknown field (known: ${[...STEP_KEYS].join(', ')})`);
  const id = text(raw.id, `${where}.id`, fail);
  const list = (value: unknown, field: string): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : fail(`${where}.${field}`, 'a list'));
  const step: StepSpec = {
    id,
    title: raw.title === undefined ? id : text(raw.title, `${where}.title`, fail),
    at: raw.at === undefined || raw.at === 0 ? 0 : duration(raw.at, `${where}.at`, fail),
    requests: list(raw.requests, 'requests').map((request, index) => parseRequest(request, `${where}.requests[${index}]`, fail)),
    connections: list(raw.connections, 'connections').map((connection, index) => parseConnection(connection, `${where}.connections[${index}]`, fail)),
    channels: list(raw.channels, 'channels').map((connection, index) => parseConnection(connection, `${where}.channels[${index}]`, fail)),
  };
  if (raw.dns !== undefined) {
    const dns = isRecord(raw.dns) ? raw.dns : fail(`${where}.dns`, 'a mapping (domain, queries, every, labelLength)');
    const domain = text(dns.domain, `${where}.dns.domain`, fail).toLowerCase();
    if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/.test(domain)) fail(`${where}.dns.domain`, `"${domain}" is not a domain name`);
    step.dns = {
      domain,
      queries: whole(dns.queries, 20, `${where}.dns.queries`, fail),
      every: dns.every === undefined ? 500 : duration(dns.every, `${where}.dns.every`, fail),
      labelLength: whole(dns.labelLength, 40, `${where}.dns.labelLength`, fail),
      type: dns.type === undefined ? 'A' : text(dns.type, `${where}.dns.type`, fail).toUpperCase(),
    };
    if (step.dns.labelLength > 63) fail(`${where}.dns.labelLength`, 'a DNS label holds at most 63 characters');
  }
  return step;
}

function parseRequest(raw: unknown, where: string, fail: (field: string, problem: string) => never): RequestSpec {
  if (!isRecord(raw)) return fail(where, 'a mapping (verb, resource, namespace or namespaces, name or names)');
  const many = (one: unknown, several: unknown, field: string): (string | undefined)[] => {
    if (one !== undefined && several !== undefined) fail(`${where}.${field}s`, `give ${field} or ${field}s, not both`);
    if (several !== undefined) return strings(several, `${where}.${field}s`, fail);
    return [one === undefined ? undefined : text(one, `${where}.${field}`, fail)];
  };
  const as = raw.as === undefined ? 'attacker' : text(raw.as, `${where}.as`, fail);
  if (as !== 'attacker' && as !== 'installer') fail(`${where}.as`, 'attacker or installer');
  return {
    verb: text(raw.verb, `${where}.verb`, fail),
    resource: text(raw.resource, `${where}.resource`, fail),
    apiGroup: raw.apiGroup === undefined ? '' : String(raw.apiGroup),
    subresource: raw.subresource === undefined ? undefined : text(raw.subresource, `${where}.subresource`, fail),
    namespaces: many(raw.namespace, raw.namespaces, 'namespace'),
    names: many(raw.name, raw.names, 'name'),
    after: raw.after === undefined || raw.after === 0 ? 0 : duration(raw.after, `${where}.after`, fail),
    every: raw.every === undefined ? 20 : duration(raw.every, `${where}.every`, fail),
    as: as as RequestSpec['as'],
  };
}

function parseConnection(raw: unknown, where: string, fail: (field: string, problem: string) => never): ConnectionSpec {
  if (!isRecord(raw)) return fail(where, `a mapping with to: ${CONNECTION_TARGETS.join(', ')}`);
  const to = text(raw.to, `${where}.to`, fail) as ConnectionTarget;
  if (!CONNECTION_TARGETS.includes(to)) fail(`${where}.to`, `one of ${CONNECTION_TARGETS.join(', ')} (got "${to}")`);
  const connection: ConnectionSpec = { to };
  if (raw.address !== undefined) {
    connection.address = text(raw.address, `${where}.address`, fail);
    if (parseAddress(connection.address) === undefined) fail(`${where}.address`, `"${connection.address}" is not an IP address`);
  } else if (to === 'outside-resolver' || to === 'internet') fail(`${where}.address`, `${to} needs an address`);
  if (raw.port !== undefined) {
    const port = Number(raw.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${where}.port`, 'a port 1-65535');
    connection.port = port;
  }
  if (raw.protocol !== undefined) {
    const protocol = String(raw.protocol).toUpperCase();
    if (protocol !== 'TCP' && protocol !== 'UDP') fail(`${where}.protocol`, 'TCP or UDP');
    connection.protocol = protocol as 'TCP' | 'UDP';
  }
  if (raw.note !== undefined) connection.note = text(raw.note, `${where}.note`, fail);
  return connection;
}

function text(value: unknown, field: string, fail: (field: string, problem: string) => never): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string' || value.trim() === '') return fail(field, 'a non-empty string is required');
  return value;
}

function strings(value: unknown, field: string, fail: (field: string, problem: string) => never): string[] {
  if (!Array.isArray(value)) return fail(field, 'a list of strings');
  return value.map((item, index) => text(item, `${field}[${index}]`, fail));
}

function whole(value: unknown, fallback: number, field: string, fail: (field: string, problem: string) => never): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 100_000) fail(field, 'a whole number from 1 to 100000');
  return number;
}

function rate(value: unknown, fallback: number, field: string, fail: (field: string, problem: string) => never): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 10_000) fail(field, 'a number from 0 to 10000');
  return number;
}

function duration(value: unknown, field: string, fail: (field: string, problem: string) => never): number {
  try {
    return parseDuration(value, field);
  } catch {
    return fail(field, `a duration like 500ms, 30s or 2m (got ${JSON.stringify(value)})`);
  }
}

/** The step with this id (the three required ones always exist in a parsed scenario). */
export function stepOf(scenario: DrillScenario, id: string): StepSpec | undefined {
  return scenario.steps.find((step) => step.id === id);
}
