import { isRecord } from '../../core/object.js';
import { selfDeletingPolicies } from '../../core/hooks.js';
import { containersOf, hostNamespacesOf, podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { checkedWorkload } from './helpers.js';

export const hookDeletesItself: Rule = {
  meta: {
    id: 'hook-deletes-itself',
    title: 'Privileged Helm hook that deletes itself after it runs',
    severity: 'medium',
    stage: 'recon',
    description:
      'A pod or Job that runs privileged or with the host\'s namespaces or filesystem, as a Helm hook whose `helm.sh/hook-delete-policy` is `hook-succeeded` or `hook-failed`: it has root on a node for as long as it runs, then deletes itself, so nothing is left for anyone to look at after the install. Grants that delete themselves are reported on the grant (their RBAC finding says so, `critical` when they reach Secrets beyond their namespace).',
    remediation: 'Ask why an install step needs the node. If it must, keep the hook (`before-hook-creation` only) so what ran can be audited.',
    references: [{ tool: 'kubernetes-docs', id: 'helm-hooks', url: 'https://helm.sh/docs/topics/charts_hooks/#hook-deletion-policies' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const policies = selfDeletingPolicies(object);
    const template = podTemplateOf(object);
    if (policies.length === 0 || !template) return [];
    const { spec } = template;
    const powers = [
      ...containersOf(object).filter(({ container }) => container.securityContext?.privileged === true).map(({ container }) => `privileged container "${container.name}"`),
      ...hostNamespacesOf(spec).map((field) => `${field}: true`),
      ...(Array.isArray(spec.volumes) ? spec.volumes : []).filter((volume) => isRecord(volume) && isRecord(volume.hostPath)).map((volume) => `hostPath ${String((volume.hostPath as Record<string, unknown>).path)}`),
    ];
    if (powers.length === 0) return [];
    return [
      {
        message: `a Helm hook (${object.metadata.annotations?.['helm.sh/hook']}) with ${powers.join(', ')} that deletes itself after it runs (${policies.join(', ')}): root on a node, then no trace in the cluster`,
        path: ['metadata', 'annotations', 'helm.sh/hook-delete-policy'],
        evidence: { hooks: object.metadata.annotations?.['helm.sh/hook'], deletePolicies: policies, powers },
      },
    ];
  },
  examples: {
    valid: [
      {
        name: 'a privileged hook that stays, and a plain hook that deletes itself',
        yaml: `
apiVersion: batch/v1
kind: Job
metadata:
  name: node-setup
  annotations: {helm.sh/hook: pre-install, helm.sh/hook-delete-policy: before-hook-creation}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: setup, image: "setup:1.0.0", securityContext: {privileged: true}}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {helm.sh/hook: pre-upgrade, helm.sh/hook-delete-policy: hook-succeeded}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "app:2.1.0", args: [migrate]}]
`,
      },
    ],
    invalid: [
      {
        name: 'a hook with the host\'s PID namespace and root filesystem that deletes itself',
        yaml: `
apiVersion: batch/v1
kind: Job
metadata:
  name: warmup
  annotations: {helm.sh/hook: post-install, helm.sh/hook-delete-policy: "before-hook-creation,hook-succeeded"}
spec:
  template:
    spec:
      restartPolicy: Never
      hostPID: true
      containers: [{name: warmup, image: "agent:1.4.2", volumeMounts: [{name: host, mountPath: /host}]}]
      volumes: [{name: host, hostPath: {path: /}}]
`,
        violations: 1,
      },
    ],
  },
};
