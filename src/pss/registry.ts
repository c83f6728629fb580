import { appArmorProfile } from './checks/app-armor-profile.js';
import { capabilitiesBaseline, capabilitiesRestricted } from './checks/capabilities.js';
import { hostNamespaces } from './checks/host-namespaces.js';
import { hostPathVolumes } from './checks/host-path-volumes.js';
import { hostPorts } from './checks/host-ports.js';
import { hostProbesAndHostLifecycle } from './checks/host-probes.js';
import { privileged } from './checks/privileged.js';
import { procMount, procMountRestricted } from './checks/proc-mount.js';
import { restrictedVolumes } from './checks/restricted-volumes.js';
import { allowPrivilegeEscalation, runAsNonRoot, runAsUser } from './checks/run-as.js';
import { seccompProfileBaseline, seccompProfileRestricted } from './checks/seccomp-profile.js';
import { seLinuxOptionsCheck } from './checks/se-linux-options.js';
import { sysctlsCheck } from './checks/sysctls.js';
import { windowsHostProcess } from './checks/windows-host-process.js';
import { versionAt, type CheckFailure, type Level, type PodSecurityCheck, type PodSecurityViolation, type PodView } from './model.js';
import { effectiveVersion, type PolicyVersion } from './version.js';

/** Every check of the Pod Security Standards, baseline first, in the order of upstream's documentation. */
export const POD_SECURITY_CHECKS: readonly PodSecurityCheck[] = [
  hostProbesAndHostLifecycle,
  hostNamespaces,
  privileged,
  capabilitiesBaseline,
  hostPathVolumes,
  hostPorts,
  appArmorProfile,
  seLinuxOptionsCheck,
  procMount,
  seccompProfileBaseline,
  sysctlsCheck,
  windowsHostProcess,
  restrictedVolumes,
  allowPrivilegeEscalation,
  runAsNonRoot,
  runAsUser,
  seccompProfileRestricted,
  capabilitiesRestricted,
  procMountRestricted,
];

const CHECKS_BY_ID = new Map(POD_SECURITY_CHECKS.map((check) => [check.id, check]));

/** A check by upstream's ID (rules name the level a finding breaks with it, once per finding). */
export function checkById(id: string): PodSecurityCheck | undefined {
  return CHECKS_BY_ID.get(id);
}

/** The checks a level runs at a version: baseline's, plus restricted's, minus the baseline checks restricted ones replace. */
export function checksFor(level: Level, version: PolicyVersion): { check: PodSecurityCheck; evaluate: (pod: PodView) => ReturnType<PodSecurityCheck['versions'][number]['evaluate']> }[] {
  const at = effectiveVersion(version);
  const active = POD_SECURITY_CHECKS.filter((check) => level === 'restricted' || check.level === 'baseline')
    .map((check) => ({ check, entry: versionAt(check, at) }))
    .filter((item): item is { check: PodSecurityCheck; entry: NonNullable<typeof item.entry> } => item.entry !== undefined);
  const overridden = new Set(active.flatMap(({ entry }) => entry.overrides ?? []));
  return active.filter(({ check }) => !overridden.has(check.id)).map(({ check, entry }) => ({ check, evaluate: entry.evaluate }));
}

/**
 * The fields one check on its own (no overrides) finds wrong at a version, without writing its
 * detail: what the rules of a scan read, each rule owning some checks. Empty when the pod passes.
 */
export function checkViolations(check: PodSecurityCheck, pod: PodView, version: PolicyVersion): readonly PodSecurityViolation[] {
  return versionAt(check, effectiveVersion(version))?.evaluate(pod)?.violations ?? NONE;
}

const NONE: readonly PodSecurityViolation[] = [];

/** Evaluates a pod (or a workload's pod template) against a level at a version: the failed checks, none when it is allowed. */
export function evaluatePod(pod: PodView, level: Level, version: PolicyVersion): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const { check, evaluate } of checksFor(level, version)) {
    const outcome = evaluate(pod);
    if (outcome) failures.push({ check: check.id, level: check.level, reason: outcome.reason, detail: outcome.detail(), violations: outcome.violations });
  }
  return failures;
}
