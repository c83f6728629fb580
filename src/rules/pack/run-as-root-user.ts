import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, podSecurityEvidence, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';

export const runAsRootUser: Rule = {
  meta: {
    id: 'run-as-root-user',
    title: 'Pod or container runs as UID 0',
    severity: 'medium',
    stage: 'fortify',
    description: '`runAsUser: 0` asks for root explicitly: whatever the image says, the process is root in the container, one kernel bug from root on the node. The restricted level forbids it.',
    remediation: 'Set a non-zero `runAsUser` (and `runAsNonRoot: true`); give the files the process writes to that user.',
    references: [
      podSecurityReference('runAsUser'),
      { tool: 'trivy', id: 'KSV-0105' },
      { tool: 'kubescape', id: 'C-0013' },
      { tool: 'kube-score', id: 'container-security-context-user-group-id' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return podSecurityViolations(object, 'runAsUser').map((violation) => {
      return {
        message: `${whoSets(object, violation.field)} runs as root (runAsUser: 0) (${breaksLevel('runAsUser')})`,
        path: violation.field,
        evidence: podSecurityEvidence('runAsUser'),
      };
    });
  },
  examples: {
    valid: [
      {
        name: 'a non-zero user',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsUser: 10001, runAsNonRoot: true}
  containers: [{name: app, image: "web:1.2"}]
`,
      },
    ],
    invalid: [
      {
        name: 'root on the pod and on an init container',
        yaml: `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      securityContext: {runAsUser: 0}
      initContainers: [{name: chown, image: "busybox:1.36", securityContext: {runAsUser: 0}}]
      containers: [{name: migrate, image: "migrate:4.17.1"}]
`,
        violations: 2,
      },
    ],
  },
};
