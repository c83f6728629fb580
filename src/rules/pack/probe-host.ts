import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, containerAt, podSecurityEvidence, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';

export const probeHost: Rule = {
  meta: {
    id: 'probe-host',
    title: 'Probe or lifecycle hook sent to another host',
    severity: 'medium',
    stage: 'fortify',
    description:
      'A probe or lifecycle handler with `httpGet.host` or `tcpSocket.host` makes the kubelet, from the node\'s network, connect wherever the manifest says: the node\'s own services, another namespace\'s pods, the cloud metadata endpoint. The baseline level forbids it from v1.34.',
    remediation: 'Remove `host`: probes then go to the pod\'s own IP.',
    references: [podSecurityReference('hostProbesAndHostLifecycle')],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return podSecurityViolations(object, 'hostProbesAndHostLifecycle').map((violation) => {
      const ref = containerAt(object, violation.field);
      const handler = violation.field.slice(ref ? ref.path.length : 0, -2).map(String).join('.');
      return {
        message: `${whoSets(object, violation.field)}: ${handler} goes to host ${violation.value}, from the node's network (${breaksLevel('hostProbesAndHostLifecycle')})`,
        path: violation.field,
        evidence: { host: violation.value, ...podSecurityEvidence('hostProbesAndHostLifecycle') },
      };
    });
  },
  examples: {
    valid: [
      {
        name: 'probes on the pod\'s own address',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: "web:1.2"
    livenessProbe: {httpGet: {path: /healthz, port: 8080}}
    readinessProbe: {tcpSocket: {port: 8080}}
`,
      },
    ],
    invalid: [
      {
        name: 'a readiness probe to the metadata endpoint and a preStop hook to another service',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: "web:1.2"
    readinessProbe: {httpGet: {host: 169.254.169.254, path: /latest/meta-data/, port: 80}}
    lifecycle: {preStop: {httpGet: {host: billing.payments.svc, path: /drain, port: 8080}}}
`,
        violations: 2,
      },
    ],
  },
};
