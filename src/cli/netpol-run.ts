/** What the `kubeward netpol` commands do, loaded when one runs (netpol.ts defines them). */
import { InputError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { PodIndex } from '../core/pods.js';
import { emptyDnsStats, parseDnsLine, type DnsContext } from '../detect/dns.js';
import { emptyFlowStats, parseFlowLine } from '../detect/hubble.js';
import { loadSources } from '../load/sources.js';
import type { Need } from '../netpol/generate.js';
import { buildTopology, type Workload } from '../netpol/peers.js';
import {
  DnsObservations,
  emptyTraffic,
  FlowObservations,
  mergeTraffic,
  verifyPolicies,
  type ObservedTraffic,
  connectionList,
  DEFAULT_CLUSTER_DNS,
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
import { suppressionsOf } from '../rules/suppress.js';
import { emitReport, inputLimits, loadFromFlags, type InputFlags, type ReportFlags, type SourceFlags } from './options.js';
import { warnAll, writeOutput } from './output.js';
import type { GenerateFlags, OutputFlags, SemanticsFlags } from './netpol.js';

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

/** `kubeward netpol connlist` */
export async function runConnlist(sources: string[], flags: SourceFlags & SemanticsFlags & OutputFlags & { format: string }): Promise<void> {
  const { loaded } = await loadFromFlags(sources, flags);
  const list = connectionList(loaded.inventory, analysisOptions(flags));
  warnAll([...loaded.warnings, ...list.warnings], flags.quiet);
  writeOutput(renderConnlist(list, flags.format), flags.output);
}

/** `kubeward netpol reach` */
export async function runReach(src: string, dst: string, sources: string[], flags: SourceFlags & SemanticsFlags & OutputFlags & { port: string; protocol?: string; format: string }): Promise<void> {
  const { loaded } = await loadFromFlags(sources, flags);
  const result = reach(loaded.inventory, { src, dst, port: flags.port, protocol: flags.protocol }, analysisOptions(flags));
  warnAll([...loaded.warnings, ...result.warnings], flags.quiet);
  writeOutput(flags.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : renderReach(result), flags.output);
  process.exitCode = result.allowed ? 0 : 1;
}

/** `kubeward netpol coverage` */
export async function runCoverage(sources: string[], flags: SourceFlags & SemanticsFlags & ReportFlags & { clusterDns?: string; internalCidr?: string[] }): Promise<void> {
  const { config, loaded } = await loadFromFlags(sources, flags);
  const result = netpolFindings(loaded.inventory, { ...analysisOptions(flags), clusterDns: clusterDnsOf(flags.clusterDns), internalCidrs: flags.internalCidr, ...suppressionsOf(config) });
  const rules = result.rules.filter((rule) => !config.disable.includes(rule.id));
  const findings = result.findings.filter((finding) => !config.disable.includes(finding.ruleId));
  const report = buildReport({ sources, findings, rules, warnings: [...loaded.warnings, ...result.warnings], title: 'kubeward netpol coverage' });
  report.metrics = result.metrics;
  await emitReport(report, flags, config);
}

/** `kubeward netpol generate` */
export async function runGenerate(sources: string[], flags: SourceFlags & InputFlags & OutputFlags & GenerateFlags): Promise<void> {
  // it names the pods of observed traffic; alone it would be ignored in silence
  if (flags.pods && !flags.fromDnsLog && !flags.fromFlows) throw new InputError('--pods names the pods of observed traffic: give --from-dns-log or --from-flows too');
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
