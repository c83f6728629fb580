import { containerName, containerSecurityContext, containersPhrase, joinQuote, podField, podSecurityContext, recordAt, unique, visitContainers, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

export const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** The deprecated annotation may name `runtime/default`, a `localhost/…` profile, or nothing. */
function allowedAnnotationValue(value: string): boolean {
  return value === '' || value === 'runtime/default' || value.startsWith('localhost/');
}

/** The field (1.30+) may be RuntimeDefault or Localhost; `Unconfined`, or a profile without a type, is forbidden. */
function allowedProfileType(profile: Record<string, unknown>): boolean {
  return profile.type === 'RuntimeDefault' || profile.type === 'Localhost';
}

/** Baseline forbids disabling the default AppArmor profile, in the field or the annotation form (all versions). */
export const appArmorProfile: PodSecurityCheck = {
  id: 'appArmorProfile',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate(pod) {
        const { metadata, spec } = pod;
        const violations: PodSecurityViolation[] = [];
        const podProfile = recordAt(podSecurityContext(spec), 'appArmorProfile');
        if (podProfile && !allowedProfileType(podProfile)) violations.push({ field: podField(pod, 'spec', 'securityContext', 'appArmorProfile', 'type'), value: String(podProfile.type ?? '') });
        for (const { container, path } of visitContainers(pod)) {
          const profile = recordAt(containerSecurityContext(container), 'appArmorProfile');
          if (profile && !allowedProfileType(profile)) violations.push({ field: [...path, 'securityContext', 'appArmorProfile', 'type'], container: containerName(container), value: String(profile.type ?? '') });
        }
        const annotations = metadata.annotations;
        for (const key in annotations) {
          if (!Object.hasOwn(annotations, key)) continue;
          const value = annotations[key];
          if (key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAnnotationValue(String(value))) {
            violations.push({ field: podField(pod, 'metadata', 'annotations', key), container: key.slice(APPARMOR_ANNOTATION_PREFIX.length), value: String(value) });
          }
        }
        if (!violations.length) return undefined;
        return {
          reason: 'forbidden AppArmor profile',
          detail: () => {
            const setters = violations.map((violation) => (violation.field[violation.field.length - 3] === 'metadata' ? 'annotation' : violation.container !== undefined ? containersPhrase([violation.container]) : 'pod'));
            return `${unique(setters).join(' and ')} must not set AppArmor profile type to ${joinQuote(unique(violations.map((violation) => violation.value ?? '')))}`;
          },
          violations,
        };
      },
    },
  ],
};
