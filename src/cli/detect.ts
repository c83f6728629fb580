import { Command, Option } from 'commander';
import type { Severity } from '../core/severity.js';
import type { RuleMatching } from '../detect/falco.js';
import { registerTriage } from './detect-triage.js';
import { addInputOptions, collect, positiveInteger, positiveNumber, type InputFlags } from './options.js';

/** What the commands do: loaded when one runs, so that defining them loads no engine (issue 9). */
const run = () => import('./detect-run.js');

const SEVERITY_CHOICES = ['critical', 'high', 'medium', 'low', 'info', 'none'];

/** Flags both `detect` and `detect serve` read: which rules, which pods, which DNS conventions. */
export interface RuleFlags extends InputFlags {
  rules?: string[];
  falcoRules?: string[];
  builtinRules?: boolean;
  falcoRuleMatching?: RuleMatching;
  pods?: string;
  clusterDomain?: string;
  dnsSearch?: string[];
  internalZone?: string[];
  cluster?: string[];
  quiet?: boolean;
}

export interface DetectFlags extends RuleFlags {
  auditLog?: string;
  dnsLog?: string;
  flows?: string;
  metrics?: string;
  format?: 'json' | 'table';
  follow?: boolean;
  failOn?: Severity | 'none';
  summary?: boolean;
  pollInterval?: number;
}

/** The rule options; `dns` adds those only DNS logs use (the receiver gets no DNS log). */
function addRuleOptions(command: Command, { dns }: { dns: boolean }): Command {
  addInputOptions(command)
    .option('--rules <file>', 'kubeward detection rules file, loaded after the built-in ones (repeatable)', collect)
    .option('--falco-rules <file>', 'Falco rules file for the k8s_audit source, loaded in order (repeatable)', collect)
    .option('--no-builtin-rules', 'do not load the built-in rules (rules/detect/)')
    .addOption(new Option('--falco-rule-matching <mode>', 'first: one alert per event, the first matching Falco rule (Falco default); all: every matching rule').choices(['first', 'all']).default('first'))
    .option('--pods <file>', 'pods (`kubectl get pods -A -o json`) to attribute DNS queries and flows to pods and workloads')
    .option('--cluster <source>', 'a cluster dump or manifests (repeatable): pods for attribution, and RBAC to know which ServiceAccounts can read Secrets', collect);
  if (dns) {
    command
      .option('--cluster-domain <domain>', 'the cluster DNS domain', 'cluster.local')
      .option('--dns-search <domain>', "a node search domain pods inherit (beyond the cluster's), stripped from expansions (repeatable)", collect)
      .option('--internal-zone <zone>', 'a DNS zone whose names stay inside (a corporate zone): never counted as leaving (repeatable)', collect);
  }
  return command.option('-q, --quiet', 'do not print warnings');
}

export interface ServeFlags extends RuleFlags {
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  tokenFile?: string;
  maxBodyBytes: number;
  maxBacklogBytes?: number;
  journal: string;
  journalMaxBytes?: number;
  sink?: string[];
  sinkHeader?: string[];
  sinkTokenFile?: string;
  sinkCa?: string;
  sinkSpoolMaxBytes?: number;
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  idleTimeout?: number;
  shutdownTimeout?: number;
  insecureHttp?: boolean;
}

/** `kubeward detect …` and `kubeward detect serve …` (issue 5). */
export function registerDetect(program: Command): void {
  const detect = program
    .command('detect')
    .description('detect the attack in Kubernetes audit logs and CoreDNS logs: stateful rules, Falco k8s_audit rules')
    .enablePositionalOptions()
    .option('--audit-log <file>', 'audit log (JSON lines, the log backend; EventList lines too), or - for stdin')
    .option('--dns-log <file>', 'CoreDNS log (log plugin lines, with or without a leading timestamp), or - for stdin')
    .option('--flows <file>', 'Cilium Hubble flows (`hubble observe -o json` lines, or the exporter file), or - for stdin')
    .option('--metrics <file>', 'write what the run measured (JSON): alerts and time to detect per rule and overall, the Expose and Limit metrics')
    .addOption(new Option('--format <format>', 'json: one alert per line; table: for people').choices(['json', 'table']).default('json'))
    .option('--follow', 'keep reading the logs as they grow, across rotation, until interrupted')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when an alert is at or above this (default high)').choices(SEVERITY_CHOICES))
    .option('--no-summary', 'do not print the end-of-run summary on stderr')
    .addOption(new Option('--poll-interval <ms>', 'how often --follow looks for new lines').argParser(positiveNumber('--poll-interval', 60_000)).hideHelp());
  addRuleOptions(detect, { dns: true });
  detect.addHelpText(
    'after',
    `
Alerts go to stdout (json: {"rule","priority","time","principal","summary","evidence","stage"} per line,
plus "falcoPriority" for Falco rules, a stable "id", and what a responder needs: "pod", "serviceAccount"
with the pods running as it, "sourceIPs", "domains", "objects", "respond"); the summary (events read,
alerts by rule, time to detect) to stderr.
Exit codes: 0 no alert at or above --fail-on, 1 alerts at or above it, 2 usage or input error.

Examples:
  kubeward detect --audit-log /var/log/kubernetes/audit.log --dns-log coredns.log --pods pods.json
  kubectl logs -n kube-system -l k8s-app=kube-dns --timestamps > coredns.log
  kubeward detect --audit-log audit.log --falco-rules k8s_audit_rules.yaml --format table
  hubble observe --since 1h -o json > flows.json
  kubeward detect --audit-log audit.log --flows flows.json --cluster cluster-dump.json --metrics metrics.json
  kubeward detect triage alerts.jsonl --verdicts verdicts.yaml
  kubeward detect --audit-log /var/log/kubernetes/audit.log --follow`,
  );
  detect.action(async (flags) => (await run()).runDetect(flags));
  registerTriage(detect);

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
    .option('--max-backlog-bytes <bytes>', 'accepted batches waiting for the rules past which new ones are answered 429 with Retry-After (default 64 MiB)', positiveNumber('--max-backlog-bytes'))
    .option('--journal <file>', 'append-only journal: a batch is answered 200 only once it is written and fsynced here', 'kubeward-audit-journal.jsonl')
    .option('--journal-max-bytes <bytes>', 'rotate the journal to <journal>.1 past this size once <journal>.1 is processed (default 128 MiB)', positiveNumber('--journal-max-bytes'))
    .option('--sink <sink>', 'where alerts go: stdout, file:PATH or webhook:URL (repeatable; default stdout)', collect)
    .option('--sink-header <header>', 'a header webhook sinks send, "Name: value" (repeatable)', collect)
    .option('--sink-token-file <file>', 'webhook sinks send "Authorization: Bearer <token>" with the token in this file')
    .option('--sink-ca <file>', 'CA certificate (PEM) webhook sinks trust for their receiver')
    .option('--sink-spool-max-bytes <bytes>', 'rotate the alert spool (<journal>.alerts) past this size; a sink further behind loses its oldest alerts, counted (default 64 MiB)', positiveNumber('--sink-spool-max-bytes'))
    .option('--max-connections <count>', 'open connections at most; past it the oldest idle one is closed (default 1024)', positiveInteger('--max-connections'))
    .option('--max-connections-per-client <count>', 'open connections from one address at most (default 256)', positiveInteger('--max-connections-per-client'))
    .option('--idle-timeout <seconds>', 'close a connection with no request in progress for this long (default 10)', positiveNumber('--idle-timeout'))
    .option('--shutdown-timeout <seconds>', 'on SIGTERM, how long processing and sinks may catch up before the receiver stops where it is (default 10)', positiveNumber('--shutdown-timeout'))
  addRuleOptions(serve, { dns: false });
  serve.addHelpText(
    'after',
    `
Endpoints: POST any path (EventList body), GET /healthz (alive), GET /readyz (the journal takes
writes), GET /metrics (Prometheus). docs/reliability.md: what a 200 means, delivery per sink, limits.
See docs/detect.md for the kube-apiserver webhook kubeconfig and an audit policy.`,
  );
  serve.action(async (flags) => (await run()).runServe(flags));
}
