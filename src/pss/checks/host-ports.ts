import { isRecord } from '../../core/object.js';
import { containerName, containersPhrase, pluralize, unique, visitContainers, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

/** A hostPort binds the node's own port to the container: baseline forbids any non-zero hostPort. */
export const hostPorts: PodSecurityCheck = {
  id: 'hostPorts',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate(pod) {
        const violations: PodSecurityViolation[] = [];
        for (const { container, path } of visitContainers(pod)) {
          const ports = container.ports;
          if (!Array.isArray(ports)) continue;
          for (let index = 0; index < ports.length; index++) {
            const port: unknown = ports[index];
            if (isRecord(port) && typeof port.hostPort === 'number' && port.hostPort !== 0) {
              violations.push({ field: [...path, 'ports', index, 'hostPort'], container: containerName(container), value: String(port.hostPort) });
            }
          }
        }
        if (!violations.length) return undefined;
        return {
          reason: 'hostPort',
          detail: () => {
            const ports = unique(violations.map((violation) => violation.value ?? ''));
            return `${containersPhrase(violations.map((violation) => violation.container ?? ''))} ${pluralize('uses', 'use', unique(violations.map((v) => v.container ?? '')).length)} ${pluralize('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}`;
          },
          violations,
        };
      },
    },
  ],
};
