/**
 * Which CEL libraries the API server enables, by Kubernetes minor version
 * (staging/src/k8s.io/apiserver/pkg/cel/environment/base.go). ValidatingAdmissionPolicy is GA
 * since 1.30, so that is the oldest version kubeward targets.
 */
import { InputError } from '../../core/errors.js';

export const OLDEST_MINOR = 30;
export const NEWEST_MINOR = 35;
/** The version policies are compiled for when none is named. */
export const DEFAULT_KUBE_VERSION = '1.34';

export type Library = 'strings-v2' | 'sets' | 'ip-cidr' | 'format' | 'authz-selectors' | 'two-var-comprehensions' | 'semver' | 'lists-v3';

/** The minor version each library (beyond those of every supported version) arrived in. */
export const LIBRARY_SINCE: Readonly<Record<Library, number>> = {
  'strings-v2': 29,
  sets: 29,
  'ip-cidr': 30,
  format: 31,
  'authz-selectors': 31,
  'two-var-comprehensions': 32,
  semver: 33,
  'lists-v3': 34,
};

/** `1.34`, `v1.34.2`, `1.34.0-gke.1` → 34; anything older than 1.30 or not a version is an input error. */
export function kubeMinor(version: string): number {
  const match = /^v?1\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  if (!match) throw new InputError(`--kube-version must be a Kubernetes version like 1.34 (got ${JSON.stringify(version)})`);
  const minor = Number(match[1]);
  if (minor < OLDEST_MINOR) throw new InputError(`Kubernetes 1.${minor} has no ValidatingAdmissionPolicy v1 (GA in 1.${OLDEST_MINOR}); target 1.${OLDEST_MINOR} or later`);
  return Math.min(minor, NEWEST_MINOR);
}

export function librariesOf(minor: number): Set<Library> {
  return new Set((Object.keys(LIBRARY_SINCE) as Library[]).filter((library) => LIBRARY_SINCE[library] <= minor));
}
