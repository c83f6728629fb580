import { Option, type Command } from 'commander';
import { InputError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { PodIndex } from '../core/pods.js';
import { emptyDnsStats, parseDnsLine, type DnsContext } from '../detect/dns.js';
import { emptyFlowStats, parseFlowLine } from '../detect/hubble.js';
import { loadSources } from '../load/sources.js';
import type { Need } from '../netpol/generate.js';
import { buildTopology, type Workload } from '../netpol/peers.js';
import {
  CONNLIST_FORMATS,
  DnsObservations,
  emptyTraffic,
  FlowObservations,
  mergeTraffic,
  verifyPolicies,
  type ObservedTraffic,
  connectionList,
  DEFAULT_CLUSTER_DNS,
  DEFAULT_SKIPPED_NAMESPACES,
  generatePolicies,
  netpolFindings,
  parseFlows,
  reach,
  renderConnlist,
  renderGenerated,
  renderReach,
  type AnalysisOptions,
  type ClusterDns,
} from '../netpol/index.js';
import { buildReport } from '../report/index.js';
import { forEachLine, readInput, type ReadLimits } from '../load/input.js';
import { addReportOptions, addSourceOptions, collect, emitReport, inputLimits, loadFromFlags, type InputFlags, type ReportFlags, type SourceFlags } from './options.js';
import { warn, warnAll, writeOutput } from './output.js';

/** The flags for the choices where network plugins disagree (see docs/netpol.md). */
interface SemanticsFlags {
  ipblockMatchesPods?: boolean;
  hostNetwork?: 'pod' | 'node';
  ipv6?: boolean;
  nodeTraffic?: 'allowed' | 'policy';
  nodeCidr?: string;
}

interface OutputFlags {
  output?: string;
  quiet?: boolean;
}


function addSemanticsOptions(command: Command): Command {
  return command
    .option('--ipblock-matches-pods', 'ipBlocks and ANP networks also match pods by their status.podIPs (default: external addresses only)')
    .addOption(new Option('--host-network <mode>', 'hostNetwork pods: "pod" treats them as pods, "node" as their node, which policies do not restrict').choices(['pod', 'node']).default('pod'))
    .option('--ipv6', 'analyse IPv6 addresses too (default: IPv4, as netpol-analyzer)')
    .addOption(new Option('--node-traffic <mode>', 'traffic between a pod and its node: "allowed" always (Kubernetes), or judged by "policy"').choices(['allowed', 'policy']).default('allowed'))
    .option('--node-cidr <cidr>', 'the node addresses, for --node-traffic policy (default: an unknown address)');
}

function addOutputOptions(command: Command): Command {
  return command.option('-o, --output <file>', 'write to a file (atomically) instead of stdout').option('-q, --quiet', 'do not print warnings');
}

function analysisOptions(flags: SemanticsFlags): AnalysisOptions {
  return {
    ipBlockMatchesPods: flags.ipblockMatchesPods ?? false,
    hostNetwork: flags.hostNetwork ?? 'pod',
    ipv6: flags.ipv6 ?? false,
    nodeTraffic: flags.nodeTraffic ?? 'allowed',
    nodeCidr: flags.nodeCidr,
  };
}

/** `--cluster-dns kube-system/k8s-app=kube-dns`: where cluster DNS runs, as namespace/label=value[,label=value]. */
function clusterDnsOf(text: string | undefined): ClusterDns {
  if (!text) return DEFAULT_CLUSTER_DNS;
  const match = /^([a-z0-9-]+)\/(.+)$/.exec(text);
  const labels = match ? Object.fromEntries(match[2].split(',').map((pair) => pair.split('=').map((part) => part.trim()))) : {};
  if (!match || Object.entries(labels).some(([key, value]) => !key || value === undefined)) {
    throw new InputError(`--cluster-dns must read namespace/label=value[,label=value], e.g. ${DEFAULT_CLUSTER_DNS.namespace}/k8s-app=kube-dns`);
  }
  return { namespace: match[1], labels: labels as Record<string, string> };
}

/** `kubeward netpol …` (issue 4). */
export function registerNetpol(program: Command): void {
  const netpol = program
    .command('netpol')
    .description('NetworkPolicy analysis: who may talk to whom, coverage gaps, least-privilege policies (Kubernetes NetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy)');

  const connlist = netpol
    .command('connlist')
    .description('list every allowed connection between workloads and to or from external address ranges')
    .argument('<sources...>', 'manifest files or directories, charts, kustomize directories, cluster dumps, - for stdin')
    .addOption(new Option('--format <format>', 'output format').choices([...CONNLIST_FORMATS]).default('txt'))
    .addHelpText(
      'after',
      `
Lines read "src => dst : conns", as netpol-analyzer prints them: workloads as ns/name[Kind], external
ranges as a.b.c.d-e.f.g.h[External], conns as "All Connections" or "TCP 80,UDP 53".

Exit codes: 0 listed, 2 usage or input error.

Examples:
  kubeward netpol connlist ./manifests/
  kubeward netpol connlist ./chart -n shop --format md > connectivity.md
  kubeward netpol connlist cluster-dump.json --format dot | dot -Tsvg > connectivity.svg`,
    );
  addSemanticsOptions(connlist);
  addOutputOptions(connlist);
  addSourceOptions(connlist);
  connlist.action(async (sources: string[], flags: SourceFlags & SemanticsFlags & OutputFlags & { format: string }) => {
    const { loaded } = await loadFromFlags(sources, flags);
    const list = connectionList(loaded.inventory, analysisOptions(flags));
    warnAll([...loaded.warnings, ...list.warnings], flags.quiet);
    writeOutput(renderConnlist(list, flags.format), flags.output);
  });

  const reachCommand = netpol
    .command('reach')
    .description('may SRC open a connection to DST on a port, and which policies decide it')
    .argument('<src>', 'a workload (ns/name or ns/name[Kind]), an IP address or CIDR, or node')
    .argument('<dst>', 'a workload (ns/name or ns/name[Kind]), an IP address or CIDR, or node')
    .argument('<sources...>', 'manifest files or directories, charts, kustomize directories, cluster dumps, - for stdin')
    .requiredOption('--port <port>', 'destination port: a number, or a container port name of the destination')
    .addOption(new Option('--protocol <protocol>', 'TCP, UDP or SCTP (default TCP, or the named port\'s)').choices(['TCP', 'UDP', 'SCTP']))
    .addOption(new Option('--format <format>', 'output format').choices(['txt', 'json']).default('txt'))
    .addHelpText(
      'after',
      `
Exit codes: 0 allowed, 1 denied, 2 usage or input error.

Examples:
  kubeward netpol reach shop/frontend shop/backend --port 8080 ./manifests/
  kubeward netpol reach checkout/tracing-agent 8.8.8.8 --port 53 --protocol UDP ./chart -n checkout`,
    );
  addSemanticsOptions(reachCommand);
  addOutputOptions(reachCommand);
  addSourceOptions(reachCommand);
  reachCommand.action(async (src: string, dst: string, sources: string[], flags: SourceFlags & SemanticsFlags & OutputFlags & { port: string; protocol?: string; format: string }) => {
    const { loaded } = await loadFromFlags(sources, flags);
    const result = reach(loaded.inventory, { src, dst, port: flags.port, protocol: flags.protocol }, analysisOptions(flags));
    warnAll([...loaded.warnings, ...result.warnings], flags.quiet);
    writeOutput(flags.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : renderReach(result), flags.output);
    process.exitCode = result.allowed ? 0 : 1;
  });

  const coverageCommand = netpol
    .command('coverage')
    .description('findings and metrics: namespaces without default-deny, workloads that may reach the internet or send DNS past cluster DNS')
    .argument('<sources...>', 'manifest files or directories, charts, kustomize directories, cluster dumps, - for stdin')
    .option('--cluster-dns <ns/label=value>', `where cluster DNS runs (default ${DEFAULT_CLUSTER_DNS.namespace}/k8s-app=kube-dns)`)
    .option('--internal-cidr <cidr>', 'addresses that are not the internet, besides private and reserved ranges (repeatable)', collect)
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or input error.

Examples:
  kubeward netpol coverage ./chart -n checkout
  kubeward netpol coverage cluster-dump.json --format sarif -o netpol.sarif`,
    );
  addSemanticsOptions(coverageCommand);
  addReportOptions(coverageCommand);
  addSourceOptions(coverageCommand);
  coverageCommand.action(async (sources: string[], flags: SourceFlags & SemanticsFlags & ReportFlags & { clusterDns?: string; internalCidr?: string[] }) => {
    const { config, loaded } = await loadFromFlags(sources, flags);
    const result = netpolFindings(loaded.inventory, { ...analysisOptions(flags), clusterDns: clusterDnsOf(flags.clusterDns), internalCidrs: flags.internalCidr, ignores: config.ignore });
    const rules = result.rules.filter((rule) => !config.disable.includes(rule.id));
    const findings = result.findings.filter((finding) => !config.disable.includes(finding.ruleId));
    const report = buildReport({ sources, findings, rules, warnings: [...loaded.warnings, ...result.warnings], title: 'kubeward netpol coverage' });
    report.metrics = result.metrics;
    emitReport(report, flags, config);
  });

  const generate = netpol
    .command('generate')
    .description('write least-privilege NetworkPolicies: default deny per namespace, then what Services, declared flows, observed traffic and DNS need; verified by the NetworkPolicy engine')
    .argument('<sources...>', 'manifest files or directories, charts, kustomize directories, cluster dumps, - for stdin')
    .option('--from <flows.yaml>', 'declared connections {src, dst, conn} (the connlist JSON shape; see docs/netpol.md)')
    .option('--from-flows <file>', 'Cilium Hubble flows (hubble observe -o json, or the flow exporter file): allow exactly the connections seen')
    .option('--from-dns-log <file>', 'CoreDNS query log (log plugin): DNS for the workloads that queried, and the Services they looked up')
    .option('--pods <file>', 'pods with their IPs (kubectl get pods -A -o json) to attribute queries and flows (default: the pods of the sources)')
    .option('--cluster-domain <domain>', 'the cluster DNS domain', 'cluster.local')
    .option('--dns-search <domain>', "a node search domain pods inherit (beyond the cluster's) (repeatable)", collect)
    .option('--cluster-dns <ns/label=value>', `where cluster DNS runs (default ${DEFAULT_CLUSTER_DNS.namespace}/k8s-app=kube-dns)`)
    .option('--skip-namespace <namespace>', `namespace to write no policies for (repeatable; default ${DEFAULT_SKIPPED_NAMESPACES.join(', ')})`, collect)
    .addHelpText(
      'after',
      `
Existing NetworkPolicies are ignored: the output is meant to replace them. It is checked before it is
written, as with kubeward netpol connlist <sources> generated.yaml (after removing the old policies): every
observed connection allowed, nothing else to or from the workloads; the header says so or warns.

Exit codes: 0 written, 2 usage or input error.

Examples:
  kubeward netpol generate ./manifests/ -o policies.yaml
  kubeward netpol generate ./chart -n shop --from flows.yaml | kubectl apply -f -
  kubeward netpol generate cluster-dump.json --from-dns-log coredns.log --pods pods.json
  hubble observe --since 24h -o json > flows.json; kubeward netpol generate cluster-dump.json --from-flows flows.json`,
    );
  addOutputOptions(generate);
  addSourceOptions(generate);
  generate.action(async (sources: string[], flags: SourceFlags & InputFlags & OutputFlags & GenerateFlags) => {
    const { loaded } = await loadFromFlags(sources, flags);
    const flows = flags.from ? parseFlows(await readInput(flags.from, 'flows file', inputLimits(flags)), flags.from) : [];
    const clusterDns = clusterDnsOf(flags.clusterDns);
    const observed = await observeTraffic(flags, loaded.inventory, clusterDns);
    const result = generatePolicies(loaded.inventory, { flows, clusterDns, skipNamespaces: flags.skipNamespace, observed });
    const verification = verifyPolicies(loaded.inventory, result);
    const problems = [
      ...verification.notAllowed.map(({ need, missing }) => `observed but not allowed by the generated policies: ${describeNeed(need)} : ${missing.toString()}`),
      ...verification.unintended.map((connection) => `the generated policies also allow ${connection.src} => ${connection.dst} : ${connection.conn.toString()}, which nothing asked for`),
    ];
    warnAll([...loaded.warnings, ...result.warnings, ...problems], flags.quiet);
    writeOutput(renderGenerated(result, verification), flags.output);
  });
}

interface GenerateFlags {
  from?: string;
  fromFlows?: string;
  fromDnsLog?: string;
  pods?: string;
  clusterDomain?: string;
  dnsSearch?: string[];
  clusterDns?: string;
  skipNamespace?: string[];
}

/** The traffic the DNS log and the flows show, told as workloads of the sources; undefined when neither is given. */
async function observeTraffic(flags: GenerateFlags & InputFlags, inventory: Inventory, clusterDns: ClusterDns): Promise<ObservedTraffic | undefined> {
  if (!flags.fromDnsLog && !flags.fromFlows) return undefined;
  const limits = inputLimits(flags);
  const pods = new PodIndex(flags.pods ? (await loadSources([flags.pods], { maxFileBytes: limits.maxBytes, readTimeoutMs: limits.timeoutMs })).inventory.byKind('Pod') : inventory.byKind('Pod'));
  const { workloads } = buildTopology(inventory);
  let traffic = emptyTraffic();
  if (flags.fromDnsLog) traffic = mergeTraffic(traffic, await observeDnsLog(flags.fromDnsLog, flags, pods, workloads, limits));
  if (flags.fromFlows) traffic = mergeTraffic(traffic, await observeFlows(flags.fromFlows, pods, clusterDns, workloads, limits));
  return traffic;
}

/** A CoreDNS log, each query attributed to a pod by IP (as DNS detection does). */
async function observeDnsLog(file: string, flags: GenerateFlags, pods: PodIndex, workloads: Workload[], limits: ReadLimits): Promise<ObservedTraffic> {
  if (pods.size === 0) throw new InputError(`--from-dns-log needs the pods with their IPs: ${flags.pods ? `${flags.pods} holds no pod with an IP` : 'the sources hold no pod with an IP; give --pods FILE (kubectl get pods -A -o json)'}`);
  const context: DnsContext = { pods, clusterDomain: flags.clusterDomain ?? 'cluster.local', searchDomains: flags.dnsSearch ?? [], fallbackTime: 0 };
  const stats = emptyDnsStats();
  const observations = new DnsObservations(context.clusterDomain);
  await forEachLine(
    file,
    'DNS log',
    (text, line) => {
      const event = parseDnsLine(text, `${file}:${line}`, context, stats);
      if (event) observations.add(event);
    },
    limits,
  );
  if (stats.queries === 0) throw new InputError(`${file}: no CoreDNS query lines (${stats.lines} lines: ${stats.malformed} malformed, ${stats.other} other); enable the log plugin (see docs/detect.md)`);
  const traffic = observations.result(workloads);
  if (stats.malformed) traffic.warnings.unshift(`${file}: ${stats.malformed} malformed query ${stats.malformed === 1 ? 'line' : 'lines'} skipped`);
  return traffic;
}

/** Hubble flows, their pods named by Hubble or found by IP (as flow detection does). */
async function observeFlows(file: string, pods: PodIndex, clusterDns: ClusterDns, workloads: Workload[], limits: ReadLimits): Promise<ObservedTraffic> {
  const stats = emptyFlowStats();
  const observations = new FlowObservations(pods, clusterDns);
  await forEachLine(
    file,
    'flow log',
    (text) => {
      for (const flow of parseFlowLine(text, stats)) observations.add(flow);
    },
    limits,
  );
  if (stats.flows === 0) throw new InputError(`${file}: no Hubble flows (${stats.lines} lines: ${stats.malformed} malformed, ${stats.other} other); write them with hubble observe -o json`);
  const traffic = observations.result(workloads);
  if (stats.malformed) traffic.warnings.unshift(`${file}: ${stats.malformed} malformed ${stats.malformed === 1 ? 'line' : 'lines'} skipped`);
  return traffic;
}

function describeNeed(need: Need): string {
  const label = (site: Need['src']) => (site.type === 'workload' ? site.workload.id : site.type === 'anywhere' ? '*' : site.label);
  return `${label(need.src)} => ${label(need.dst)} (${need.reason})`;
}
