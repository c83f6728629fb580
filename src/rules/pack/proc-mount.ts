import { WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { checkedWorkload, hardening, podSecurityReference, podSecurityViolations, whoSets } from './helpers.js';
import { samePath } from '../../core/provenance.js';

export const procMount: Rule = hardening({
  meta: {
    id: 'proc-mount',
    title: 'Container unmasks /proc',
    severity: 'medium',
    stage: 'fortify',
    description:
      '`procMount: Unmasked` removes the masks the runtime puts on sensitive `/proc` paths (`/proc/kcore`, `/proc/sys`, `/proc/sysrq-trigger`…). The baseline level forbids it, except (from v1.35) in a pod with its own user namespace (`hostUsers: false`), which only the restricted level forbids: `low` there.',
    remediation: 'Remove `procMount` (or set `Default`).',
    references: [
      podSecurityReference('procMount'),
      podSecurityReference('procMount_restricted'),
      { tool: 'trivy', id: 'KSV-0027' },
      { tool: 'kube-linter', id: 'unsafe-proc-mount' },
      { tool: 'polaris', id: 'procMount' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const restricted = podSecurityViolations(object, 'procMount_restricted');
    if (!restricted.length) return [];
    const baseline = podSecurityViolations(object, 'procMount');
    return restricted.map((violation) => {
      const level = baseline.some((candidate) => samePath(candidate.field, violation.field)) ? 'baseline' : 'restricted';
      return {
        message: `${whoSets(object, violation.field)} sets procMount: ${violation.value}${level === 'restricted' ? ' in its own user namespace' : ''} (breaks Pod Security ${level})`,
        path: violation.field,
        severity: level === 'baseline' ? 'medium' : 'low',
        evidence: { podSecurity: { level, check: level === 'baseline' ? 'procMount' : 'procMount_restricted' } },
      };
    });
  },
  examples: {
    valid: [
      {
        name: 'procMount Default',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: "web:1.2", securityContext: {procMount: Default}}]
`,
      },
    ],
    invalid: [
      {
        name: 'Unmasked on the host\'s user namespace (medium) and in its own (low)',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: builder}
spec:
  containers: [{name: build, image: "buildkit:0.16", securityContext: {procMount: Unmasked}}]
---
apiVersion: v1
kind: Pod
metadata: {name: nested}
spec:
  hostUsers: false
  containers: [{name: build, image: "buildkit:0.16", securityContext: {procMount: Unmasked}}]
`,
        violations: 2,
        severities: ['medium', 'low'],
      },
    ],
  },
});
