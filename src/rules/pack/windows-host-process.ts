import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, podSecurityEvidence, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';

export const windowsHostProcess: Rule = {
  meta: {
    id: 'windows-host-process',
    title: 'Windows HostProcess container',
    severity: 'high',
    stage: 'fortify',
    description: 'A Windows HostProcess container runs as a process on the node, outside any container isolation, with the node\'s network and filesystem: the Windows counterpart of a privileged container. The baseline level forbids it.',
    remediation: 'Remove `windowsOptions.hostProcess: true`; run node administration outside workloads.',
    references: [podSecurityReference('windowsHostProcess'), { tool: 'trivy', id: 'KSV-0103' }, { tool: 'kubescape', id: 'C-0202' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return podSecurityViolations(object, 'windowsHostProcess').map((violation) => {
      return {
        message: `${whoSets(object, violation.field)} runs as a host process on the Windows node (${breaksLevel('windowsHostProcess')})`,
        path: violation.field,
        evidence: podSecurityEvidence('windowsHostProcess'),
      };
    });
  },
  examples: {
    valid: [
      {
        name: 'a Windows pod without hostProcess',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: iis}
spec:
  os: {name: windows}
  securityContext: {windowsOptions: {runAsUserName: "ContainerUser"}}
  containers: [{name: iis, image: "mcr.microsoft.com/windows/servercore/iis:windowsservercore-ltsc2022"}]
`,
      },
    ],
    invalid: [
      {
        name: 'hostProcess on the pod',
        yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: win-agent, namespace: ops}
spec:
  selector: {matchLabels: {app: win-agent}}
  template:
    metadata: {labels: {app: win-agent}}
    spec:
      os: {name: windows}
      hostNetwork: true
      securityContext: {windowsOptions: {hostProcess: true, runAsUserName: "NT AUTHORITY\\\\SYSTEM"}}
      containers: [{name: agent, image: "agent:1.0-windows"}]
`,
        violations: 1,
      },
    ],
  },
};
