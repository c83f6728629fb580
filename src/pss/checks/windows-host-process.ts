import { containerName, containerSecurityContext, podField, podSecurityContext, recordAt, settersPhrase, visitContainers, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

/** A Windows HostProcess container runs on the node as a host process: baseline forbids it. */
export const windowsHostProcess: PodSecurityCheck = {
  id: 'windowsHostProcess',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate(pod) {
        const { spec } = pod;
        const violations: PodSecurityViolation[] = [];
        if (recordAt(podSecurityContext(spec), 'windowsOptions')?.hostProcess === true) violations.push({ field: podField(pod, 'spec', 'securityContext', 'windowsOptions', 'hostProcess'), value: 'true' });
        for (const { container, path } of visitContainers(pod)) {
          if (recordAt(containerSecurityContext(container), 'windowsOptions')?.hostProcess === true) {
            violations.push({ field: [...path, 'securityContext', 'windowsOptions', 'hostProcess'], container: containerName(container), value: 'true' });
          }
        }
        if (!violations.length) return undefined;
        return { reason: 'hostProcess', detail: () => `${settersPhrase(violations)} must not set securityContext.windowsOptions.hostProcess=true`, violations };
      },
    },
  ],
};
