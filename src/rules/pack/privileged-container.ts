import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, podSecurityEvidence, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';

export const privilegedContainer: Rule = {
  meta: {
    id: 'privileged-container',
    title: 'Privileged container',
    severity: 'high',
    stage: 'fortify',
    description:
      'A container with `securityContext.privileged: true` has every capability and every host device: it is root on the node, and from the node it can read the tokens of every pod scheduled there. The Pod Security Standards forbid it from the baseline level up.',
    remediation: 'Remove `privileged: true`; add only the capabilities the container needs, and run it in a namespace enforcing the `baseline` or `restricted` Pod Security level.',
    references: [
      podSecurityReference('privileged'),
      { tool: 'kube-linter', id: 'privileged-container' },
      { tool: 'checkov', id: 'CKV_K8S_16' },
      { tool: 'trivy', id: 'KSV-0017' },
      { tool: 'kubescape', id: 'C-0057' },
      { tool: 'polaris', id: 'runAsPrivileged' },
      { tool: 'kubesec', id: 'Privileged' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return podSecurityViolations(object, 'privileged').map((violation) => {
      return {
        message: `${whoSets(object, violation.field)} runs privileged: root on the node it lands on (${breaksLevel('privileged')})`,
        path: violation.field,
        evidence: podSecurityEvidence('privileged'),
      };
    });
  },
  examples: {
    valid: [
      {
        name: 'privileged explicitly false, and no security context',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: "nginx:1.27", securityContext: {privileged: false}}
  - {name: plain, image: "nginx:1.27"}
`,
      },
    ],
    invalid: [
      {
        name: 'a privileged native sidecar in a DaemonSet',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      initContainers:
      - {name: shipper, image: "agent:1.0", restartPolicy: Always, securityContext: {privileged: true}}
      containers:
      - {name: agent, image: "agent:1.0"}
`,
        violations: 1,
      },
    ],
  },
};
