/**
 * The Limit stage: the NetworkPolicy engine over the cluster plus the chart decides, for the attacking
 * pod, each connection the attack's steps need: the API server (its address from the `kubernetes`
 * Service's EndpointSlice or Endpoints; unknown, it is assumed reachable unless the pod may reach no
 * address on its port at all), cluster DNS (pods labelled `k8s-app: kube-dns` in kube-system, assumed
 * when absent), a resolver outside the cluster, the internet.
 *
 * Exact where the battlecard is not: a default-deny egress policy that still allows DNS to the cluster
 * resolver does not stop DNS exfiltration. CoreDNS answers the names it serves and forwards every other
 * name upstream, so `<stolen data>.attacker.example` leaves through CoreDNS whatever the pod's own
 * egress says; only CoreDNS's own egress being closed would stop it.
 */
import { InputError } from '../core/errors.js';
import type { Inventory } from '../core/inventory.js';
import { isRecord, labelsOf } from '../core/object.js';
import { mapSelectorMatches } from '../core/selector.js';
import { ConnectionSet, type Protocol } from '../netpol/connections.js';
import type { Endpoint } from '../netpol/connectivity.js';
import { analyze, type Analysis } from '../netpol/connlist.js';
import { DEFAULT_CLUSTER_DNS } from '../netpol/coverage.js';
import { parseAddress } from '../netpol/ip.js';
import { addVirtualClass, type PodClass } from '../netpol/peers.js';
import type { Evidence, Gap, StageResult } from './result.js';
import type { ConnectionSpec, DrillScenario } from './scenario.js';
import type { StepRun } from './timeline.js';

/** The API server as the pods reach it: the endpoints behind the `kubernetes` Service. */
export interface ApiServerAddress {
  addresses: string[];
  port: number;
  source: string;
}

/** The addresses of the API server from the `kubernetes` Service's EndpointSlice (else its Endpoints), if the sources hold them. */
export function apiServerAddress(inventory: Inventory): ApiServerAddress | undefined {
  for (const slice of inventory.byKind('EndpointSlice')) {
    if (slice.metadata.namespace !== 'default' || labelsOf(slice)['kubernetes.io/service-name'] !== 'kubernetes') continue;
    const addresses = records(slice.endpoints).flatMap((endpoint) => (Array.isArray(endpoint.addresses) ? endpoint.addresses.filter((address): address is string => typeof address === 'string') : []));
    const port = records(slice.ports).map((entry) => Number(entry.port)).find((value) => Number.isInteger(value) && value > 0);
    if (addresses.length && port) return { addresses, port, source: `EndpointSlice default/${slice.metadata.name}` };
  }
  const endpoints = inventory.get('Endpoints', 'default', 'kubernetes');
  if (endpoints) {
    const subsets = records(endpoints.subsets);
    const addresses = subsets.flatMap((subset) => records(subset.addresses).map((address) => address.ip).filter((ip): ip is string => typeof ip === 'string'));
    const port = subsets.flatMap((subset) => records(subset.ports)).map((entry) => Number(entry.port)).find((value) => Number.isInteger(value) && value > 0);
    if (addresses.length && port) return { addresses, port, source: 'Endpoints default/kubernetes' };
  }
  return undefined;
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** One connection of one step, decided. */
export interface ConnectionVerdict {
  step: string;
  /** `needs`: a connection the step cannot do without; `channel`: one of the ways out it may take. */
  role: 'needs' | 'channel';
  to: ConnectionSpec['to'];
  destination: string;
  protocol: Protocol;
  port: number;
  allowed: boolean;
  /** Said when the verdict rests on an assumption (the API server's address unknown, cluster DNS not in the sources). */
  assumption?: string;
  reasons: string[];
}

export interface LimitOutcome {
  result: StageResult;
  runs: StepRun[];
  verdicts: ConnectionVerdict[];
}

interface Context {
  analysis: Analysis;
  from: Endpoint[];
  apiServer?: ApiServerAddress;
  dns: { classes: PodClass[]; inSources: boolean };
}

/** Judges every connection of every step, in order; a step that cannot happen stops the ones after it. */
export function limitStage(inventory: Inventory, scenario: DrillScenario, namespace: string): LimitOutcome {
  const analysis = analyze(inventory, { ipv6: true });
  const { kind, name } = scenario.attacker;
  const workload = analysis.topology.workloads.find((candidate) => candidate.namespace === namespace && candidate.kind === kind && candidate.name === name);
  if (!workload) throw new InputError(`${scenario.file ?? scenario.name}: attacker.workload: ${kind}/${name} is not a workload of namespace ${namespace} as the chart renders it (a chart that hard-codes another namespace?)`);
  const from: Endpoint[] = analysis.topology.classes.filter((podClass) => !podClass.virtual && podClass.variants.some((variant) => variant.workload === workload)).map((podClass) => ({ type: 'pods', podClass }));
  const context: Context = { analysis, from, apiServer: apiServerAddress(inventory), dns: clusterDnsClasses(analysis) };

  const verdicts: ConnectionVerdict[] = [];
  const runs: StepRun[] = [];
  let blocked = false;
  for (const step of scenario.steps) {
    if (blocked) {
      runs.push({ id: step.id, ran: false });
      continue;
    }
    const needs = step.connections.map((connection) => decide(context, step.id, 'needs', connection));
    const channels = step.channels.map((connection) => decide(context, step.id, 'channel', connection));
    verdicts.push(...needs, ...channels);
    const channel = channels.findIndex((verdict) => verdict.allowed);
    const ran = needs.every((verdict) => verdict.allowed) && (channels.length === 0 || channel >= 0);
    runs.push({ id: step.id, ran, ...(ran && channels.length ? { channel } : {}) });
    if (!ran) blocked = true;
  }
  return { result: summarize(scenario, namespace, workload.id, verdicts, runs, context), runs, verdicts };
}

/** The cluster DNS pods of the sources, or a stand-in for them when the sources do not hold them. */
function clusterDnsClasses(analysis: Analysis): Context['dns'] {
  const { namespace, labels } = DEFAULT_CLUSTER_DNS;
  const classes = analysis.topology.classes.filter((podClass) => !podClass.virtual && podClass.namespace === namespace && podClass.variants.some((variant) => mapSelectorMatches(labels, variant.labels)));
  if (classes.length) return { classes, inSources: true };
  return {
    classes: [addVirtualClass(analysis.topology, 'cluster-dns', namespace, labels, [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ])],
    inSources: false,
  };
}

function decide(context: Context, step: string, role: ConnectionVerdict['role'], connection: ConnectionSpec): ConnectionVerdict {
  const { analyzer } = context.analysis;
  const verdictTo = (to: Endpoint, protocol: Protocol, port: number) => {
    let best: { allowed: boolean; reasons: string[] } | undefined;
    for (const from of context.from) {
      const directions = analyzer.explain(from, to, protocol, port);
      const allowed = directions.every((direction) => direction.allowed);
      const reasons = directions.filter((direction) => to.type === 'pods' || direction.direction === 'egress').flatMap((direction) => direction.reasons.map((reason) => `${direction.direction}: ${reason}`));
      if (!best || allowed) best = { allowed, reasons };
      if (allowed) break;
    }
    return best ?? { allowed: false, reasons: ['the attacking workload has no pods'] };
  };
  const external = (address: string) => {
    const value = parseAddress(address) as bigint;
    return { type: 'external', range: { start: value, end: value } } as Endpoint;
  };
  const base = { step, role, to: connection.to };
  switch (connection.to) {
    case 'api-server': {
      const port = connection.port ?? context.apiServer?.port ?? 6443;
      const addresses = connection.address ? [connection.address] : context.apiServer?.addresses;
      if (!addresses) {
        // Unknown address: reachable unless the pod may reach no address at all on that port.
        const open = context.from.some((from) => analyzer.destinationRanges.some((range) => !analyzer.direction('egress', from, { type: 'external', range }).intersect(ConnectionSet.of('TCP', port)).isEmpty));
        return {
          ...base,
          destination: 'the API server',
          protocol: 'TCP',
          port,
          allowed: open,
          assumption: open
            ? 'the sources hold neither the kubernetes Service\'s EndpointSlice nor its Endpoints: the API server is assumed reachable (add `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes -o yaml` to --cluster to judge it)'
            : `the API server's address is unknown, but the pod may reach no address at all on TCP ${port}`,
          reasons: open ? ['egress: some address outside the cluster is open on that port'] : ['egress: no address outside the cluster is open on that port'],
        };
      }
      const decided = addresses.map((address) => ({ address, ...verdictTo(external(address), 'TCP', port) }));
      const allowed = decided.filter((entry) => entry.allowed);
      return { ...base, destination: `the API server (${addresses.join(', ')}, from ${context.apiServer && !connection.address ? context.apiServer.source : 'the scenario'})`, protocol: 'TCP', port, allowed: allowed.length > 0, reasons: (allowed.length ? allowed : decided)[0].reasons };
    }
    case 'cluster-dns': {
      const port = connection.port ?? 53;
      let result = { allowed: false, reasons: [] as string[] };
      for (const protocol of connection.protocol ? [connection.protocol] : (['UDP', 'TCP'] as const)) {
        for (const podClass of context.dns.classes) {
          const decided = verdictTo({ type: 'pods', podClass }, protocol, port);
          if (decided.allowed || result.reasons.length === 0) result = { allowed: decided.allowed, reasons: decided.reasons.map((reason) => `${protocol} ${port}, ${reason}`) };
          if (decided.allowed) break;
        }
        if (result.allowed) break;
      }
      const forwarding = result.allowed ? dnsForwarding(context) : undefined;
      return {
        ...base,
        destination: `cluster DNS (kube-system, k8s-app=kube-dns${context.dns.inSources ? '' : ', not in the sources: assumed'})`,
        protocol: connection.protocol ?? 'UDP',
        port,
        // CoreDNS forwards the name upstream: the data leaves unless CoreDNS itself may not send DNS out.
        allowed: result.allowed && (forwarding?.allowed ?? true),
        ...(context.dns.inSources ? {} : { assumption: 'the cluster DNS pods are not in the sources: assumed in kube-system, labelled k8s-app=kube-dns, serving 53/UDP and 53/TCP, forwarding other names upstream' }),
        reasons: [...result.reasons, ...(forwarding ? [forwarding.reason] : [])],
      };
    }
    case 'outside-resolver':
    case 'internet': {
      const protocol = connection.protocol ?? (connection.to === 'outside-resolver' ? 'UDP' : 'TCP');
      const port = connection.port ?? (connection.to === 'outside-resolver' ? 53 : 443);
      const decided = verdictTo(external(connection.address!), protocol, port);
      const destination = connection.to === 'outside-resolver' ? `the resolver ${connection.address} outside the cluster` : `${connection.address} on the internet`;
      return { ...base, destination, protocol, port, ...decided };
    }
  }
}

/** May the cluster DNS pods send DNS out (forward upstream)? When they are not in the sources, they are assumed to. */
function dnsForwarding(context: Context): { allowed: boolean; reason: string } {
  const { analyzer } = context.analysis;
  const dns = ConnectionSet.of('UDP', 53).union(ConnectionSet.of('TCP', 53));
  const open = context.dns.classes.some((podClass) => analyzer.destinationRanges.some((range) => !analyzer.direction('egress', { type: 'pods', podClass }, { type: 'external', range }).intersect(dns).isEmpty));
  return open
    ? { allowed: true, reason: 'CoreDNS forwards names it does not serve to its upstream resolvers (its own egress allows DNS out), so an encoded name reaches the attacker\'s nameserver' }
    : { allowed: false, reason: 'the cluster DNS pods may send DNS to no address outside the cluster: CoreDNS cannot forward the names out' };
}

function describe(verdict: ConnectionVerdict): string {
  return `${verdict.step}: ${verdict.role === 'channel' ? 'way out' : 'needs'} ${verdict.destination}, ${verdict.protocol} ${verdict.port}: ${verdict.allowed ? 'allowed' : 'denied'}`;
}

function summarize(scenario: DrillScenario, namespace: string, workload: string, verdicts: ConnectionVerdict[], runs: StepRun[], context: Context): StageResult {
  const evidence: Evidence[] = verdicts.map((verdict) => ({
    text: `${describe(verdict)}${verdict.assumption ? ` (${verdict.assumption})` : ''}`,
    step: verdict.step,
    role: verdict.role,
    to: verdict.to,
    destination: verdict.destination,
    protocol: verdict.protocol,
    port: verdict.port,
    allowed: verdict.allowed,
    reasons: verdict.reasons,
    ...(verdict.assumption ? { assumption: verdict.assumption } : {}),
  }));
  const stoppedAt = runs.find((run) => !run.ran);
  const denied = verdicts.filter((verdict) => !verdict.allowed);
  const gaps = limitGaps(scenario, namespace, verdicts, runs);
  const read = runs.find((run) => run.id === 'read-secrets');
  if (stoppedAt) {
    const step = scenario.steps.find((candidate) => candidate.id === stoppedAt.id)!;
    const why = stoppedAt.id === 'read-secrets' && read && !read.ran ? 'the Secrets cannot be read' : step.channels.length ? 'nothing can leave' : `step "${step.id}" cannot happen`;
    const blockedBy = verdicts.filter((verdict) => verdict.step === step.id && !verdict.allowed).map((verdict) => `${verdict.destination} ${verdict.protocol} ${verdict.port}`);
    return { stage: 'limit', outcome: 'stopped', summary: `NetworkPolicy stops ${workload} at "${step.title}": ${why} (denied: ${blockedBy.join('; ')})`, evidence, gaps };
  }
  const exfiltrate = scenario.steps.find((step) => step.id === 'exfiltrate')!;
  const used = runs.find((run) => run.id === 'exfiltrate')?.channel;
  const channel = used === undefined ? undefined : exfiltrate.channels[used];
  const through = channel ? channelText(channel) : 'its way out';
  if (denied.length === 0) {
    return { stage: 'limit', outcome: 'missed', summary: `no NetworkPolicy restricts ${workload}: it reads the Secrets through the API server and sends them out through ${through}`, evidence, gaps };
  }
  const dnsNote = channel?.to === 'cluster-dns' ? ': a default-deny egress policy that still allows DNS to the cluster resolver does not stop DNS exfiltration, because CoreDNS forwards the encoded names upstream' : '';
  return {
    stage: 'limit',
    outcome: 'partial',
    summary: `NetworkPolicy blocks ${denied.map((verdict) => `${verdict.destination} ${verdict.protocol} ${verdict.port}`).join('; ')}, but the Secrets still leave through ${through}${dnsNote}`,
    evidence,
    gaps,
  };
}

function channelText(channel: ConnectionSpec): string {
  switch (channel.to) {
    case 'cluster-dns':
      return 'DNS queries to cluster DNS';
    case 'outside-resolver':
      return `DNS queries sent straight to ${channel.address}`;
    case 'internet':
      return `a connection to ${channel.address}:${channel.port ?? 443}`;
    case 'api-server':
      return 'the API server';
  }
}

/** The gaps: every connection the attack may make, with what would close it. */
function limitGaps(scenario: DrillScenario, namespace: string, verdicts: ConnectionVerdict[], runs: StepRun[]): Gap[] {
  const gaps: Gap[] = [];
  const reachable = new Set(runs.filter((run) => run.ran).map((run) => run.id));
  const open = (to: ConnectionSpec['to']) => verdicts.filter((verdict) => verdict.allowed && verdict.to === to && reachable.has(verdict.step));
  const workload = `${scenario.attacker.kind}/${scenario.attacker.name}`;
  if (open('api-server').length) {
    gaps.push({
      title: `${workload} in ${namespace} may reach the API server`,
      fix: `a default-deny egress NetworkPolicy in ${namespace} (podSelector: {}, policyTypes: [Egress]), with the API server allowed only to the pods that call it (an egress rule to the addresses of the kubernetes EndpointSlice); \`kubeward netpol generate\` writes both`,
    });
  }
  if (open('internet').length) {
    gaps.push({ title: `${workload} may open connections to the internet (${open('internet').map((verdict) => verdict.destination).join(', ')})`, fix: 'deny egress to the internet except named endpoints (ipBlock allow-lists, or an egress gateway); `kubeward netpol coverage` lists every workload that may reach the internet' });
  }
  if (open('outside-resolver').length) {
    gaps.push({ title: `${workload} may send DNS straight to resolvers outside the cluster (${open('outside-resolver').map((verdict) => verdict.destination).join(', ')}): CoreDNS never logs these queries`, fix: 'allow port 53 only to the kube-dns pods (namespaceSelector kube-system, podSelector k8s-app: kube-dns), and deny `dnsPolicy: None` with outside nameservers at admission (the built-in pack\'s kubeward-dns-policy-none)' });
  }
  if (open('cluster-dns').length && verdicts.some((verdict) => verdict.to === 'cluster-dns' && verdict.role === 'channel')) {
    gaps.push({
      title: 'DNS to the cluster resolver is a way out: CoreDNS forwards the encoded names upstream, so a default-deny egress policy that allows DNS does not stop DNS exfiltration',
      fix: 'deny DNS to pods that do not need it (no port 53 in their egress rules); put a DNS-aware egress control in front (Cilium toFQDNs or a DNS proxy allowing only known names); run an RPZ or firewall plugin on CoreDNS that answers only the zones you expect',
    });
  }
  return gaps;
}
