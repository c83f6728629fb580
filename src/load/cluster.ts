/**
 * The live API source: one paginated list (limit/continue) per kind the RBAC analysis reads, with
 * the credentials of a kubeconfig context (`@kubernetes/client-node` resolves tokens, client
 * certificates, exec plugins and CAs). Objects come back as the API serves them, as plain JSON, in
 * the same LoadResult shape as files, with provenance `origin: 'cluster'`.
 *
 * Secrets are never listed: kubeward does not need their contents, and a scanner that can read
 * every Secret is itself the risk it looks for.
 */
import { existsSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '../core/errors.js';
import { errorText, foreignMessage } from '../core/sanitize.js';
import { timerDelay } from '../core/limits.js';
import { DEFAULT_MAX_FILE_BYTES, readInput, type ReadLimits } from './input.js';
import { jsYamlReason, parseYamlDocument } from './yaml-document.js';
import { Inventory } from '../core/inventory.js';
import { isKubeObject, isRecord, type KubeObject } from '../core/object.js';
import type { Provenance } from '../core/provenance.js';
import type { LoadResult } from './sources.js';

export interface ClusterList {
  group: string;
  version: string;
  resource: string;
  kind: string;
  /** Needed for RBAC analysis: a refusal (403) is an error; for the others, a warning. */
  required: boolean;
}

/** What the RBAC analysis lists, in order. Everything is listed across all namespaces. */
export const CLUSTER_LISTS: readonly ClusterList[] = [
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', kind: 'ClusterRole', required: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', kind: 'ClusterRoleBinding', required: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', kind: 'Role', required: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', kind: 'RoleBinding', required: true },
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', required: true },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', required: true },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', required: false },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', required: false },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', required: false },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', required: false },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', required: false },
  { group: '', version: 'v1', resource: 'replicationcontrollers', kind: 'ReplicationController', required: false },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', required: false },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', required: false },
];

/**
 * What `kubeward scan --context` lists: the RBAC analysis' kinds plus NetworkPolicies, so exposure is
 * judged with the policies in force. Secrets are never listed, not even their metadata.
 */
export const SCAN_CLUSTER_LISTS: readonly ClusterList[] = [
  ...CLUSTER_LISTS,
  { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', required: false },
];

export interface ClusterOptions {
  /** A context of the kubeconfig; default: its current context. */
  context?: string;
  /** A kubeconfig file; default: $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfig?: string;
  /** Objects per page (the `limit` parameter). */
  pageSize?: number;
  /** Per request: the answer and its whole body (default 30 s). */
  timeoutMs?: number;
  /** The whole read, every list and page (default 600 s). */
  deadlineMs?: number;
  /** The kubeconfig read (byte and wait limits) and the largest answer body (maxBytes). */
  limits?: ReadLimits;
  /** Progress bar on stderr; default: when stderr is a terminal. */
  progress?: boolean;
  /** The lists to make (tests narrow them); default CLUSTER_LISTS. */
  lists?: readonly ClusterList[];
}

interface Connection {
  config: KubeConfig;
  server: string;
  context: string;
}

async function connect(options: ClusterOptions): Promise<Connection> {
  // Loaded on demand: the client takes half a second to import, and only live reads need it.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  const files = kubeconfigFiles(options.kubeconfig);
  try {
    if (files.length === 0) config.loadFromDefault();
    for (const [index, file] of files.entries()) {
      // Read within the input limits and parsed by kubeward's YAML loader (bounded expansion, errors
      // that never quote the file, which holds tokens and keys), then handed to the client as JSON.
      const value = parseYamlDocument(await readInput(file, 'kubeconfig', options.limits), { file });
      const part = index === 0 ? config : new KubeConfig();
      part.loadFromString(JSON.stringify(value ?? {}));
      part.makePathsAbsolute(dirname(file));
      if (part !== config) config.mergeConfig(part);
    }
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read the kubeconfig${options.kubeconfig ? ` ${options.kubeconfig}` : ''}: ${oneLine(error)}`);
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const known = config.getContexts().map((context) => context.name);
      throw new InputError(`kubeconfig has no context "${options.context}"${known.length ? ` (it has: ${known.join(', ')})` : ''}`);
    }
    config.setCurrentContext(options.context);
  }
  const cluster = config.getCurrentCluster();
  if (!cluster?.server) throw new InputError(`kubeconfig context "${config.getCurrentContext() || '(none)'}" names no cluster server`);
  return { config, server: cluster.server.replace(/\/+$/, ''), context: config.getCurrentContext() };
}

/** The kubeconfig files, as client-go finds them: the flag, else $KUBECONFIG's list, else ~/.kube/config; none means in-cluster. */
function kubeconfigFiles(explicit: string | undefined): string[] {
  if (explicit) return [explicit];
  const fromEnvironment = (process.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (fromEnvironment.length) return fromEnvironment;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

/** The list path, e.g. `/apis/rbac.authorization.k8s.io/v1/clusterroles` or `/api/v1/pods`. */
export function listPath(list: ClusterList): string {
  return list.group ? `/apis/${list.group}/${list.version}/${list.resource}` : `/api/${list.version}/${list.resource}`;
}

interface Response {
  status: number;
  body: string;
}

interface RequestLimits {
  timeoutMs: number;
  maxBytes: number;
  /** When the whole read must be over (ms since the epoch). */
  deadline: number;
}

/**
 * One GET: the answer and its whole body within `timeoutMs` (a server sending a byte every few
 * seconds cannot hold it), the body at most `maxBytes`, and nothing past the read's deadline.
 */
async function get(connection: Connection, path: string, limits: RequestLimits): Promise<Response> {
  const options: RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
  try {
    await connection.config.applyToHTTPSOptions(options);
  } catch (error) {
    // a credential plugin (exec) that fails without printing anything rejects with an empty message
    throw new InputError(`cannot authenticate to context "${connection.context}": ${oneLine(error) || 'the credential plugin failed without a message'}`);
  }
  const url = new URL(`${connection.server}${path}`);
  const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
  const left = limits.deadline - Date.now();
  if (left <= 0) throw new InputError(`reading the cluster at ${connection.server} took longer than its deadline; raise it with --cluster-timeout`);
  const timeoutMs = Math.min(limits.timeoutMs, left);
  const overDeadline = timeoutMs < limits.timeoutMs;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: InputError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(
          new InputError(
            overDeadline
              ? `reading the cluster at ${connection.server} took longer than its deadline; raise it with --cluster-timeout`
              : `${path} from ${connection.server}: no complete answer within ${timeoutMs / 1000}s; raise it with --request-timeout`,
          ),
        ),
      timerDelay(timeoutMs),
    );
    const request = send(url, options, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) {
          fail(new InputError(`${path} from ${connection.server}: an answer larger than ${limits.maxBytes / 1048576} MiB; raise it with --max-file-size`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', (error) => fail(new InputError(`reading ${path} from ${connection.server} failed: ${oneLine(error)}`)));
    });
    request.on('error', (error) => fail(new InputError(`cannot reach the cluster at ${connection.server} (context "${connection.context}"): ${oneLine(error)}`)));
    request.end();
  });
}

/** The API server's own explanation from a Status body, when there is one. */
function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as unknown;
    if (isRecord(status) && typeof status.message === 'string') return foreignMessage(status.message);
  } catch {
    // Not JSON (a proxy's HTML page): say nothing more than the code.
  }
  return '';
}

function scopeOf(list: ClusterList): string {
  const resource = list.group ? `${list.resource}.${list.group}` : list.resource;
  return ['clusterroles', 'clusterrolebindings', 'namespaces'].includes(list.resource) ? `list ${resource} (cluster-scoped)` : `list ${resource} in all namespaces`;
}

/** Lists one kind, page by page, as plain objects with apiVersion and kind filled in. */
async function listAll(connection: Connection, list: ClusterList, options: RequestLimits & { pageSize: number }, onPage: (count: number) => void): Promise<KubeObject[] | string> {
  const objects: KubeObject[] = [];
  const apiVersion = list.group ? `${list.group}/${list.version}` : list.version;
  let token = '';
  for (let page = 0; ; page++) {
    const query = new URLSearchParams({ limit: String(options.pageSize) });
    if (token) query.set('continue', token);
    const response = await get(connection, `${listPath(list)}?${query}`, options);
    const explanation = statusMessage(response.body);
    if (response.status === 401) {
      throw new InputError(`the cluster refused kubeward's credentials (401 Unauthorized) for context "${connection.context}"${explanation ? `: ${explanation}` : ''}`);
    }
    if (response.status === 403) {
      const missing = `forbidden (403): kubeward needs permission to ${scopeOf(list)} (verb list, resource ${list.group ? `${list.resource}.${list.group}` : list.resource}, ${scopeOf(list).endsWith('(cluster-scoped)') ? 'cluster scope' : 'all namespaces'})`;
      if (list.required) throw new InputError(`${missing}${explanation ? `; the API server said: ${explanation}` : ''}`);
      return `${missing}: ${list.kind} objects were not read, so the analysis of workloads is partial`;
    }
    if (response.status === 404) return `the cluster does not serve ${apiVersion} ${list.resource}: skipped`;
    if (response.status === 410) throw new InputError(`the list of ${list.resource} changed too much while paging (410 Gone: continue token expired); run again`);
    if (response.status !== 200) throw new InputError(`listing ${list.resource} failed: HTTP ${response.status}${explanation ? `: ${explanation}` : ''}`);
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      throw new InputError(`listing ${list.resource}: the server did not answer JSON`);
    }
    if (!isRecord(body) || !Array.isArray(body.items)) throw new InputError(`listing ${list.resource}: the answer is not a ${list.kind}List`);
    for (const item of body.items) {
      if (!isRecord(item)) continue;
      // Items of a list carry no apiVersion and kind; managedFields are bulk nobody here reads.
      const object = { apiVersion, kind: list.kind, ...item } as Record<string, unknown>;
      if (isRecord(object.metadata)) object.metadata = { ...object.metadata, managedFields: undefined };
      if (isKubeObject(object)) objects.push(object);
    }
    onPage(objects.length);
    const metadata = isRecord(body.metadata) ? body.metadata : {};
    token = typeof metadata.continue === 'string' ? metadata.continue : '';
    if (!token) return objects;
    if (page > 100_000) throw new InputError(`listing ${list.resource}: the server keeps paging; giving up`);
  }
}

/** Reads the cluster into an inventory. Warnings name what could not be read. */
export async function loadCluster(options: ClusterOptions = {}): Promise<LoadResult> {
  const connection = await connect(options);
  const lists = options.lists ?? CLUSTER_LISTS;
  const settings = {
    pageSize: options.pageSize ?? 500,
    timeoutMs: options.timeoutMs ?? 30_000,
    maxBytes: options.limits?.maxBytes ?? DEFAULT_MAX_FILE_BYTES,
    deadline: Date.now() + (options.deadlineMs ?? 600_000),
  };
  const bar = progressBar(options.progress ?? Boolean(process.stderr.isTTY), lists.length);
  const provenance: Provenance = { origin: 'cluster', cluster: connection.context };
  const entries: { object: KubeObject; provenance: Provenance }[] = [];
  const warnings: string[] = [];
  try {
    for (const [index, list] of lists.entries()) {
      bar(index, `listing ${list.resource}`);
      const result = await listAll(connection, list, settings, (count) => bar(index, `listing ${list.resource} (${count})`));
      if (typeof result === 'string') warnings.push(result);
      else for (const object of result) entries.push({ object, provenance: { ...provenance } });
    }
  } finally {
    bar(lists.length, '', true);
  }
  return { inventory: new Inventory(entries), warnings, sources: [{ path: `cluster:${connection.context}`, kind: 'manifests' }] };
}

/** A one-line bar on stderr, redrawn in place; nothing at all when off. */
function progressBar(enabled: boolean, total: number): (done: number, label: string, finished?: boolean) => void {
  if (!enabled) return () => undefined;
  const width = 20;
  return (done, label, finished) => {
    if (finished) {
      process.stderr.write('\r\x1b[2K');
      return;
    }
    const filled = Math.round((width * done) / total);
    process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`);
  };
}

/** Several load results as one inventory (a cluster plus the chart about to be installed in it). */
export function mergeLoadResults(results: readonly LoadResult[]): LoadResult {
  const entries = results.flatMap((result) => result.inventory.objects.map((object) => ({ object, provenance: result.inventory.provenanceOf(object) })));
  return {
    inventory: new Inventory(entries),
    warnings: results.flatMap((result) => result.warnings),
    sources: results.flatMap((result) => result.sources),
    charts: results.flatMap((result) => result.charts ?? []),
    probes: results.flatMap((result) => result.probes ?? []),
  };
}

/**
 * An error of the client or the network as one safe line. A kubeconfig holds tokens and keys, and
 * js-yaml's message quotes the lines around a syntax error: only its reason and line are kept.
 */
function oneLine(error: unknown): string {
  if (error instanceof Error && error.name === 'YAMLException') {
    const { reason, mark } = error as Error & { reason?: string; mark?: { line?: number } };
    return `invalid YAML: ${jsYamlReason(reason)}${mark?.line !== undefined ? ` (line ${mark.line + 1})` : ''}`;
  }
  return errorText((error instanceof Error ? error.message : String(error)).split('\n')[0]);
}
