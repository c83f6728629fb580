import { containerName, containerSecurityContext, containersPhrase, exemptingWindows, podField, podSecurityContext, settersPhrase, visitContainers, type CheckOutcome, type PodSecurityCheck, type PodSecurityViolation, type PodView } from '../model.js';

/** Restricted: every container must set allowPrivilegeEscalation: false (setuid binaries cannot gain privileges). */
function allowPrivilegeEscalation1Dot8(pod: PodView): CheckOutcome {
  const violations: PodSecurityViolation[] = [];
  for (const { container, path } of visitContainers(pod)) {
    const value = containerSecurityContext(container)?.allowPrivilegeEscalation;
    if (value !== false) violations.push({ field: [...path, 'securityContext', 'allowPrivilegeEscalation'], container: containerName(container), value: value === undefined || value === null ? 'unset' : String(value) });
  }
  if (!violations.length) return undefined;
  return {
    reason: 'allowPrivilegeEscalation != false',
    detail: () => `${containersPhrase(violations.map((violation) => violation.container ?? ''))} must set securityContext.allowPrivilegeEscalation=false`,
    violations,
  };
}

export const allowPrivilegeEscalation: PodSecurityCheck = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  versions: [
    { minimumVersion: 8, evaluate: allowPrivilegeEscalation1Dot8 },
    { minimumVersion: 25, evaluate: exemptingWindows(allowPrivilegeEscalation1Dot8) },
  ],
};

/**
 * Restricted: runAsNonRoot must be true, on the pod (then containers may leave it unset) or on every
 * container; an explicit false anywhere fails.
 */
export const runAsNonRoot: PodSecurityCheck = {
  id: 'runAsNonRoot',
  level: 'restricted',
  versions: [
    {
      minimumVersion: 0,
      evaluate(pod) {
        const { spec } = pod;
        const violations: PodSecurityViolation[] = [];
        const podValue = podSecurityContext(spec)?.runAsNonRoot;
        const podTrue = podValue === true;
        if (podValue === false) violations.push({ field: podField(pod, 'spec', 'securityContext', 'runAsNonRoot'), value: 'false' });
        for (const { container, path } of visitContainers(pod)) {
          const value = containerSecurityContext(container)?.runAsNonRoot;
          if (value === false) violations.push({ field: [...path, 'securityContext', 'runAsNonRoot'], container: containerName(container), value: 'false' });
          else if (value !== true && !podTrue) violations.push({ field: [...path, 'securityContext', 'runAsNonRoot'], container: containerName(container), value: 'unset' });
        }
        if (!violations.length) return undefined;
        const detail = () => {
          const explicitlyBad = violations.flatMap((violation) => (violation.container !== undefined && violation.value === 'false' ? [violation.container] : []));
          const implicitlyBad = violations.flatMap((violation) => (violation.container !== undefined && violation.value === 'unset' ? [violation.container] : []));
          const details: string[] = [];
          const setters = [...(podValue === false ? ['pod'] : []), ...(explicitlyBad.length ? [containersPhrase(explicitlyBad)] : [])];
          if (setters.length) details.push(`${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`);
          if (implicitlyBad.length) details.push(`pod or ${containersPhrase(implicitlyBad)} must set securityContext.runAsNonRoot=true`);
          return details.join('; ');
        };
        return { reason: 'runAsNonRoot != true', detail, violations };
      },
    },
  ],
};

/** Restricted (1.23+): runAsUser 0 on the pod or any container. */
export const runAsUser: PodSecurityCheck = {
  id: 'runAsUser',
  level: 'restricted',
  versions: [
    {
      minimumVersion: 23,
      evaluate(pod) {
        const { spec } = pod;
        const violations: PodSecurityViolation[] = [];
        if (podSecurityContext(spec)?.runAsUser === 0) violations.push({ field: podField(pod, 'spec', 'securityContext', 'runAsUser'), value: '0' });
        for (const { container, path } of visitContainers(pod)) {
          if (containerSecurityContext(container)?.runAsUser === 0) violations.push({ field: [...path, 'securityContext', 'runAsUser'], container: containerName(container), value: '0' });
        }
        if (!violations.length) return undefined;
        return { reason: 'runAsUser=0', detail: () => `${settersPhrase(violations)} must not set runAsUser=0`, violations };
      },
    },
  ],
};
