import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleWritesWebhooks: Rule = {
  meta: {
    id: 'role-writes-webhooks',
    title: 'Role writes admission webhooks or policies',
    severity: 'medium',
    stage: 'recon',
    description:
      'Creating or changing Mutating/Validating webhook configurations or admission policies lets the holder see or rewrite every object admitted (inject a container, a ServiceAccount) or block the cluster. Admission controllers need it for their own configuration: limit it with `resourceNames`. `medium` on a ClusterRole nothing binds yet, `info` when the sources bind it.',
    remediation: 'Limit the verbs to the webhook configurations the controller owns, with `resourceNames`.',
    references: RBAC_PEERS.webhooks,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-writes-webhooks'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: webhook-viewer}
rules:
- {apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations], verbs: [get, list, watch]}
`,
      },
    ],
    invalid: [
      {
        name: 'creating and patching every mutating webhook',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: injector}
rules:
- {apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations], verbs: [create, patch]}
`,
        violations: 1,
      },
    ],
  },
};
