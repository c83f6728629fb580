import type { Severity } from '../../core/severity.js';
import { containersOf, type ContainerRef, describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import { isRecord } from '../../core/object.js';
import { BASELINE_CAPABILITIES } from '../../pss/index.js';
import type { Rule, Violation } from '../rule.js';
import { checkedWorkload, containerAt, hardening, podSecurityReference, podSecurityViolations } from './helpers.js';
import type { PathSegment } from '../../core/provenance.js';

/** Capabilities that are, each alone, a documented way out of the container onto the node. */
const NODE_ESCAPE = new Set(['ALL', 'SYS_ADMIN', 'SYS_MODULE', 'SYS_RAWIO', 'DAC_READ_SEARCH']);

/** The kernel's name for a capability as written (`cap_sys_admin` → `SYS_ADMIN`), for judging how dangerous it is. */
function kernelName(capability: string): string {
  return capability.toUpperCase().replace(/^CAP_/, '');
}

function severityOf(capability: string): Severity {
  const name = kernelName(capability);
  if (NODE_ESCAPE.has(name)) return 'high';
  // Pod Security compares names exactly: `CAP_CHOWN` or `chown` are not the allowed `CHOWN`.
  if (!BASELINE_CAPABILITIES.has(capability)) return 'medium';
  return 'low';
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

export const capabilitiesAdded: Rule = hardening({
  meta: {
    id: 'capabilities-added',
    title: 'Container adds Linux capabilities',
    severity: 'medium',
    stage: 'fortify',
    description:
      'A capability in `securityContext.capabilities.add` gives the container a piece of root. `high` for those that alone lead out of the container (`SYS_ADMIN`, `ALL`, `SYS_MODULE`, `SYS_RAWIO`, `DAC_READ_SEARCH`); `medium` for any other outside the Pod Security baseline set (`NET_ADMIN`, `NET_RAW`, `SYS_PTRACE`, `BPF`…, and names Pod Security does not recognise, such as `CAP_CHOWN`); `low` for baseline capabilities other than `NET_BIND_SERVICE`, which only the restricted level forbids. One finding per container, at its most dangerous capability.',
    remediation: 'Drop `ALL` and add back only what the process needs (usually nothing, or `NET_BIND_SERVICE` to listen below port 1024).',
    references: [
      podSecurityReference('capabilities_baseline'),
      podSecurityReference('capabilities_restricted'),
      { tool: 'checkov', id: 'CKV_K8S_25' },
      { tool: 'checkov', id: 'CKV_K8S_39' },
      { tool: 'trivy', id: 'KSV-0022' },
      { tool: 'trivy', id: 'KSV-0005' },
      { tool: 'trivy', id: 'KSV-0119' },
      { tool: 'kubescape', id: 'C-0046' },
      { tool: 'polaris', id: 'dangerousCapabilities' },
      { tool: 'polaris', id: 'insecureCapabilities' },
      { tool: 'kubesec', id: 'CapSysAdmin' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    // Baseline violations are the capabilities outside its set; restricted adds every other one but NET_BIND_SERVICE.
    if (!containersOf(object).some(({ container }) => isRecord(container.securityContext) && isRecord(container.securityContext.capabilities) && Array.isArray(container.securityContext.capabilities.add))) return [];
    const adding = [...podSecurityViolations(object, 'capabilities_baseline'), ...podSecurityViolations(object, 'capabilities_restricted')].filter((violation) => violation.field[violation.field.length - 2] === 'add');
    if (!adding.length) return [];
    const byContainer = new Map<string, { ref: ContainerRef; added: { capability: string; path: PathSegment[] }[] }>();
    const seen = new Set<string>();
    for (const violation of adding) {
      if (seen.has(violation.field.join('\u0000'))) continue;
      seen.add(violation.field.join('\u0000'));
      const ref = containerAt(object, violation.field);
      if (!ref) continue;
      const key = ref.path.join('\u0000');
      const entry = byContainer.get(key) ?? { ref, added: [] };
      entry.added.push({ capability: violation.value ?? '', path: violation.field });
      byContainer.set(key, entry);
    }
    const violations: Violation[] = [];
    for (const { ref, added } of byContainer.values()) {
      added.sort((a, b) => RANK[severityOf(a.capability)] - RANK[severityOf(b.capability)]);
      const severity = severityOf(added[0].capability);
      const level = added.some(({ capability }) => !BASELINE_CAPABILITIES.has(capability)) ? 'baseline' : 'restricted';
      violations.push({
        message: `${describeContainer(ref)} adds ${added.map(({ capability }) => capability).join(', ')}${severity === 'high' ? ': enough to leave the container for the node' : ''} (breaks Pod Security ${level})`,
        path: added[0].path,
        severity,
        evidence: { capabilities: added.map(({ capability }) => capability), podSecurity: { level, check: level === 'baseline' ? 'capabilities_baseline' : 'capabilities_restricted' } },
      });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'drops ALL and adds only NET_BIND_SERVICE',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: "web:1.2", securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}}
`,
      },
    ],
    invalid: [
      {
        name: 'SYS_ADMIN (high), NET_ADMIN with NET_RAW (medium), CHOWN (low, restricted only)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: vpn, namespace: net}
spec:
  selector: {matchLabels: {app: vpn}}
  template:
    metadata: {labels: {app: vpn}}
    spec:
      initContainers:
      - {name: mount, image: "tools:1.0", securityContext: {capabilities: {add: [NET_ADMIN, SYS_ADMIN]}}}
      containers:
      - {name: vpn, image: "wireguard:1.0.2", securityContext: {capabilities: {add: [NET_ADMIN, NET_RAW]}}}
      - {name: files, image: "files:2.0", securityContext: {capabilities: {drop: [ALL], add: [CHOWN]}}}
`,
        violations: 3,
        severities: ['high', 'medium', 'low'],
      },
    ],
  },
});
