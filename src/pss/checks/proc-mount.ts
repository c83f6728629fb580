import { containerName, containerSecurityContext, containersPhrase, joinQuote, unique, visitContainers, type CheckOutcome, type PodSecurityCheck, type PodSecurityViolation, type PodView } from '../model.js';

/** Any procMount other than `Default` unmasks /proc paths the runtime hides. */
function procMount1Dot0(pod: PodView): CheckOutcome {
  const violations: PodSecurityViolation[] = [];
  for (const { container, path } of visitContainers(pod)) {
    const procMount = containerSecurityContext(container)?.procMount;
    if (procMount !== undefined && procMount !== null && procMount !== 'Default') violations.push({ field: [...path, 'securityContext', 'procMount'], container: containerName(container), value: String(procMount) });
  }
  if (!violations.length) return undefined;
  return {
    reason: 'procMount',
    detail: () => `${containersPhrase(violations.map((violation) => violation.container ?? ''))} must not set securityContext.procMount to ${joinQuote(unique(violations.map((violation) => violation.value ?? '')))}`,
    violations,
  };
}

/** From 1.35 baseline allows an unmasked /proc in a pod with its own user namespace (`hostUsers: false`). */
function procMount1Dot35(pod: PodView): CheckOutcome {
  return pod.spec.hostUsers === false ? undefined : procMount1Dot0(pod);
}

export const procMount: PodSecurityCheck = {
  id: 'procMount',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, evaluate: procMount1Dot0 },
    { minimumVersion: 35, evaluate: procMount1Dot35 },
  ],
};

/** Restricted keeps the unconditional rule once baseline relaxes it (1.35). */
export const procMountRestricted: PodSecurityCheck = {
  id: 'procMount_restricted',
  level: 'restricted',
  versions: [{ minimumVersion: 35, evaluate: procMount1Dot0, overrides: ['procMount'] }],
};
