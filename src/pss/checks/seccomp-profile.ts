import { containerName, containerSecurityContext, containersPhrase, exemptingWindows, joinQuote, podField, podSecurityContext, recordAt, unique, visitContainers, type CheckOutcome, type PodSecurityCheck, type PodSecurityViolation, type PodView } from '../model.js';

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/** Before 1.19 seccomp was set by annotations: `unconfined` on the pod or a container is forbidden. */
function seccompBaseline1Dot0(pod: PodView): CheckOutcome {
  const { metadata, spec } = pod;
  const annotations = metadata.annotations;
  if (!annotations) return undefined;
  const violations: PodSecurityViolation[] = [];
  if (annotations[SECCOMP_POD_ANNOTATION] === 'unconfined') violations.push({ field: podField(pod, 'metadata', 'annotations', SECCOMP_POD_ANNOTATION), value: 'unconfined' });
  for (const { container } of visitContainers(pod)) {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + containerName(container);
    if (annotations[key] === 'unconfined') violations.push({ field: podField(pod, 'metadata', 'annotations', key), container: containerName(container), value: 'unconfined' });
  }
  if (!violations.length) return undefined;
  return { reason: 'seccompProfile', detail: () => `forbidden annotations ${joinQuote(violations.map((violation) => `${String(violation.field[violation.field.length - 1])}=unconfined`))}`, violations };
}

/** The seccompProfile type a securityContext sets (`''` for a profile without one), or undefined when it sets no profile. */
function profileType(context: Record<string, unknown> | undefined): string | undefined {
  const profile = recordAt(context, 'seccompProfile');
  return profile ? String(profile.type ?? '') : undefined;
}

/** From 1.19 the field: `Unconfined` on the pod or any container is forbidden. */
function seccompBaseline1Dot19(pod: PodView): CheckOutcome {
  const { spec } = pod;
  const violations: PodSecurityViolation[] = [];
  if (profileType(podSecurityContext(spec)) === 'Unconfined') violations.push({ field: podField(pod, 'spec', 'securityContext', 'seccompProfile', 'type'), value: 'Unconfined' });
  for (const { container, path } of visitContainers(pod)) {
    if (profileType(containerSecurityContext(container)) === 'Unconfined') violations.push({ field: [...path, 'securityContext', 'seccompProfile', 'type'], container: containerName(container), value: 'Unconfined' });
  }
  if (!violations.length) return undefined;
  return {
    reason: 'seccompProfile',
    detail: () => `${unique(violations.map((violation) => (violation.container === undefined ? 'pod' : containersPhrase([violation.container])))).join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined"`,
    violations,
  };
}

export const seccompProfileBaseline: PodSecurityCheck = {
  id: 'seccompProfile_baseline',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, evaluate: seccompBaseline1Dot0 },
    { minimumVersion: 19, evaluate: seccompBaseline1Dot19 },
  ],
};

const VALID_RESTRICTED = new Set(['RuntimeDefault', 'Localhost']);

/** Restricted: the pod sets RuntimeDefault or Localhost, or every container does; nobody sets anything else. */
function seccompRestricted1Dot19(pod: PodView): CheckOutcome {
  const { spec } = pod;
  const violations: PodSecurityViolation[] = [];
  const podType = profileType(podSecurityContext(spec));
  const podValid = podType !== undefined && VALID_RESTRICTED.has(podType);
  const podBad = podType !== undefined && !podValid;
  if (podBad) violations.push({ field: podField(pod, 'spec', 'securityContext', 'seccompProfile', 'type'), value: podType });
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const { container, path } of visitContainers(pod)) {
    const type = profileType(containerSecurityContext(container));
    if (type !== undefined) {
      if (VALID_RESTRICTED.has(type)) continue;
      explicitlyBad.push(containerName(container));
      violations.push({ field: [...path, 'securityContext', 'seccompProfile', 'type'], container: containerName(container), value: type });
    } else if (!podValid) {
      implicitlyBad.push(containerName(container));
      violations.push({ field: [...path, 'securityContext', 'seccompProfile', 'type'], container: containerName(container), value: 'unset' });
    }
  }
  if (!violations.length) return undefined;
  const detail = () => {
    const details: string[] = [];
    if (podBad || explicitlyBad.length) {
      const who = [...(podBad ? ['pod'] : []), ...(explicitlyBad.length ? [containersPhrase(explicitlyBad)] : [])].join(' and ');
      details.push(`${who} must not set securityContext.seccompProfile.type to ${joinQuote(unique(violations.filter((v) => v.value !== 'unset').map((v) => v.value ?? '')))}`);
    }
    if (implicitlyBad.length) details.push(`pod or ${containersPhrase(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
    return details.join('; ');
  };
  return { reason: 'seccompProfile', detail, violations };
}

export const seccompProfileRestricted: PodSecurityCheck = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  versions: [
    { minimumVersion: 19, evaluate: seccompRestricted1Dot19, overrides: ['seccompProfile_baseline'] },
    { minimumVersion: 25, evaluate: exemptingWindows(seccompRestricted1Dot19), overrides: ['seccompProfile_baseline'] },
  ],
};
