import { containerName, containerSecurityContext, containersPhrase, visitContainers, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

/** Privileged containers disable most isolation: root on the node. Baseline forbids `securityContext.privileged: true`. */
export const privileged: PodSecurityCheck = {
  id: 'privileged',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate(pod) {
        const violations: PodSecurityViolation[] = [];
        for (const { container, path } of visitContainers(pod)) {
          if (containerSecurityContext(container)?.privileged === true) violations.push({ field: [...path, 'securityContext', 'privileged'], container: containerName(container), value: 'true' });
        }
        if (!violations.length) return undefined;
        return {
          reason: 'privileged',
          detail: () => `${containersPhrase(violations.map((violation) => violation.container ?? ''))} must not set securityContext.privileged=true`,
          violations,
        };
      },
    },
  ],
};
