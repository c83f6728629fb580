import { containerName, containerSecurityContext, containersPhrase, visitContainers, type PodSecurityCheck } from '../model.js';

/** Privileged containers disable most isolation: root on the node. Baseline forbids `securityContext.privileged: true`. */
export const privileged: PodSecurityCheck = {
  id: 'privileged',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate({ spec }) {
        const bad = visitContainers(spec).filter(({ container }) => containerSecurityContext(container)?.privileged === true);
        if (!bad.length) return undefined;
        return {
          reason: 'privileged',
          detail: `${containersPhrase(bad.map(({ container }) => containerName(container)))} must not set securityContext.privileged=true`,
          violations: bad.map(({ container, path }) => ({ field: [...path, 'securityContext', 'privileged'], container: containerName(container), value: 'true' })),
        };
      },
    },
  ],
};
