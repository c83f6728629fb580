import type { Finding } from '../core/finding.js';
import type { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import { isHelmHook } from '../core/hooks.js';
import { hasControllerIn, podTemplateOf } from '../core/workload.js';
import { findingFor, type SuppressionOptions } from '../rules/engine.js';
import type { RuleMeta, Violation } from '../rules/rule.js';
import { coverage, type CoverageOptions, type CoverageResult, type ReachedRange, type WorkloadCoverage } from './coverage.js';
import { formatRange, IPV4_ALL, IPV6_ALL } from './ip.js';
import type { Workload } from './peers.js';
import type { Direction } from './policy.js';
import { pathText } from '../core/provenance.js';

/**
 * The Limit stage as findings, for `kubeward netpol coverage` and `kubeward scan`: rule metadata as
 * data (docs and SARIF read it), one function that turns a coverage analysis into findings through
 * findingFor, so locations and suppressions work as for every other rule.
 */

const NETPOL_DOCS = { tool: 'kubernetes-docs', id: 'network-policies', url: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/' } as const;
const DEFAULT_DENY_DOCS = { tool: 'kubernetes-docs', id: 'default-policies', url: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies' } as const;

export const NETPOL_RULES = {
  invalidPolicy: {
    id: 'netpol-invalid-policy',
    title: 'Network policy the API server would reject',
    severity: 'medium',
    stage: 'limit',
    description:
      'The API server rejects this NetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy (an invalid CIDR, an `except` outside its `cidr`, an unknown selector operator, `endPort` without a numeric `port`, …), so the protection it was written for is not in place. kubeward leaves it out of the connectivity analysis.',
    remediation: 'Fix the field the finding names; `kubectl apply --dry-run=server -f <file>` shows the API server\'s own message.',
    references: [NETPOL_DOCS],
    kinds: ['NetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'],
  },
  noDefaultDenyIngress: {
    id: 'namespace-without-default-deny-ingress',
    title: 'Namespace without default-deny ingress',
    severity: 'medium',
    stage: 'limit',
    description:
      'No NetworkPolicy in the namespace selects every pod (`podSelector: {}`) for Ingress, so a pod that no other policy selects, including any pod added later, accepts connections from everywhere. "By default a pod should be able to communicate with nothing."',
    remediation: 'Add a default-deny policy (`podSelector: {}`, `policyTypes: [Ingress]`, no rules) and allow what each workload needs; `kubeward netpol generate` writes both.',
    references: [DEFAULT_DENY_DOCS, { tool: 'kube-score', id: 'pod-networkpolicy' }],
    kinds: ['Namespace'],
  },
  noDefaultDenyEgress: {
    id: 'namespace-without-default-deny-egress',
    title: 'Namespace without default-deny egress',
    severity: 'medium',
    stage: 'limit',
    description:
      'No NetworkPolicy in the namespace selects every pod (`podSelector: {}`) for Egress, so a pod that no other policy restricts, such as a malicious sidecar\'s, may connect anywhere: other namespaces, the cloud metadata service, the internet.',
    remediation: 'Add a default-deny egress policy (`podSelector: {}`, `policyTypes: [Egress]`), then allow DNS to cluster DNS and the destinations each workload needs; `kubeward netpol generate` writes them.',
    references: [DEFAULT_DENY_DOCS, { tool: 'kube-score', id: 'pod-networkpolicy' }],
    kinds: ['Namespace'],
  },
  namespacePosture: {
    id: 'namespace-network-posture',
    title: 'Namespace created without default-deny NetworkPolicies',
    severity: 'low',
    stage: 'limit',
    description:
      'A namespace the scanned sources create has no NetworkPolicy isolating every pod (`podSelector: {}`) for ingress or egress, so its pods may accept connections from, and open connections to, any address. `kubeward scan` reports this once per namespace the sources create, as posture; that a particular workload may reach the internet joins the evidence of the findings that need it (a container holding a powerful token, exfiltration tells). `kubeward netpol coverage` on a cluster reports every namespace and workload.',
    remediation: 'Ship default-deny ingress and egress policies with the namespace, then allow DNS to cluster DNS and what each workload needs; `kubeward netpol generate` writes them.',
    references: [DEFAULT_DENY_DOCS, { tool: 'kube-score', id: 'pod-networkpolicy' }, { tool: 'kubescape', id: 'C-0260' }, { tool: 'checkov', id: 'CKV2_K8S_6' }],
    kinds: ['Namespace'],
  },
  internetEgress: {
    id: 'workload-egress-to-internet',
    title: 'Workload may reach the internet',
    severity: 'high',
    stage: 'limit',
    description:
      'Policies let the workload open connections to public internet addresses: the way a compromised or trojan container sends data out. Severity is `high` when every internet address is open on some port, `medium` when only listed ranges are.',
    remediation: 'Restrict egress to the destinations the workload needs: a default-deny egress policy plus allows to named services and specific `ipBlock` CIDRs (or an egress gateway).',
    references: [NETPOL_DOCS],
    kinds: undefined,
  },
  externalDns: {
    id: 'workload-dns-to-external-resolver',
    title: 'Workload may send DNS to resolvers outside the cluster',
    severity: 'high',
    stage: 'limit',
    description:
      'Policies allow port 53 to addresses outside the cluster, so the workload can query any resolver, including one an attacker runs: a DNS tunnel then carries data straight out, the exfiltration path of the battlecard\'s sidecar.',
    remediation: 'Allow DNS only to the cluster DNS pods (`namespaceSelector` kubernetes.io/metadata.name=kube-system plus their pod labels), and deny other egress on port 53.',
    references: [NETPOL_DOCS],
    kinds: undefined,
  },
  clusterDnsOnly: {
    id: 'workload-dns-via-cluster-dns',
    title: 'Workload resolves only through cluster DNS: a tunnel remains possible',
    severity: 'info',
    stage: 'limit',
    description:
      'The workload may send DNS only to cluster DNS, which is as tight as NetworkPolicy gets: it cannot filter query names, and cluster DNS recurses to the internet for any name, so a DNS tunnel through it still works. Only detection sees it.',
    remediation: 'Watch DNS query logs for tunnelling (`kubeward detect`), and where the CNI allows it add a DNS name allow-list (Cilium `toPorts.rules.dns`) or a CoreDNS `acl`.',
    references: [{ tool: 'kubernetes-docs', id: 'dns-debugging', url: 'https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/' }],
    kinds: undefined,
  },
} satisfies Record<string, RuleMeta>;

/** What `kubeward netpol coverage` reports. */
export const NETPOL_RULE_LIST: RuleMeta[] = Object.values(NETPOL_RULES).filter((meta) => meta.id !== NETPOL_RULES.namespacePosture.id);

/** What `kubeward scan` reports: rejected policies, and one posture finding per namespace the sources create. */
export const NETPOL_SCAN_RULE_LIST: RuleMeta[] = [NETPOL_RULES.invalidPolicy, NETPOL_RULES.namespacePosture];

export interface NetpolFindings {
  findings: Finding[];
  rules: RuleMeta[];
  metrics: CoverageResult['metrics'];
  warnings: string[];
}

export interface NetpolFindingOptions extends CoverageOptions, SuppressionOptions {
  /**
   * `kubeward scan`: the sources are rarely all of a cluster's policies, so missing policies are
   * posture: one low finding per namespace the sources create (a Namespace object), none per
   * workload (see workloadExposure for the facts other findings attach).
   */
  scan?: boolean;
  /** A coverage analysis already made on the same inventory (scan shares one with the rules). */
  coverage?: CoverageResult;
}

/** Findings for coverage gaps and rejected policies, for `kubeward netpol coverage` and (with `scan`) `kubeward scan`. */
export function netpolFindings(inventory: Inventory, options: NetpolFindingOptions = {}): NetpolFindings {
  const result = options.coverage ?? coverage(inventory, options);
  const findings: Finding[] = [];
  const add = (meta: RuleMeta, object: KubeObject, violation: Violation) => findings.push(findingFor(meta, object, violation, inventory, options));
  for (const { object, problems } of result.policies.invalid) {
    add(NETPOL_RULES.invalidPolicy, object, {
      message: `the API server would reject it, so it is not in force (left out of the analysis): ${problems.map((problem) => `${pathText(problem.path)}: ${problem.message}`).join('; ')}`,
      path: problems[0]?.path,
      evidence: { problems: problems.map((problem) => ({ field: pathText(problem.path), message: problem.message })) },
    });
  }
  if (options.scan) {
    // Only a namespace the sources create (a Namespace object) gets a posture finding: without one, the topology is not needed here.
    const namespaces = inventory.byKind('Namespace').length > 0 ? result.namespaces : [];
    for (const namespace of namespaces) {
      if (namespace.object && !(namespace.defaultDeny.ingress && namespace.defaultDeny.egress)) add(NETPOL_RULES.namespacePosture, namespace.object, postureViolation(namespace.name, namespace.defaultDeny, namespace.workloads, result, inventory));
    }
    // The metrics need every workload's coverage: worked out only if read (a scan does not).
    return {
      findings,
      rules: NETPOL_SCAN_RULE_LIST,
      get metrics() {
        return result.metrics;
      },
      warnings: result.warnings,
    };
  }
  for (const namespace of result.namespaces) {
    const object = namespace.object ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace.name } };
    for (const direction of ['ingress', 'egress'] as Direction[]) {
      if (namespace.defaultDeny[direction]) continue;
      add(direction === 'ingress' ? NETPOL_RULES.noDefaultDenyIngress : NETPOL_RULES.noDefaultDenyEgress, object, {
        message: `no NetworkPolicy isolates every pod for ${direction} (podSelector: {} with ${direction === 'ingress' ? 'Ingress' : 'Egress'} in policyTypes)${namespace.workloads ? `; ${namespace.workloads} workload${namespace.workloads === 1 ? '' : 's'} here` : ''}`,
        evidence: { namespace: namespace.name, direction, workloads: namespace.workloads },
      });
    }
  }
  for (const entry of result.workloads) {
    const object = reportedObject(entry, inventory);
    if (!object) continue;
    for (const violation of workloadViolations(entry, result)) add(violation.meta, object, violation);
  }
  return { findings, rules: NETPOL_RULE_LIST, metrics: result.metrics, warnings: result.warnings };
}

/** The object a workload's findings name; none when its controller is in the inventory too (it is reported there). */
function reportedObject(entry: WorkloadCoverage, inventory: Inventory): KubeObject | undefined {
  const { workload } = entry;
  const object = inventory.get(workload.kind, workload.namespace, workload.name) ?? workload.objects[0];
  return object && !hasControllerIn(object, inventory) ? object : undefined;
}

const SHOWN = 3;
const [ANY_IPV4] = [...IPV4_ALL.intervals()].map(([start, end]) => formatRange(start, end));
const [ANY_IPV6] = [...IPV6_ALL.intervals()].map(([start, end]) => formatRange(start, end));

/** `any address (TCP 53,UDP 53)` rather than `0.0.0.0-255.255.255.255 (…), ::-ffff:…:ffff (…)`: ranges as a developer reads them. */
export function rangesText(ranges: readonly ReachedRange[], withConnections = true): string {
  const named = ranges.map((entry) => ({ ...entry, range: entry.range === ANY_IPV4 ? 'any IPv4 address' : entry.range === ANY_IPV6 ? 'any IPv6 address' : entry.range }));
  const v4 = named.findIndex((entry) => entry.range === 'any IPv4 address');
  const v6 = named.findIndex((entry) => entry.range === 'any IPv6 address');
  if (v4 >= 0 && v6 >= 0 && named[v4].conn === named[v6].conn) {
    named[v4] = { range: 'any address', conn: named[v4].conn };
    named.splice(v6, 1);
  }
  const shown = named.slice(0, SHOWN).map((entry) => (withConnections ? `${entry.range} (${entry.conn})` : entry.range));
  return named.length > SHOWN ? `${shown.join(', ')} and ${named.length - SHOWN} more` : shown.join(', ');
}

/** What a workload may reach outside the cluster, in words, for the evidence of findings about it (scan). */
export interface WorkloadExposure {
  internet?: string;
  dns?: string;
}

const exposureIndex = new WeakMap<CoverageResult, Map<string, Workload>>();

/** The exposure of one workload object (a controller, or a Pod without one), or undefined when policies leave it nothing outside. */
export function workloadExposure(result: CoverageResult, object: KubeObject): WorkloadExposure | undefined {
  let index = exposureIndex.get(result);
  if (!index) {
    index = new Map(result.analysis.topology.workloads.map((workload) => [`${workload.kind}\u0000${workload.namespace}\u0000${workload.name}`, workload]));
    exposureIndex.set(result, index);
  }
  const workload = index.get(`${object.kind}\u0000${object.metadata.namespace ?? ''}\u0000${object.metadata.name ?? ''}`);
  if (!workload) return undefined;
  const entry = result.coverageOf(workload);
  const exposure: WorkloadExposure = {};
  if (entry.internet.length) exposure.internet = internetText(entry);
  if (entry.externalDns?.length) exposure.dns = `may send DNS to ${rangesText(entry.externalDns, false)}`;
  return exposure.internet || exposure.dns ? exposure : undefined;
}

function internetText(entry: WorkloadCoverage): string {
  const everywhere = !entry.internetEverywhere.isEmpty;
  if (!everywhere) return `may open connections to ${entry.internet.length} public address range${entry.internet.length === 1 ? '' : 's'}: ${rangesText(entry.internet)}`;
  return `may open ${entry.internetEverywhere.isAll ? 'any connection' : `connections (${entry.internetEverywhere.toString()})`} to any internet address`;
}

function postureViolation(namespace: string, defaultDeny: Record<Direction, unknown>, workloads: number, result: CoverageResult, inventory: Inventory): Violation {
  const missing = (['ingress', 'egress'] as Direction[]).filter((direction) => !defaultDeny[direction]);
  // Helm hooks (tests, install Jobs) come and go, and NetworkPolicy does not apply to host-network pods: not posture.
  const counted = (object: KubeObject) => !hasControllerIn(object, inventory) && !isHelmHook(object) && podTemplateOf(object)?.spec.hostNetwork !== true;
  const open = result.analysis.topology.workloads.filter((workload) => workload.namespace === namespace && result.coverageOf(workload).internet.length > 0 && workload.objects.some(counted)).map((workload) => result.coverageOf(workload));
  return {
    message: `no NetworkPolicy isolates every pod for ${missing.join(' or ')}: pods here may ${missing.includes('egress') ? 'open connections to any address' : 'accept connections from any address'}${workloads ? ` (${workloads} workload${workloads === 1 ? '' : 's'} from these sources${open.length ? `, ${open.length} of them may reach the internet` : ''})` : ''}`,
    evidence: { namespace, missingDefaultDeny: missing, workloads, mayReachInternet: open.map((entry) => entry.workload.id) },
  };
}

function workloadViolations(entry: WorkloadCoverage, result: CoverageResult): (Violation & { meta: RuleMeta })[] {
  const violations: (Violation & { meta: RuleMeta })[] = [];
  const id = entry.workload.id;
  if (entry.internet.length) {
    const everywhere = !entry.internetEverywhere.isEmpty;
    violations.push({
      meta: NETPOL_RULES.internetEgress,
      severity: everywhere ? 'high' : 'medium',
      message: `${id} ${internetText(entry)}`,
      evidence: { everywhere: entry.internetEverywhere.toString(), ranges: entry.internet.slice(0, 50) },
    });
  }
  if (entry.externalDns?.length) {
    violations.push({
      meta: NETPOL_RULES.externalDns,
      message: `${id} may send DNS to resolvers outside the cluster: ${rangesText(entry.externalDns)}; a DNS tunnel can carry data straight out`,
      evidence: { ranges: entry.externalDns.slice(0, 50) },
    });
  }
  if (entry.clusterDnsOnly) {
    const dns = result.clusterDns;
    violations.push({
      meta: NETPOL_RULES.clusterDnsOnly,
      message: `${id} resolves only through cluster DNS (${Object.entries(dns.labels).map(([key, value]) => `${key}=${value}`).join(',')} in ${dns.namespace}); cluster DNS recursion still carries a DNS tunnel, which only detection sees (kubeward detect)`,
      evidence: { clusterDns: { namespace: dns.namespace, labels: dns.labels } },
    });
  }
  return violations;
}
