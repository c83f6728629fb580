import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { InputError } from '../core/errors.js';
import {
  CONNLIST_FORMATS,
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
import { addReportOptions, addSourceOptions, collect, emitReport, loadFromFlags, type ReportFlags, type SourceFlags } from './options.js';
import { warnAll, writeOutput } from './output.js';

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
    .description('write least-privilege NetworkPolicies: default deny per namespace, then what Services, declared flows and DNS need')
    .argument('<sources...>', 'manifest files or directories, charts, kustomize directories, cluster dumps, - for stdin')
    .option('--from <flows.yaml>', 'declared connections {src, dst, conn} (the connlist JSON shape; see docs/netpol.md)')
    .option('--cluster-dns <ns/label=value>', `where cluster DNS runs (default ${DEFAULT_CLUSTER_DNS.namespace}/k8s-app=kube-dns)`)
    .option('--skip-namespace <namespace>', `namespace to write no policies for (repeatable; default ${DEFAULT_SKIPPED_NAMESPACES.join(', ')})`, collect)
    .addHelpText(
      'after',
      `
Existing NetworkPolicies are ignored: the output is meant to replace them. Check it with
  kubeward netpol connlist <sources> generated.yaml   (after removing the old policies)

Exit codes: 0 written, 2 usage or input error.

Examples:
  kubeward netpol generate ./manifests/ -o policies.yaml
  kubeward netpol generate ./chart -n shop --from flows.yaml | kubectl apply -f -`,
    );
  addOutputOptions(generate);
  addSourceOptions(generate);
  generate.action(async (sources: string[], flags: SourceFlags & OutputFlags & { from?: string; clusterDns?: string; skipNamespace?: string[] }) => {
    const { loaded } = await loadFromFlags(sources, flags);
    const flows = flags.from ? parseFlows(readFlowsFile(flags.from), flags.from) : [];
    const result = generatePolicies(loaded.inventory, { flows, clusterDns: clusterDnsOf(flags.clusterDns), skipNamespaces: flags.skipNamespace });
    warnAll([...loaded.warnings, ...result.warnings], flags.quiet);
    writeOutput(renderGenerated(result), flags.output);
  });
}

function readFlowsFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
