import type { Finding } from '../core/finding.js';
import type { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import { hasControllerIn } from '../core/workload.js';
import { findingFor, type SuppressionOptions } from '../rules/engine.js';
import type { RuleMeta, Violation } from '../rules/rule.js';
import { coverage, type CoverageOptions, type CoverageResult, type WorkloadCoverage } from './coverage.js';
import type { Direction } from './policy.js';
import { pathText } from './validation.js';

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

export const NETPOL_RULE_LIST: RuleMeta[] = Object.values(NETPOL_RULES);

export interface NetpolFindings {
  findings: Finding[];
  rules: RuleMeta[];
  metrics: CoverageResult['metrics'];
  warnings: string[];
}

/** Findings for coverage gaps and rejected policies; `kubeward scan` calls this so one scan of a chart says "this workload can reach the internet". */
export function netpolFindings(inventory: Inventory, options: CoverageOptions & SuppressionOptions = {}): NetpolFindings {
  const result = coverage(inventory, options);
  const findings: Finding[] = [];
  const add = (meta: RuleMeta, object: KubeObject, violation: Violation) => findings.push(findingFor(meta, object, violation, inventory, options));
  for (const { object, problems } of result.analysis.policies.invalid) {
    add(NETPOL_RULES.invalidPolicy, object, {
      message: `the API server would reject it, so it is not in force (left out of the analysis): ${problems.map((problem) => `${pathText(problem.path)}: ${problem.message}`).join('; ')}`,
      path: problems[0]?.path,
      evidence: { problems: problems.map((problem) => ({ field: pathText(problem.path), message: problem.message })) },
    });
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

function rangesText(ranges: { range: string; conn: string }[]): string {
  const shown = ranges.slice(0, SHOWN).map((entry) => `${entry.range} (${entry.conn})`);
  return ranges.length > SHOWN ? `${shown.join(', ')} and ${ranges.length - SHOWN} more` : shown.join(', ');
}

function workloadViolations(entry: WorkloadCoverage, result: CoverageResult): (Violation & { meta: RuleMeta })[] {
  const violations: (Violation & { meta: RuleMeta })[] = [];
  const id = entry.workload.id;
  if (entry.internet.length) {
    const everywhere = !entry.internetEverywhere.isEmpty;
    violations.push({
      meta: NETPOL_RULES.internetEgress,
      severity: everywhere ? 'high' : 'medium',
      message: everywhere
        ? `${id} may open ${entry.internetEverywhere.isAll ? 'any connection' : `connections (${entry.internetEverywhere.toString()})`} to any internet address`
        : `${id} may open connections to ${entry.internet.length} public address range${entry.internet.length === 1 ? '' : 's'}: ${rangesText(entry.internet)}`,
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
