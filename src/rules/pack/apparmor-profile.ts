import { describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, containerAt, podSecurityEvidence, podSecurityReference, podSecurityViolations } from './helpers.js';

export const apparmorProfile: Rule = {
  meta: {
    id: 'apparmor-profile',
    title: 'AppArmor turned off',
    severity: 'medium',
    stage: 'fortify',
    description:
      'On nodes with AppArmor, the runtime\'s default profile keeps a container from mounting filesystems, writing to `/proc` and `/sys` and loading kernel modules. `appArmorProfile.type: Unconfined` (or a profile field without an allowed type) and the deprecated annotation `container.apparmor.security.beta.kubernetes.io/<container>: unconfined` turn it off; the baseline level forbids both.',
    remediation: 'Remove the override, or use `RuntimeDefault` or a reviewed `Localhost` profile.',
    references: [podSecurityReference('appArmorProfile'), { tool: 'trivy', id: 'KSV-0002' }, { tool: 'kubescape', id: 'C-0055' }, { tool: 'kubesec', id: 'ApparmorAny' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return podSecurityViolations(object, 'appArmorProfile').map((violation) => {
      const annotation = violation.field.includes('annotations');
      const ref = annotation ? undefined : containerAt(object, violation.field);
      const who = annotation ? `annotation ${String(violation.field[violation.field.length - 1])}` : ref ? describeContainer(ref) : 'the pod';
      return {
        message: `${who} sets AppArmor to ${JSON.stringify(violation.value)} (${breaksLevel('appArmorProfile')})`,
        path: violation.field,
        evidence: podSecurityEvidence('appArmorProfile'),
      };
    });
  },
  examples: {
    valid: [
      {
        name: 'RuntimeDefault, a localhost profile by annotation',
        yaml: `
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations: {container.apparmor.security.beta.kubernetes.io/app: localhost/web}
spec:
  securityContext: {appArmorProfile: {type: RuntimeDefault}}
  containers: [{name: app, image: "web:1.2"}]
`,
      },
    ],
    invalid: [
      {
        name: 'Unconfined in the field and in the annotation',
        yaml: `
apiVersion: v1
kind: Pod
metadata:
  name: debug
  annotations: {container.apparmor.security.beta.kubernetes.io/tools: unconfined}
spec:
  containers:
  - {name: app, image: "web:1.2", securityContext: {appArmorProfile: {type: Unconfined}}}
  - {name: tools, image: "tools:1.0"}
`,
        violations: 2,
      },
    ],
  },
};
