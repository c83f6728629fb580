import { readFileSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { InputError } from '../core/errors.js';
import type { KubeObject } from '../core/object.js';
import type { Severity } from '../core/severity.js';
import { alertLine } from '../detect/alerts.js';
import type { DetectedAlert } from '../detect/detector.js';
import { PodIndex } from '../detect/dns.js';
import { loadFalcoRules, type RuleMatching } from '../detect/falco.js';
import { FIELD_TABLES } from '../detect/fields.js';
import { DetectPipeline, type PipelineOptions } from '../detect/pipeline.js';
import { loadKubewardRules } from '../detect/rules.js';
import { renderSummary } from '../detect/summary.js';
import { builtinDetectRuleFiles, readRuleFile } from '../load/detect-rules.js';
import { forEachLine } from '../load/lines.js';
import { loadSources } from '../load/sources.js';
import { FileTail } from '../load/tail.js';
import { startAuditWebhook, type SinkSpec } from '../serve/audit-webhook.js';
import type { WebhookOptions } from '../serve/sinks.js';
import { paintSeverity } from '../report/table.js';
import { collect, positiveNumber } from './options.js';
import { serveUntilStopped, useColor, warn } from './output.js';

const SEVERITY_CHOICES = ['critical', 'high', 'medium', 'low', 'info', 'none'];

/** Flags both `detect` and `detect serve` read: which rules, which pods, which DNS conventions. */
export interface RuleFlags {
  rules?: string[];
  falcoRules?: string[];
  builtinRules?: boolean;
  falcoRuleMatching?: RuleMatching;
  pods?: string;
  clusterDomain?: string;
  dnsSearch?: string[];
  quiet?: boolean;
}

interface DetectFlags extends RuleFlags {
  auditLog?: string;
  dnsLog?: string;
  format?: 'json' | 'table';
  follow?: boolean;
  failOn?: Severity | 'none';
  summary?: boolean;
  pollInterval?: number;
}

function addRuleOptions(command: Command): Command {
  return command
    .option('--rules <file>', 'kubeward detection rules file, loaded after the built-in ones (repeatable)', collect)
    .option('--falco-rules <file>', 'Falco rules file for the k8s_audit source, loaded in order (repeatable)', collect)
    .option('--no-builtin-rules', 'do not load the built-in rules (rules/detect/)')
    .addOption(new Option('--falco-rule-matching <mode>', 'first: one alert per event, the first matching Falco rule (Falco default); all: every matching rule').choices(['first', 'all']).default('first'))
    .option('--pods <file>', 'pods (`kubectl get pods -A -o json`) to attribute DNS queries to pods and workloads')
    .option('--cluster-domain <domain>', 'the cluster DNS domain', 'cluster.local')
    .option('--dns-search <domain>', "a node search domain pods inherit (beyond the cluster's), stripped from expansions (repeatable)", collect)
    .option('-q, --quiet', 'do not print warnings');
}

/** The pipeline options from the flags: rules loaded and compiled, pods indexed. */
export async function pipelineOptionsFromFlags(flags: RuleFlags): Promise<PipelineOptions> {
  const files = [...(flags.builtinRules === false ? [] : builtinDetectRuleFiles()), ...(flags.rules ?? []).map(readRuleFile)];
  const rules = loadKubewardRules(files);
  const falco = flags.falcoRules?.length ? loadFalcoRules(flags.falcoRules.map(readRuleFile), { fields: FIELD_TABLES.audit, matching: flags.falcoRuleMatching ?? 'first' }) : undefined;
  if (!flags.quiet) for (const message of [...rules.warnings, ...(falco?.warnings ?? [])]) warn(message);
  let pods: PodIndex | undefined;
  if (flags.pods) {
    const loaded = await loadSources([flags.pods]);
    if (!flags.quiet) for (const message of loaded.warnings) warn(message);
    pods = new PodIndex(loaded.inventory.objects.filter((object): object is KubeObject => object.kind === 'Pod'));
  }
  return { rules, falco, pods, clusterDomain: flags.clusterDomain, searchDomains: flags.dnsSearch };
}

function tableLine(detected: DetectedAlert, colour: boolean): string {
  const { alert } = detected;
  const priority = colour ? paintSeverity(alert.priority, alert.priority.padEnd(8)) : alert.priority.padEnd(8);
  return `${alert.time}  ${priority}  ${alert.rule}  ${alert.principal}\n    ${alert.summary}\n`;
}

function tableHeader(): string {
  return 'TIME  PRIORITY  RULE  PRINCIPAL\n    SUMMARY\n';
}

/** Reads a DNS log whole (it is followed separately under --follow). */
function readDnsLog(pipeline: DetectPipeline, file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read DNS log (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  text.split('\n').forEach((line, index) => pipeline.dnsLine(line, `${file}:${index + 1}`));
}

async function readAuditLog(pipeline: DetectPipeline, file: string): Promise<void> {
  await forEachLine(file, 'audit log', (line) => pipeline.auditLine(line));
}

function fileTime(file: string | undefined): number {
  if (!file) return Date.now();
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

async function runDetect(flags: DetectFlags): Promise<void> {
  if (!flags.auditLog) throw new InputError('--audit-log is required (a file, or - for stdin)');
  if (flags.follow && flags.auditLog === '-') throw new InputError('--follow needs a file: stdin is read to its end anyway');
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
    if (flags.dnsLog) readDnsLog(pipeline, flags.dnsLog);
    await readAuditLog(pipeline, flags.auditLog);
    pipeline.flushDns();
    print(pipeline.alerts());
  }
  if (flags.summary !== false) process.stderr.write(renderSummary(pipeline.summary()));
  process.exitCode = failOn !== 'none' && pipeline.tally.reached(failOn) ? 1 : 0;
}

/** Tails the audit (and DNS) log across rotation until SIGINT/SIGTERM, printing alerts as they come. */
async function follow(pipeline: DetectPipeline, flags: DetectFlags, print: (alerts: readonly DetectedAlert[]) => void): Promise<void> {
  const audit = new FileTail(flags.auditLog!);
  const dns = flags.dnsLog ? new FileTail(flags.dnsLog) : undefined;
  const interval = flags.pollInterval ?? 250;
  await new Promise<void>((resolve) => {
    let stopping = false;
    const tick = () => {
      if (dns) for (const { line, text } of dns.poll()) pipeline.dnsLine(text, `${flags.dnsLog}:${line}`);
      const lines = audit.poll();
      for (const { text } of lines) print(pipeline.auditLine(text));
      // a quiet audit log must not hold DNS alerts back
      if (lines.length === 0) print(pipeline.flushDns());
    };
    const timer = setInterval(tick, interval);
    const stop = () => {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      tick();
      print(pipeline.flushDns());
      audit.close();
      dns?.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    tick();
    if (!flags.quiet) process.stderr.write(`kubeward: following ${[flags.auditLog, flags.dnsLog].filter(Boolean).join(' and ')} (interrupt to stop)\n`);
  });
}

interface ServeFlags extends RuleFlags {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  tokenFile?: string;
  maxBodyBytes: number;
  journal: string;
  journalMaxBytes?: number;
  sink?: string[];
  sinkHeader?: string[];
  sinkTokenFile?: string;
  sinkCa?: string;
  insecureHttp?: boolean;
}

function parseSink(value: string, webhook: WebhookOptions): SinkSpec {
  if (value === 'stdout') return { kind: 'stdout' };
  if (value.startsWith('file:')) return { kind: 'file', path: value.slice(5) };
  if (value.startsWith('webhook:')) {
    const url = value.slice(8);
    if (!/^https?:\/\//.test(url)) throw new InputError(`--sink webhook:URL needs an http(s) URL, got ${url}`);
    return { kind: 'webhook', url, ...webhook };
  }
  throw new InputError(`--sink must be stdout, file:PATH or webhook:URL (got ${value})`);
}

/** Headers and CA for webhook sinks; a token comes from a file so it never shows in the process list. */
function webhookOptions(flags: ServeFlags): WebhookOptions {
  const headers: Record<string, string> = {};
  for (const header of flags.sinkHeader ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new InputError(`--sink-header must be "Name: value" (got ${header})`);
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
    throw new InputError(`${path}: cannot read ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

async function runServe(flags: ServeFlags): Promise<void> {
  if (!flags.insecureHttp && (!flags.tlsCert || !flags.tlsKey)) throw new InputError('--tls-cert and --tls-key are required (the API server sends audit events over HTTPS)');
  const match = /^(.*):(\d+)$/.exec(flags.listen);
  if (!match) throw new InputError(`--listen must be host:port or :port (got ${flags.listen})`);
  const token = readRequired(flags.tokenFile, 'token file')?.toString('utf8').trim();
  if (flags.tokenFile && !token) throw new InputError(`${flags.tokenFile}: the token file is empty`);
  const options = await pipelineOptionsFromFlags(flags);
  const webhook = webhookOptions(flags);
  const server = await startAuditWebhook({
    host: match[1] || '0.0.0.0',
    port: Number(match[2]),
    tls: flags.insecureHttp ? undefined : { cert: readRequired(flags.tlsCert, 'certificate')!, key: readRequired(flags.tlsKey, 'key')!, clientCa: readRequired(flags.clientCa, 'client CA') },
    token,
    maxBodyBytes: flags.maxBodyBytes,
    journal: flags.journal,
    journalMaxBytes: flags.journalMaxBytes,
    sinks: (flags.sink ?? ['stdout']).map((sink) => parseSink(sink, webhook)),
    pipeline: options,
    log: (message) => {
      if (!flags.quiet) warn(message);
    },
  });
  process.stderr.write(`kubeward: audit webhook listening on ${server.url}\n`);
  await serveUntilStopped(server);
}

/** `kubeward detect …` and `kubeward detect serve …` (issue 5). */
export function registerDetect(program: Command): void {
  const detect = program
    .command('detect')
    .description('detect the attack in Kubernetes audit logs and CoreDNS logs: stateful rules, Falco k8s_audit rules')
    .enablePositionalOptions()
    .option('--audit-log <file>', 'audit log (JSON lines, the log backend; EventList lines too), or - for stdin')
    .option('--dns-log <file>', 'CoreDNS log (log plugin lines, with or without a leading timestamp)')
    .addOption(new Option('--format <format>', 'json: one alert per line; table: for people').choices(['json', 'table']).default('json'))
    .option('--follow', 'keep reading the logs as they grow, across rotation, until interrupted')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an alert is at or above this (default high)').choices(SEVERITY_CHOICES))
    .option('--no-summary', 'do not print the end-of-run summary on stderr')
    .addOption(new Option('--poll-interval <ms>', 'how often --follow looks for new lines').argParser(positiveNumber('--poll-interval')).hideHelp());
  addRuleOptions(detect);
  detect.addHelpText(
    'after',
    `
Alerts go to stdout (json: {"rule","priority","time","principal","summary","evidence","stage"} per line,
plus "falcoPriority" for Falco rules); the summary (events read, alerts by rule, time to detect) to stderr.
Exit codes: 0 no alert at or above --fail-on, 1 alerts at or above it, 2 usage or input error.

Examples:
  kubeward detect --audit-log /var/log/kubernetes/audit.log --dns-log coredns.log --pods pods.json
  kubectl logs -n kube-system -l k8s-app=kube-dns --timestamps > coredns.log
  kubeward detect --audit-log audit.log --falco-rules k8s_audit_rules.yaml --format table
  kubeward detect --audit-log /var/log/kubernetes/audit.log --follow`,
  );
  detect.action(async (flags: DetectFlags) => runDetect(flags));

  const serve = detect
    .command('serve')
    .description('the audit webhook backend: the API server posts EventLists here (--audit-webhook-config-file)')
    .option('--listen <host:port>', 'address to listen on', ':8443')
    .option('--tls-cert <file>', 'server certificate (PEM)')
    .option('--tls-key <file>', 'server private key (PEM)')
    .option('--client-ca <file>', 'require client certificates signed by this CA (PEM)')
    .option('--token-file <file>', 'require this bearer token (the kubeconfig user token)')
    .option('--insecure-http', 'plain HTTP (tests and local experiments only)')
    .option('--max-body-bytes <bytes>', 'largest request body accepted (413 above)', positiveNumber('--max-body-bytes'), 32 * 1024 * 1024)
    .option('--journal <file>', 'append-only journal: a batch is answered 200 only once it is written and fsynced here', 'kubeward-audit-journal.jsonl')
    .option('--journal-max-bytes <bytes>', 'rotate the journal to <journal>.1 once it is processed and past this size (default 128 MiB)', positiveNumber('--journal-max-bytes'))
    .option('--sink <sink>', 'where alerts go: stdout, file:PATH or webhook:URL (repeatable; default stdout)', collect)
    .option('--sink-header <header>', 'a header webhook sinks send, "Name: value" (repeatable)', collect)
    .option('--sink-token-file <file>', 'webhook sinks send "Authorization: Bearer <token>" with the token in this file')
    .option('--sink-ca <file>', 'CA certificate (PEM) webhook sinks trust for their receiver');
  addRuleOptions(serve);
  serve.addHelpText(
    'after',
    `
Endpoints: POST any path (EventList body), GET /healthz, GET /metrics (Prometheus).
See docs/detect.md for the kube-apiserver webhook kubeconfig and an audit policy.`,
  );
  serve.action(async (flags: ServeFlags) => runServe(flags));
}
