import type { PathSegment } from '../../core/provenance.js';
import { containerName, containerSecurityContext, containersPhrase, exemptingWindows, joinQuote, podSecurityContext, recordAt, unique, visitContainers, type CheckOutcome, type PodSecurityCheck, type PodSecurityViolation, type PodView } from '../model.js';

export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

/** Before 1.19 seccomp was set by annotations: `unconfined` on the pod or a container is forbidden. */
function seccompBaseline1Dot0({ metadata, spec }: PodView): CheckOutcome {
  const annotations = metadata.annotations ?? {};
  const violations: PodSecurityViolation[] = [];
  if (annotations[SECCOMP_POD_ANNOTATION] === 'unconfined') violations.push({ field: ['metadata', 'annotations', SECCOMP_POD_ANNOTATION], value: 'unconfined' });
  for (const { container } of visitContainers(spec)) {
    const key = SECCOMP_CONTAINER_ANNOTATION_PREFIX + containerName(container);
    if (annotations[key] === 'unconfined') violations.push({ field: ['metadata', 'annotations', key], container: containerName(container), value: 'unconfined' });
  }
  if (!violations.length) return undefined;
  return { reason: 'seccompProfile', detail: `forbidden annotations ${joinQuote(violations.map((violation) => `${String(violation.field[2])}=unconfined`))}`, violations };
}

interface ProfileSetting {
  field: PathSegment[];
  container?: string;
  type: string;
}

/** Every seccompProfile the pod and its containers set. */
function profiles({ spec }: PodView): { pod?: ProfileSetting; containers: (ProfileSetting & { unset: boolean })[] } {
  const podProfile = recordAt(podSecurityContext(spec), 'seccompProfile');
  const pod = podProfile ? { field: ['spec', 'securityContext', 'seccompProfile', 'type'], type: String(podProfile.type ?? '') } : undefined;
  const containers = visitContainers(spec).map(({ container, path }) => {
    const profile = recordAt(containerSecurityContext(container), 'seccompProfile');
    return { field: [...path, 'securityContext', 'seccompProfile', 'type'], container: containerName(container), type: String(profile?.type ?? ''), unset: !profile };
  });
  return { pod, containers };
}

/** From 1.19 the field: `Unconfined` on the pod or any container is forbidden. */
function seccompBaseline1Dot19(pod: PodView): CheckOutcome {
  const { pod: podSetting, containers } = profiles(pod);
  const bad = [...(podSetting?.type === 'Unconfined' ? [podSetting] : []), ...containers.filter((setting) => !setting.unset && setting.type === 'Unconfined')];
  if (!bad.length) return undefined;
  const setters = bad.map((setting) => (setting.container === undefined ? 'pod' : containersPhrase([setting.container])));
  return {
    reason: 'seccompProfile',
    detail: `${unique(setters).join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined"`,
    violations: bad.map((setting) => ({ field: setting.field, container: setting.container, value: 'Unconfined' })),
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
  const { pod: podSetting, containers } = profiles(pod);
  const violations: PodSecurityViolation[] = [];
  const badSetters: string[] = [];
  const podValid = podSetting !== undefined && VALID_RESTRICTED.has(podSetting.type);
  if (podSetting && !podValid) {
    badSetters.push('pod');
    violations.push({ field: podSetting.field, value: podSetting.type });
  }
  const explicitlyBad: string[] = [];
  const implicitlyBad: string[] = [];
  for (const setting of containers) {
    if (!setting.unset) {
      if (VALID_RESTRICTED.has(setting.type)) continue;
      explicitlyBad.push(setting.container ?? '');
      violations.push({ field: setting.field, container: setting.container, value: setting.type });
    } else if (!podValid) {
      implicitlyBad.push(setting.container ?? '');
      violations.push({ field: setting.field, container: setting.container, value: 'unset' });
    }
  }
  if (!violations.length) return undefined;
  const details: string[] = [];
  if (badSetters.length || explicitlyBad.length) {
    const who = [...badSetters, ...(explicitlyBad.length ? [containersPhrase(explicitlyBad)] : [])].join(' and ');
    details.push(`${who} must not set securityContext.seccompProfile.type to ${joinQuote(unique(violations.filter((v) => v.value !== 'unset').map((v) => v.value ?? '')))}`);
  }
  if (implicitlyBad.length) details.push(`pod or ${containersPhrase(implicitlyBad)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
  return { reason: 'seccompProfile', detail: details.join('; '), violations };
}

export const seccompProfileRestricted: PodSecurityCheck = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  versions: [
    { minimumVersion: 19, evaluate: seccompRestricted1Dot19, overrides: ['seccompProfile_baseline'] },
    { minimumVersion: 25, evaluate: exemptingWindows(seccompRestricted1Dot19), overrides: ['seccompProfile_baseline'] },
  ],
};
