import { existingPrefix } from '../../core/provenance.js';
import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { PodSecurityViolation } from '../../pss/index.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, firstByName, hardening, podSecurityEvidence, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';

const isDrop = (violation: PodSecurityViolation) => violation.field[violation.field.length - 1] === 'drop';

export const capabilitiesDropAll: Rule = hardening({
  meta: {
    id: 'capabilities-drop-all',
    title: 'Container does not drop all capabilities',
    severity: 'low',
    stage: 'fortify',
    description:
      'Without `capabilities.drop: [ALL]` a container keeps the runtime\'s default capabilities, `NET_RAW` among them (forged packets, ARP and DNS spoofing on the node\'s network). The restricted level requires dropping `ALL`; Windows pods are exempt.',
    remediation: 'Set `securityContext.capabilities.drop: ["ALL"]` on every container, and add back only `NET_BIND_SERVICE` if needed.',
    references: [
      podSecurityReference('capabilities_restricted'),
      { tool: 'checkov', id: 'CKV_K8S_37' },
      { tool: 'checkov', id: 'CKV_K8S_28' },
      { tool: 'trivy', id: 'KSV-0003' },
      { tool: 'trivy', id: 'KSV-0004' },
      { tool: 'kube-linter', id: 'drop-net-raw-capability' },
      { tool: 'kubesec', id: 'CapDropAll' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const found = podSecurityViolations(object, 'capabilities_restricted');
    // Added capabilities are capabilities-added's: most workloads add none, and every violation is about drop.
    const missing = found.every(isDrop) ? found : found.filter(isDrop);
    if (!missing.length) return [];
    const labels = missing.map((violation) => {
      return whoSets(object, violation.field);
    });
    return [
      {
        message: `${labels.join(', ')} keep${missing.length === 1 ? 's' : ''} the runtime's default capabilities (NET_RAW among them): drop ALL (${breaksLevel('capabilities_restricted')})`,
        path: existingPrefix(object, firstByName(missing, (violation) => violation.container).field),
        evidence: { containers: missing.map((violation) => violation.container), ...podSecurityEvidence('capabilities_restricted') },
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'every container drops ALL; a Windows pod is exempt',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  initContainers: [{name: init, image: "busybox:1.36", securityContext: {capabilities: {drop: [ALL]}}}]
  containers: [{name: app, image: "web:1.2", securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: iis}
spec:
  os: {name: windows}
  containers: [{name: iis, image: "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022"}]
`,
      },
    ],
    invalid: [
      {
        name: 'no securityContext, and dropping only NET_RAW: one finding for both containers',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: api, image: "api:3.1"}
      - {name: proxy, image: "envoyproxy/envoy:v1.31.0", securityContext: {capabilities: {drop: [NET_RAW]}}}
`,
        violations: 1,
      },
    ],
  },
});
