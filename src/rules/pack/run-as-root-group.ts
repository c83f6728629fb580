import { isRecord } from '../../core/object.js';
import { containersOf, describeContainer, podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, Violation } from '../rule.js';
import { checkedWorkload, hardening } from './helpers.js';

export const runAsRootGroup: Rule = hardening({
  meta: {
    id: 'run-as-root-group',
    title: 'Pod or container runs with group 0 (root)',
    severity: 'low',
    stage: 'fortify',
    description:
      '`runAsGroup: 0`, `fsGroup: 0` or group 0 in `supplementalGroups` make the process a member of the root group: it can read and write every file the root group can, in the image and on mounted volumes. The Pod Security Standards do not check groups; this rule does.',
    remediation: 'Use a non-zero `runAsGroup` and `fsGroup`, and leave 0 out of `supplementalGroups`.',
    references: [
      { tool: 'trivy', id: 'KSV-0116' },
      { tool: 'kube-score', id: 'container-security-context-user-group-id' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const template = podTemplateOf(object);
    if (!template) return [];
    const violations: Violation[] = [];
    const pod = template.spec.securityContext;
    if (isRecord(pod)) {
      const path = [...template.specPath, 'securityContext'];
      if (pod.runAsGroup === 0) violations.push({ message: 'the pod runs with group 0 (runAsGroup: 0)', path: [...path, 'runAsGroup'] });
      if (pod.fsGroup === 0) violations.push({ message: 'the pod gives its volumes to group 0 (fsGroup: 0)', path: [...path, 'fsGroup'] });
      const groups = pod.supplementalGroups;
      if (Array.isArray(groups) && groups.includes(0)) violations.push({ message: 'the pod adds group 0 to every container (supplementalGroups)', path: [...path, 'supplementalGroups', groups.indexOf(0)] });
    }
    for (const ref of containersOf(object)) {
      const securityContext = ref.container.securityContext;
      if (isRecord(securityContext) && securityContext.runAsGroup === 0) violations.push({ message: `${describeContainer(ref)} runs with group 0 (runAsGroup: 0)`, path: [...ref.path, 'securityContext', 'runAsGroup'] });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'non-zero groups',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, supplementalGroups: [10002]}
  containers: [{name: app, image: "web:1.2", securityContext: {runAsGroup: 10001}}]
`,
      },
    ],
    invalid: [
      {
        name: 'fsGroup 0 and supplementalGroups with 0 on the pod, runAsGroup 0 on a container',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  securityContext: {fsGroup: 0, supplementalGroups: [1000, 0]}
  containers: [{name: app, image: "web:1.2", securityContext: {runAsGroup: 0}}]
`,
        violations: 3,
      },
    ],
  },
});
