import { Option, type Command } from 'commander';
import { CONNLIST_FORMATS, DEFAULT_CLUSTER_DNS, DEFAULT_SKIPPED_NAMESPACES } from '../netpol/defaults.js';
import { addReportOptions, addSourceOptions, addSuppressionOptions, collect } from './options.js';

/** The flags for the choices where network plugins disagree (see docs/netpol.md). */
export interface SemanticsFlags {
  ipblockMatchesPods?: boolean;
  hostNetwork?: 'pod' | 'node';
  ipv6?: boolean;
  nodeTraffic?: 'allowed' | 'policy';
  nodeCidr?: string;
}

export interface OutputFlags {
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

/** What the commands do: loaded when one runs, so that defining them loads no engine (issue 9). */
const run = () => import('./netpol-run.js');

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
  connlist.action(async (sources, flags) => (await run()).runConnlist(sources, flags));

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
  reachCommand.action(async (src, dst, sources, flags) => (await run()).runReach(src, dst, sources, flags));

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
  addSuppressionOptions(coverageCommand);
  coverageCommand.action(async (sources, flags) => (await run()).runCoverage(sources, flags));

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
  generate.action(async (sources, flags) => (await run()).runGenerate(sources, flags));
}

export interface GenerateFlags {
  from?: string;
  fromFlows?: string;
  fromDnsLog?: string;
  pods?: string;
  clusterDomain?: string;
  dnsSearch?: string[];
  clusterDns?: string;
  skipNamespace?: string[];
}
