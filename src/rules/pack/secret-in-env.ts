import { isRecord } from '../../core/object.js';
import { containersOf, describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, Violation } from '../rule.js';
import { checkedWorkload, hardening } from './helpers.js';

export const secretInEnv: Rule = hardening({
  meta: {
    id: 'secret-in-env',
    title: 'Secret passed as environment variables',
    severity: 'low',
    stage: 'fortify',
    description:
      'A Secret read into the environment (`valueFrom.secretKeyRef`, `envFrom.secretRef`) is inherited by every child process, printed by crash reports and debug endpoints, and visible to anything that reads `/proc/<pid>/environ`; mounted as a file it is none of these, and it is updated in place when the Secret changes. One finding per container.',
    remediation: 'Mount the Secret as a volume and have the process read the file (many images accept `*_FILE` variables).',
    references: [
      { tool: 'checkov', id: 'CKV_K8S_35' },
      { tool: 'kube-linter', id: 'read-secret-from-env-var' },
      { tool: 'kubescape', id: 'C-0207' },
      { tool: 'kubesec', id: 'SecretsAsEnvironmentVariables' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const violations: Violation[] = [];
    for (const ref of containersOf(object)) {
      const { env, envFrom } = ref.container;
      let uses: string[] | undefined;
      let first: (string | number)[] | undefined;
      if (Array.isArray(env)) {
        for (let index = 0; index < env.length; index++) {
          const entry: unknown = env[index];
          const secret = isRecord(entry) && isRecord(entry.valueFrom) && isRecord(entry.valueFrom.secretKeyRef) ? entry.valueFrom.secretKeyRef : undefined;
          if (!secret || !isRecord(entry)) continue;
          (uses ??= []).push(`${String(entry.name)} (Secret ${String(secret.name ?? '?')}, key ${String(secret.key ?? '?')})`);
          first ??= [...ref.path, 'env', index, 'valueFrom', 'secretKeyRef'];
        }
      }
      if (Array.isArray(envFrom)) {
        for (let index = 0; index < envFrom.length; index++) {
          const entry: unknown = envFrom[index];
          if (!isRecord(entry) || !isRecord(entry.secretRef)) continue;
          (uses ??= []).push(`every key of Secret ${String(entry.secretRef.name ?? '?')}`);
          first ??= [...ref.path, 'envFrom', index, 'secretRef'];
        }
      }
      if (uses) violations.push({ message: `${describeContainer(ref)} reads ${uses.join(', ')} into its environment`, path: first, evidence: { variables: uses } });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'the Secret mounted as a file',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: "web:1.2"
    env: [{name: DB_PASSWORD_FILE, value: /run/secrets/db/password}]
    volumeMounts: [{name: db, mountPath: /run/secrets/db, readOnly: true}]
  volumes: [{name: db, secret: {secretName: db}}]
`,
      },
    ],
    invalid: [
      {
        name: 'secretKeyRef and envFrom in one container: one finding',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: "web:1.2"
    env: [{name: DB_URL, valueFrom: {secretKeyRef: {name: db, key: url}}}]
    envFrom: [{secretRef: {name: api-keys}}]
`,
        violations: 1,
      },
    ],
  },
});
