import { containerName, containersPhrase, joinQuote, recordAt, unique, visitContainers, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const LIFECYCLE = ['postStart', 'preStop'] as const;
const HANDLERS = ['httpGet', 'tcpSocket'] as const;

/** The host a handler (`httpGet` or `tcpSocket` of a probe or lifecycle hook) sets, if any. */
function hostOf(handler: unknown, kind: (typeof HANDLERS)[number]): string | undefined {
  const host = recordAt(handler, kind)?.host;
  return typeof host === 'string' && host !== '' ? host : undefined;
}

/**
 * A probe or lifecycle handler with `host` makes the kubelet connect to that address (another pod, the
 * node's own services, the cloud metadata endpoint) on the pod's behalf. Baseline forbids it from 1.34.
 */
export const hostProbesAndHostLifecycle: PodSecurityCheck = {
  id: 'hostProbesAndHostLifecycle',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 34,
      evaluate(pod) {
        const violations: PodSecurityViolation[] = [];
        for (const { container, path } of visitContainers(pod)) {
          for (const probe of PROBES) {
            for (const kind of HANDLERS) {
              const host = hostOf(container[probe], kind);
              if (host) violations.push({ field: [...path, probe, kind, 'host'], container: containerName(container), value: host });
            }
          }
          const lifecycle = recordAt(container, 'lifecycle');
          for (const hook of LIFECYCLE) {
            for (const kind of HANDLERS) {
              const host = hostOf(lifecycle?.[hook], kind);
              if (host) violations.push({ field: [...path, 'lifecycle', hook, kind, 'host'], container: containerName(container), value: host });
            }
          }
        }
        if (!violations.length) return undefined;
        return {
          reason: 'probe or lifecycle host',
          detail: () => {
            const hosts = unique(violations.map((violation) => violation.value ?? ''));
            return `${containersPhrase(violations.map((violation) => violation.container ?? ''))} use probe or lifecycle ${hosts.length === 1 ? 'host' : 'hosts'} ${joinQuote(hosts)}`;
          },
          violations,
        };
      },
    },
  ],
};
