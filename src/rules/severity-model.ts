/**
 * What each severity promises, as data: `docs/rules.md` prints it as a table, and the docs script
 * scans each example and prints the finding it gets, refusing to write the docs when that finding's
 * severity is not the row's. So the table cannot drift from what the rules do.
 */
import type { Severity } from '../core/severity.js';

export interface SeverityLevel {
  severity: Severity;
  /** What the level tells the person about to install. */
  meaning: string;
  /** What puts a finding at this level. */
  criteria: string;
  /** A small inventory and the rule whose finding on it shows the level. */
  example: { ruleId: string; yaml: string };
}

export const SEVERITY_MODEL: readonly SeverityLevel[] = [
  {
    severity: 'critical',
    meaning: 'This is the attack: do not install.',
    criteria:
      'The attack pattern: a powerful grant reachable by a container with exfiltration tells; a container other than the main one (sidecar, init container, native sidecar) holding a token that reaches other namespaces\' Secrets; a grant that hides itself (aggregated into `view`/`edit`/`admin`, a Helm hook that deletes itself, a RoleBinding into `kube-system` or reaching Secrets outside the release namespace, an object rendered only outside `default`); a grant to anonymous users.',
    example: {
      ruleId: 'rbac-binds-all-users',
      yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: open-door}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: "system:anonymous", apiGroup: rbac.authorization.k8s.io}]
`,
    },
  },
  {
    severity: 'high',
    meaning: 'A powerful thing that needs a reason.',
    criteria:
      'A powerful grant or setting on its own: reads every Secret, binds `cluster-admin`, an escalation path out of its namespace, a privileged container. Ingress controllers and cert-manager land here: justify it with a suppression and its reason.',
    example: {
      ruleId: 'privileged-container',
      yaml: `
apiVersion: v1
kind: Pod
metadata: {name: node-agent, namespace: ops}
spec:
  serviceAccountName: node-agent
  containers: [{name: agent, image: "agent:1.4.2", securityContext: {privileged: true}}]
`,
    },
  },
  {
    severity: 'medium',
    meaning: 'A risk worth fixing.',
    criteria: 'Permissions that stay inside one namespace (reading its Secrets, creating its pods), images that move under you, a container showing exfiltration tells without a powerful token.',
    example: {
      ruleId: 'image-latest-tag',
      yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  serviceAccountName: web
  containers: [{name: app, image: "nginx:latest"}]
`,
    },
  },
  {
    severity: 'low',
    meaning: 'Hardening and posture.',
    criteria: 'Grants limited to the chart\'s own objects, a namespace the sources create without default-deny NetworkPolicies, a default ServiceAccount without its token.',
    example: {
      ruleId: 'default-service-account',
      yaml: `
apiVersion: v1
kind: Pod
metadata: {name: batch, namespace: shop}
spec:
  automountServiceAccountToken: false
  containers: [{name: job, image: "batch:2.0.1"}]
`,
    },
  },
  {
    severity: 'info',
    meaning: 'Context: nothing to fix.',
    criteria: 'Facts a reviewer may want: harmless aggregation into `view` (reading the chart\'s own resources), image tags of `helm test` pods.',
    example: {
      ruleId: 'image-latest-tag',
      yaml: `
apiVersion: v1
kind: Pod
metadata:
  name: web-test
  namespace: shop
  annotations: {helm.sh/hook: test}
spec:
  serviceAccountName: web-test
  restartPolicy: Never
  containers: [{name: curl, image: "curlimages/curl:latest", command: [curl, "http://web:80"]}]
`,
    },
  },
];
