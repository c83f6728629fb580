import { podField, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

const FIELDS = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/** Sharing the node's network, PID or IPC namespace: baseline forbids all three. */
export const hostNamespaces: PodSecurityCheck = {
  id: 'hostNamespaces',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate(pod) {
        const { spec } = pod;
        const violations: PodSecurityViolation[] = [];
        for (const field of FIELDS) if (spec[field] === true) violations.push({ field: podField(pod, 'spec', field), value: 'true' });
        if (!violations.length) return undefined;
        return {
          reason: 'host namespaces',
          detail: () => violations.map((violation) => `${String(violation.field[violation.field.length - 1])}=true`).join(', '),
          violations,
        };
      },
    },
  ],
};
