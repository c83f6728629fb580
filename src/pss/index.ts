/**
 * The Pod Security Standards (baseline, restricted) as `k8s.io/pod-security-admission` evaluates them,
 * per policy version: every check, with its version history and its overrides. Pure: a pod in, the
 * failed checks out, each with the fields that failed it.
 */
export { APPARMOR_ANNOTATION_PREFIX } from './checks/app-armor-profile.js';
export { BASELINE_CAPABILITIES, RESTRICTED_ADDABLE_CAPABILITY } from './checks/capabilities.js';
export { RESTRICTED_VOLUME_TYPES, volumeTypeOf } from './checks/restricted-volumes.js';
export { SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION } from './checks/seccomp-profile.js';
export { SAFE_SYSCTLS } from './checks/sysctls.js';
export { isLevel, LEVELS, type CheckFailure, type Level, type PodSecurityCheck, type PodSecurityViolation, type PodView } from './model.js';
export { checkById, checksFor, checkViolations, evaluatePod, POD_SECURITY_CHECKS } from './registry.js';
export { effectiveVersion, formatVersion, LATEST, LATEST_MINOR, parsePolicyVersion, type PolicyVersion } from './version.js';
export { evaluateObject, podTemplateObjects, podViewOf, POD_SECURITY_KINDS } from './workloads.js';
