import { WORKLOAD_KINDS } from '../../core/workload.js';
import { SAFE_SYSCTLS } from '../../pss/index.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, podSecurityEvidence, podSecurityReference, podSecurityViolations } from './helpers.js';

export const unsafeSysctls: Rule = {
  meta: {
    id: 'unsafe-sysctls',
    title: 'Pod sets a sysctl outside the safe set',
    severity: 'medium',
    stage: 'fortify',
    description: `Sysctls outside the safe set are not isolated per pod: they change the kernel for every pod on the node, or turn off protections. The baseline level allows only: ${SAFE_SYSCTLS.map((name) => `\`${name}\``).join(', ')} (the list grows with the policy version; \`kubeward pss --version\` judges older ones).`,
    remediation: 'Remove the sysctl, or set it on dedicated nodes through their configuration.',
    references: [podSecurityReference('sysctls'), { tool: 'trivy', id: 'KSV-0026' }, { tool: 'kube-linter', id: 'unsafe-sysctls' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return podSecurityViolations(object, 'sysctls').map((violation) => ({
      message: `sets sysctl ${violation.value || '(no name)'}, which is not isolated to the pod (${breaksLevel('sysctls')})`,
      path: violation.field,
      evidence: { sysctl: violation.value, ...podSecurityEvidence('sysctls') },
    }));
  },
  examples: {
    valid: [
      {
        name: 'safe sysctls',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext:
    sysctls: [{name: net.ipv4.ip_local_port_range, value: "1024 65535"}, {name: net.ipv4.tcp_keepalive_time, value: "600"}]
  containers: [{name: app, image: "web:1.2"}]
`,
      },
    ],
    invalid: [
      {
        name: 'kernel.msgmax and net.core.somaxconn',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: db}
spec:
  securityContext:
    sysctls: [{name: kernel.msgmax, value: "65536"}, {name: net.core.somaxconn, value: "1024"}]
  containers: [{name: db, image: "db:16.4"}]
`,
        violations: 2,
      },
    ],
  },
};
