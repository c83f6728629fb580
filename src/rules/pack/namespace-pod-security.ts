import type { KubeObject } from '../../core/object.js';
import type { Rule, Violation } from '../rule.js';

const PREFIX = 'pod-security.kubernetes.io/';
const MODES = ['enforce', 'warn', 'audit'] as const;
const DOCS = { tool: 'kubernetes-docs' as const, id: 'pod-security-admission', url: 'https://kubernetes.io/docs/concepts/security/pod-security-admission/' };

function labels(object: KubeObject): Record<string, string> {
  return object.metadata.labels ?? {};
}

function modeLabels(object: KubeObject): { mode: string; level: string }[] {
  return MODES.flatMap((mode) => (labels(object)[PREFIX + mode] !== undefined ? [{ mode, level: String(labels(object)[PREFIX + mode]) }] : []));
}

export const namespaceWithoutPodSecurity: Rule = {
  meta: {
    id: 'namespace-without-pod-security',
    title: 'Namespace without Pod Security labels',
    severity: 'low',
    stage: 'fortify',
    description:
      'A Namespace the sources create with no `pod-security.kubernetes.io/enforce`, `warn` or `audit` label runs whatever the cluster\'s default is, usually `privileged`: any pod, privileged ones included, is admitted there. Only Namespaces in the sources are checked.',
    remediation: 'Label the namespace `pod-security.kubernetes.io/enforce: baseline` (or `restricted`), and `warn: restricted` to see what would break.',
    references: [DOCS],
    kinds: ['Namespace'],
  },
  check(object): Violation[] {
    if (modeLabels(object).length) return [];
    return [{ message: 'has no Pod Security label: the cluster default (usually privileged) admits any pod', path: ['metadata'] }];
  },
  examples: {
    valid: [
      {
        name: 'enforce baseline',
        yaml: `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: baseline}
`,
      },
    ],
    invalid: [
      {
        name: 'no labels',
        yaml: `
apiVersion: v1
kind: Namespace
metadata: {name: tracing}
`,
        violations: 1,
      },
    ],
  },
};

export const namespacePodSecurityPrivileged: Rule = {
  meta: {
    id: 'namespace-pod-security-privileged',
    title: 'Namespace enforces the privileged Pod Security level',
    severity: 'medium',
    stage: 'fortify',
    description:
      '`pod-security.kubernetes.io/enforce: privileged` admits any pod: host namespaces, host paths, privileged containers. A chart that labels its own namespace this way asks for all of it; node agents need it, applications do not.',
    remediation: 'Enforce `baseline` (or `restricted`); keep `privileged` to namespaces of node agents, with a reason recorded in a suppression.',
    references: [DOCS],
    kinds: ['Namespace'],
  },
  check(object): Violation[] {
    if (labels(object)[`${PREFIX}enforce`] !== 'privileged') return [];
    return [{ message: 'enforces Pod Security "privileged": any pod is admitted', path: ['metadata', 'labels', `${PREFIX}enforce`] }];
  },
  examples: {
    valid: [
      {
        name: 'enforce restricted',
        yaml: `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: restricted}
`,
      },
    ],
    invalid: [
      {
        name: 'enforce privileged',
        yaml: `
apiVersion: v1
kind: Namespace
metadata:
  name: tracing
  labels: {pod-security.kubernetes.io/enforce: privileged, pod-security.kubernetes.io/warn: restricted}
`,
        violations: 1,
      },
    ],
  },
};

export const namespacePodSecurityNotEnforced: Rule = {
  meta: {
    id: 'namespace-pod-security-not-enforced',
    title: 'Namespace warns or audits Pod Security without enforcing it',
    severity: 'low',
    stage: 'fortify',
    description:
      'With `warn` or `audit` labels and no `enforce`, a violating pod is admitted anyway: the warning reaches whoever ran `kubectl`, the audit log records it, and the pod runs.',
    remediation: 'Add `pod-security.kubernetes.io/enforce` at the level the workloads already meet (see `kubeward pss`).',
    references: [DOCS],
    kinds: ['Namespace'],
  },
  check(object): Violation[] {
    const modes = modeLabels(object);
    if (!modes.length || modes.some(({ mode }) => mode === 'enforce')) return [];
    return [
      {
        message: `${modes.map(({ mode, level }) => `${mode}s "${level}"`).join(' and ')} but enforces nothing: violating pods are admitted`,
        path: ['metadata', 'labels', PREFIX + modes[0].mode],
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'enforce baseline, warn restricted',
        yaml: `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/enforce: baseline, pod-security.kubernetes.io/warn: restricted}
`,
      },
    ],
    invalid: [
      {
        name: 'warn and audit only',
        yaml: `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {pod-security.kubernetes.io/warn: restricted, pod-security.kubernetes.io/audit: restricted}
`,
        violations: 1,
      },
    ],
  },
};
