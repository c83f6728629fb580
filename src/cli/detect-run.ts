/** What `kubeward detect` and `kubeward detect serve` do, loaded when one runs (detect.ts defines them). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { timerDelay } from '../core/limits.js';
import { escapeControl, systemErrorText } from '../core/sanitize.js';
import type { KubeObject } from '../core/object.js';
import { alertLine } from '../detect/alerts.js';
import type { DetectedAlert } from '../detect/detector.js';
import { PodIndex } from '../core/pods.js';
import { parseZoneName } from '../detect/dns.js';
import { loadFalcoRules } from '../detect/falco.js';
import { FIELD_TABLES } from '../detect/fields.js';
import { DetectPipeline, type PipelineOptions } from '../detect/pipeline.js';
import { loadKubewardRules } from '../detect/rules.js';
import { renderSummary } from '../detect/summary.js';
import { aggregatedRolesOf, secretAccessOf, type ClusterFacts } from '../detect/context.js';
import { buildMetrics } from '../detect/metrics.js';
import { buildEngine } from '../rbac/engine.js';
import { readInputs } from './detect-inputs.js';
import { builtinDetectRuleFiles, readRuleFile } from '../load/detect-rules.js';
import { DEFAULT_MAX_FILE_BYTES, type ReadLimits } from '../load/input.js';
import { loadSources } from '../load/sources.js';
import { FileTail } from '../load/tail.js';
import { startAuditWebhook, type AuditWebhookOptions, type SinkSpec } from '../serve/audit-webhook.js';
import { certificateExpiry, checkTls } from '../serve/server.js';
import { displayUrl, type WebhookOptions } from '../serve/sinks.js';
import { paintSeverity } from '../report/table.js';
import { inputLimits } from './options.js';
import { serveUntilStopped, useColor, warn, writeOutput } from './output.js';
import type { DetectFlags, RuleFlags, ServeFlags } from './detect.js';

/**
 * The cluster as `--pods` and `--cluster` show it: every pod (attribution of DNS queries and flows,
 * the pods running as a ServiceAccount), and with `--cluster` the RBAC engine over its roles and
 * bindings (which ServiceAccounts can read Secrets, which aggregated ClusterRoles labels feed).
 */
async function clusterFactsFromFlags(flags: RuleFlags, limits: ReadLimits): Promise<ClusterFacts> {
  const sources = [...(flags.pods ? [flags.pods] : []), ...(flags.cluster ?? [])];
  if (sources.length === 0) return {};
  const options = { maxFileBytes: limits.maxBytes, readTimeoutMs: limits.timeoutMs };
  const loaded = await loadSources(sources, options);
  if (!flags.quiet) for (const message of loaded.warnings) warn(message);
  const facts: ClusterFacts = { pods: new PodIndex(loaded.inventory.objects.filter((object): object is KubeObject => object.kind === 'Pod')) };
  if (flags.cluster?.length) {
    const cluster = flags.pods ? await loadSources(flags.cluster, options) : loaded;
    const engine = buildEngine(cluster.inventory);
    facts.secrets = secretAccessOf(engine);
    facts.aggregatedRoles = aggregatedRolesOf(engine);
  }
  return facts;
}

/** The pipeline options from the flags: rules loaded and compiled, pods indexed. */
export async function pipelineOptionsFromFlags(flags: RuleFlags): Promise<PipelineOptions> {
  const limits = inputLimits(flags);
  const readAll = (paths: readonly string[]) => Promise.all(paths.map((path) => readRuleFile(path, limits)));
  const files = [...(flags.builtinRules === false ? [] : builtinDetectRuleFiles()), ...(await readAll(flags.rules ?? []))];
  const rules = loadKubewardRules(files);
  const falco = flags.falcoRules?.length ? loadFalcoRules(await readAll(flags.falcoRules), { fields: FIELD_TABLES.audit, matching: flags.falcoRuleMatching ?? 'first' }) : undefined;
  if (!flags.quiet) for (const message of [...rules.warnings, ...(falco?.warnings ?? [])]) warn(message);
  const facts = await clusterFactsFromFlags(flags, limits);
  return {
    rules,
    falco,
    pods: facts.pods,
    facts,
    clusterDomain: flags.clusterDomain === undefined ? undefined : parseZoneName(flags.clusterDomain, '--cluster-domain'),
    searchDomains: flags.dnsSearch?.map((zone) => parseZoneName(zone, '--dns-search')),
    internalZones: flags.internalZone?.map((zone) => parseZoneName(zone, '--internal-zone')),
  };
}

/** One alert for people; every field from the logs is shown with its control characters escaped. */
function tableLine(detected: DetectedAlert, colour: boolean): string {
  const { alert } = detected;
  const priority = colour ? paintSeverity(alert.priority, alert.priority.padEnd(8)) : alert.priority.padEnd(8);
  // Names, rules and summaries come from the logs and rule files: control characters escaped.
  const lines = [`${escapeControl(alert.time)}  ${priority}  ${escapeControl(alert.rule)}  ${escapeControl(alert.principal)}`, `    ${escapeControl(alert.summary)}`];
  const who: string[] = [];
  if (alert.pod) who.push(`pod ${alert.pod.namespace}/${alert.pod.name}${alert.pod.workload ? ` (${alert.pod.workload})` : ''}`);
  if (alert.serviceAccount) {
    const pods = alert.serviceAccount.pods.map((pod) => pod.name);
    who.push(`serviceaccount ${alert.serviceAccount.namespace}/${alert.serviceAccount.name}${pods.length ? ` (pods: ${pods.slice(0, 5).join(', ')}${pods.length > 5 ? ', …' : ''})` : ''}`);
  }
  if (alert.sourceIPs) who.push(`from ${alert.sourceIPs.join(', ')}`);
  if (alert.domains) who.push(`domains ${alert.domains.join(', ')}`);
  if (who.length) lines.push(`    ${escapeControl(who.join('; '))}`);
  if (alert.respond) lines.push(`    → ${escapeControl(alert.respond)}`);
  lines.push(`    id ${alert.id}`);
  return `${lines.join('\n')}\n`;
}

function tableHeader(): string {
  return 'TIME  PRIORITY  RULE  PRINCIPAL\n    SUMMARY\n';
}

export function fileTime(file: string | undefined): number {
  if (!file) return Date.now();
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

/** The rules a metrics file reports on: kubeward rules that alert, and Falco rules. */
function metricRuleIds(options: PipelineOptions): string[] {
  return [...(options.rules?.rules ?? []).filter((rule) => rule.form !== 'metric').map((rule) => rule.id), ...(options.falco?.rules ?? []).map((rule) => rule.name)];
}

export async function runDetect(flags: DetectFlags): Promise<void> {
  if (!flags.auditLog) throw new InputError('--audit-log is required (a file, or - for stdin)');
  if (flags.follow && [flags.auditLog, flags.dnsLog, flags.flows].includes('-')) throw new InputError('--follow needs files: stdin is read to its end anyway');
  const failOn = flags.failOn ?? 'high';
  const format = flags.format ?? 'json';
  const options = await pipelineOptionsFromFlags(flags);
  // A batch run prints alerts sorted at the end, so it keeps them; --follow prints them as they come.
  const pipeline = new DetectPipeline({ ...options, dnsFallbackTime: fileTime(flags.dnsLog), retainAlerts: !flags.follow });
  const colour = format === 'table' && useColor();
  const print = (alerts: readonly DetectedAlert[]) => {
    for (const detected of alerts) process.stdout.write(format === 'json' ? `${alertLine(detected.alert)}\n` : tableLine(detected, colour));
  };
  if (format === 'table') process.stdout.write(tableHeader());

  if (flags.follow) {
    await follow(pipeline, flags, print);
  } else {
    await readInputs(pipeline, { audit: flags.auditLog, dns: flags.dnsLog, flows: flags.flows }, inputLimits(flags));
    print(pipeline.alerts());
  }
  const summary = pipeline.summary();
  if (flags.metrics) writeOutput(`${JSON.stringify(buildMetrics(summary, pipeline.tally, pipeline.detector.metrics, metricRuleIds(options)), null, 2)}\n`, flags.metrics);
  if (flags.summary !== false) process.stderr.write(renderSummary(summary));
  process.exitCode = failOn !== 'none' && pipeline.tally.reached(failOn) ? 1 : 0;
}

/** Tails the audit (and DNS) log across rotation until SIGINT/SIGTERM, printing alerts as they come. */
async function follow(pipeline: DetectPipeline, flags: DetectFlags, print: (alerts: readonly DetectedAlert[]) => void): Promise<void> {
  const limits = inputLimits(flags);
  const maxLineBytes = limits.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const tail = (path: string) => {
    if (existsSync(path) && !statSync(path).isFile()) throw new InputError(`${path}: --follow needs a regular file (a FIFO or a device has no end to follow); read it without --follow`);
    // a log rotated away, or not written yet, is waited for as tail -F does; a typo must not wait in silence
    if (!existsSync(path) && !flags.quiet) warn(`${path} does not exist (yet): waiting for it to appear`);
    return new FileTail(path, { maxLineBytes, onTooLong: (line) => warn(`${path}:${line}: skipped a line longer than ${maxLineBytes / 1048576} MiB (raise it with --max-file-size)`) });
  };
  const audit = tail(flags.auditLog!);
  const dns = flags.dnsLog ? tail(flags.dnsLog) : undefined;
  const flows = flags.flows ? tail(flags.flows) : undefined;
  const interval = flags.pollInterval ?? 250;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const tick = () => {
      if (dns) for (const { line, text } of dns.poll()) pipeline.dnsLine(text, `${flags.dnsLog}:${line}`);
      if (flows) for (const { line, text } of flows.poll()) pipeline.flowLine(text, `${flags.flows}:${line}`);
      const lines = audit.poll();
      for (const { text } of lines) print(pipeline.auditLine(text));
      // a quiet audit log must not hold DNS alerts back
      if (lines.length === 0) print(pipeline.flushDns());
    };
    const timer = setInterval(tick, timerDelay(interval));
    const stop = () => {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      tick();
      print(pipeline.flushDns());
      audit.close();
      dns?.close();
      flows?.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    tick();
    if (!flags.quiet) process.stderr.write(`kubeward: following ${[flags.auditLog, flags.dnsLog, flags.flows].filter(Boolean).join(', ')} (interrupt to stop)\n`);
  });
}

function parseSink(value: string, webhook: WebhookOptions): SinkSpec {
  if (value === 'stdout') return { kind: 'stdout' };
  if (value.startsWith('file:')) return { kind: 'file', path: value.slice(5) };
  if (value.startsWith('webhook:')) {
    const url = value.slice(8);
    // a URL may carry a user, password or token: shown as logs show it
    if (!/^https?:\/\//.test(url)) throw new InputError(`--sink webhook:URL needs an http(s) URL, got ${displayUrl(url)}`);
    return { kind: 'webhook', url, ...webhook };
  }
  throw new InputError(`--sink must be stdout, file:PATH or webhook:URL (got ${value})`);
}

/** Headers and CA for webhook sinks; a token comes from a file so it never shows in the process list. */
function webhookOptions(flags: ServeFlags): WebhookOptions {
  const headers: Record<string, string> = {};
  for (const header of flags.sinkHeader ?? []) {
    const colon = header.indexOf(':');
    // not quoted: a header is where a credential goes (`X-Api-Key: …`, `Authorization: Bearer …`)
    if (colon <= 0) throw new InputError(`--sink-header must be "Name: value" (one has no name before a colon; its text is not printed, a header may hold a credential)`);
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  const token = readRequired(flags.sinkTokenFile, 'sink token file')?.toString('utf8').trim();
  if (flags.sinkTokenFile && !token) throw new InputError(`${flags.sinkTokenFile}: the sink token file is empty`);
  if (token) headers.authorization = `Bearer ${token}`;
  return { headers, ca: readRequired(flags.sinkCa, 'sink CA') };
}

function readRequired(path: string | undefined, what: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new InputError(`${path}: cannot read ${what}: ${systemErrorText(error)}`);
  }
}

/** `host:port`, `:port` or `[v6]:port`. */
function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!match) throw new InputError(`--listen must be host:port, [IPv6]:port or :port (got ${listen})`);
  const port = Number(match[3]);
  if (port > 65535) throw new InputError(`--listen: ${port} is not a TCP port (0-65535)`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

/** The receiver's options from the flags: every file read and every flag checked before anything starts. */
export async function serveOptionsFromFlags(flags: ServeFlags, log: (message: string) => void): Promise<AuditWebhookOptions> {
  if (!flags.insecureHttp && (!flags.tlsCert || !flags.tlsKey)) throw new InputError('--tls-cert and --tls-key are required (the API server sends audit events over HTTPS)');
  const { host, port } = parseListen(flags.listen);
  // timers take at most 2^31 ms; a day (or an hour to shut down) is more than any real setting
  if (flags.idleTimeout !== undefined && flags.idleTimeout > 86_400) throw new InputError('--idle-timeout must be at most 86400 seconds');
  if (flags.shutdownTimeout !== undefined && flags.shutdownTimeout > 3600) throw new InputError('--shutdown-timeout must be at most 3600 seconds');
  const token = readRequired(flags.tokenFile, 'token file')?.toString('utf8').trim();
  if (flags.tokenFile && !token) throw new InputError(`${flags.tokenFile}: the token file is empty`);
  const webhook = webhookOptions(flags);
  const sinks = (flags.sink ?? ['stdout']).map((sink) => parseSink(sink, webhook));
  const tls = flags.insecureHttp ? undefined : { cert: readRequired(flags.tlsCert, 'certificate')!, key: readRequired(flags.tlsKey, 'key')!, clientCa: readRequired(flags.clientCa, 'client CA') };
  if (tls) checkTls(tls);
  const pipeline = await pipelineOptionsFromFlags(flags);
  return {
    host,
    port,
    tls,
    token,
    maxBodyBytes: flags.maxBodyBytes,
    maxBacklogBytes: flags.maxBacklogBytes,
    journal: flags.journal,
    journalMaxBytes: flags.journalMaxBytes,
    sinks,
    sinkSpoolMaxBytes: flags.sinkSpoolMaxBytes,
    connections: {
      ...(flags.maxConnections !== undefined ? { maxConnections: flags.maxConnections } : {}),
      ...(flags.maxConnectionsPerClient !== undefined ? { maxConnectionsPerClient: flags.maxConnectionsPerClient } : {}),
      ...(flags.idleTimeout !== undefined ? { idleTimeoutMs: flags.idleTimeout * 1000 } : {}),
    },
    shutdownTimeoutMs: flags.shutdownTimeout !== undefined ? flags.shutdownTimeout * 1000 : undefined,
    pipeline,
    log,
  };
}

export async function runServe(flags: ServeFlags): Promise<void> {
  const log = (message: string) => {
    if (!flags.quiet) warn(message);
  };
  const options = await serveOptionsFromFlags(flags, log);
  if (options.tls && certificateExpiry(options.tls.cert) < Date.now()) log(`the certificate in ${flags.tlsCert} has expired: the API server will refuse it`);
  const server = await startAuditWebhook(options);
  if (!options.token && !options.tls?.clientCa) log(`no --token-file and no --client-ca: anyone who can reach ${server.url} can post audit events`);
  process.stderr.write(`kubeward: audit webhook listening on ${server.url}\n`);
  await serveUntilStopped(server);
}
