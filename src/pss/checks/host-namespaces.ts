import type { PodSecurityCheck, PodSecurityViolation } from '../model.js';

const FIELDS = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/** Sharing the node's network, PID or IPC namespace: baseline forbids all three. */
export const hostNamespaces: PodSecurityCheck = {
  id: 'hostNamespaces',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate({ spec }) {
        const violations: PodSecurityViolation[] = [];
        for (const field of FIELDS) if (spec[field] === true) violations.push({ field: ['spec', field], value: 'true' });
        if (!violations.length) return undefined;
        return {
          reason: 'host namespaces',
          detail: () => violations.map((violation) => `${String(violation.field[1])}=true`).join(', '),
          violations,
        };
      },
    },
  ],
};
