import type { PathSegment } from '../../core/provenance.js';
import { containerName, containersPhrase, joinQuote, recordAt, unique, visitContainers, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const LIFECYCLE = ['postStart', 'preStop'] as const;
const HANDLERS = ['httpGet', 'tcpSocket'] as const;

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
      evaluate({ spec }) {
        const violations: PodSecurityViolation[] = [];
        for (const { container, path } of visitContainers(spec)) {
          const inspect = (handler: unknown, handlerPath: PathSegment[]) => {
            for (const kind of HANDLERS) {
              const host = recordAt(handler, kind)?.host;
              if (typeof host === 'string' && host !== '') violations.push({ field: [...handlerPath, kind, 'host'], container: containerName(container), value: host });
            }
          };
          for (const probe of PROBES) inspect(container[probe], [...path, probe]);
          const lifecycle = recordAt(container, 'lifecycle');
          for (const hook of LIFECYCLE) inspect(lifecycle?.[hook], [...path, 'lifecycle', hook]);
        }
        if (!violations.length) return undefined;
        const hosts = unique(violations.map((violation) => violation.value ?? ''));
        return {
          reason: 'probe or lifecycle host',
          detail: `${containersPhrase(violations.map((violation) => violation.container ?? ''))} use probe or lifecycle ${hosts.length === 1 ? 'host' : 'hosts'} ${joinQuote(hosts)}`,
          violations,
        };
      },
    },
  ],
};
