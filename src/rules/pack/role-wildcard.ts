import { RBAC_PEERS } from '../../rbac/peers.js';
import type { Rule } from '../rule.js';
import { roleRiskCheck } from './role-grants.js';

export const roleWildcard: Rule = {
  meta: {
    id: 'role-wildcard',
    title: 'Role grants with wildcards',
    severity: 'medium',
    stage: 'recon',
    description:
      'A rule with `*` in its verbs, resources or API groups grants whatever exists now and whatever is added later: `*` verbs include `escalate`, `bind` and `impersonate`; `*` resources include Secrets and every subresource. `*` on everything is cluster-admin. `medium` on a ClusterRole nothing binds yet; `low` for a wildcard limited to a chart\'s own API groups (`*.example.com`) or to verbs on named resources, and for a Role; `info` when the sources bind it (the finding on the bound subject is the one).',
    remediation: 'List the verbs, resources and API groups the holder needs.',
    references: RBAC_PEERS.wildcard,
    kinds: ['Role', 'ClusterRole'],
  },
  check: roleRiskCheck('role-wildcard'),
  examples: {
    valid: [
      {
        name: 'nothing of the kind',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules:
- {apiGroups: [""], resources: [configmaps, services], verbs: [get, list, watch]}
`,
      },
    ],
    invalid: [
      {
        name: '`*` on everything (medium), and `*` on one API group of its own (low)',
        yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: operator}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
- {apiGroups: [widgets.example.com], resources: ["*"], verbs: ["*"]}
`,
        violations: 2,
        severities: ['medium', 'low'],
      },
    ],
  },
};
