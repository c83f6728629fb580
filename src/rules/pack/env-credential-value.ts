import { isRecord } from '../../core/object.js';
import { containersOf, describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, Violation } from '../rule.js';
import { namedCredential } from './credentials.js';
import { checkedWorkload } from './helpers.js';

export const envCredentialValue: Rule = {
  meta: {
    id: 'env-credential-value',
    title: 'Credential written into an environment variable',
    severity: 'medium',
    stage: 'fortify',
    description:
      'An environment variable whose `value` is a credential: a variable named like one (`*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `*API_KEY*`…) holding a literal, or any value shaped like a credential (an AWS access key id, a private key, a GitHub, GitLab or Slack token: `high`; a connection string with a password: `medium`). It is in the chart, in Git, in `helm get values` and in every `kubectl get -o yaml`. The value is never printed.',
    remediation: 'Put the credential in a Secret (or an external secret store) and mount it as a file; rotate the one that was exposed.',
    references: [
      { tool: 'kube-linter', id: 'env-var-secret' },
      { tool: 'polaris', id: 'sensitiveContainerEnvVar' },
      { tool: 'kubescape', id: 'C-0012' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const violations: Violation[] = [];
    for (const ref of containersOf(object)) {
      (Array.isArray(ref.container.env) ? ref.container.env : []).forEach((entry, index) => {
        if (!isRecord(entry) || typeof entry.name !== 'string' || typeof entry.value !== 'string') return;
        const match = namedCredential(entry.name, entry.value);
        if (!match) return;
        violations.push({
          message: `${describeContainer(ref)}: env ${entry.name} holds ${match.description}`,
          path: [...ref.path, 'env', index, 'value'],
          severity: match.severity,
          evidence: { variable: entry.name, credential: match.kind },
        });
      });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'a Secret reference, companions of credentials, placeholders and references',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: "web:1.2"
    env:
    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
    - {name: DB_PASSWORD_FILE, value: /run/secrets/db/password}
    - {name: TOKEN_TTL, value: "3600"}
    - {name: AUTH_ENABLED, value: "true"}
    - {name: API_KEY, value: "$(API_KEY_FROM_SECRET)"}
    - {name: DATABASE_URL, value: "postgres://app:$(DB_PASSWORD)@db:5432/app"}
    - {name: LOG_LEVEL, value: info}
`,
      },
    ],
    invalid: [
      {
        name: 'a password (medium), an AWS key id (high) and a connection string with its password (medium)',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: "api:3.1"
        env:
        - {name: ADMIN_PASSWORD, value: "changeme"}
        - {name: AWS_ACCESS_KEY_ID, value: "AKIAIOSFODNN7EXAMPLE"}
        - {name: CACHE, value: "redis://default:s3cr3t-pass@cache:6379/0"}
`,
        violations: 3,
        severities: ['medium', 'high', 'medium'],
      },
    ],
  },
};
