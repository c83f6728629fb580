import { InputError } from '../core/errors.js';

/**
 * A Pod Security Standards policy version, `v1.N`. Upstream (`k8s.io/pod-security-admission/api`)
 * versions every check by the Kubernetes minor release that introduced its current behaviour; a
 * namespace pinned to `enforce-version: v1.25` is judged by the checks as they stood in 1.25.
 */
export interface PolicyVersion {
  minor: number;
}

/** The newest policy version kubeward knows; `latest` and any newer version evaluate as this one, as upstream does. */
export const LATEST_MINOR = 37;

export const LATEST: PolicyVersion = { minor: LATEST_MINOR };

/** `latest` or `v1.N` (as the `pod-security.kubernetes.io/*-version` labels write it). */
export function parsePolicyVersion(text: string): PolicyVersion {
  if (text === 'latest') return LATEST;
  const match = /^v1\.(0|[1-9][0-9]{0,2})$/.exec(text);
  if (!match) throw new InputError(`unknown Pod Security version "${text}": use latest or v1.N (v1.0 to v1.${LATEST_MINOR}; newer versions are judged as v1.${LATEST_MINOR})`);
  return { minor: Number(match[1]) };
}

/** The version whose checks apply: newer versions than kubeward knows are judged by the latest checks. */
export function effectiveVersion(version: PolicyVersion): PolicyVersion {
  return version.minor > LATEST_MINOR ? LATEST : version;
}

export function formatVersion(version: PolicyVersion): string {
  return `v1.${version.minor}`;
}
