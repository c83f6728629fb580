import { containerName, containerSecurityContext, containersPhrase, exemptingWindows, joinQuote, recordAt, unique, visitContainers, type CheckOutcome, type PodSecurityCheck, type PodSecurityViolation, type PodView } from '../model.js';
import type { Container } from '../../core/workload.js';

/** The capabilities baseline lets a container add: Docker's historical defaults, compared as written (no `CAP_` prefix, case-sensitive). */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** The one capability restricted lets a container add. */
export const RESTRICTED_ADDABLE_CAPABILITY = 'NET_BIND_SERVICE';

/** Every added capability a predicate rejects, as violations (non-string entries are not capabilities); undefined when there is none. */
function addedCapabilities(pod: PodView, forbidden: (capability: string) => boolean): PodSecurityViolation[] | undefined {
  let violations: PodSecurityViolation[] | undefined;
  for (const { container, path } of visitContainers(pod)) {
    const added = recordAt(containerSecurityContext(container), 'capabilities')?.add;
    if (!Array.isArray(added)) continue;
    for (let index = 0; index < added.length; index++) {
      const capability: unknown = added[index];
      if (typeof capability === 'string' && forbidden(capability)) (violations ??= []).push({ field: [...path, 'securityContext', 'capabilities', 'add', index], container: containerName(container), value: capability });
    }
  }
  return violations;
}

function dropsAll(container: Container): boolean {
  const dropped = recordAt(containerSecurityContext(container), 'capabilities')?.drop;
  return Array.isArray(dropped) && dropped.includes('ALL');
}

const notBaseline = (capability: string) => !BASELINE_CAPABILITIES.has(capability);
const notRestrictedAddable = (capability: string) => capability !== RESTRICTED_ADDABLE_CAPABILITY;

/** Adding capabilities beyond the baseline set (the runtime's defaults) is forbidden. */
export const capabilitiesBaseline: PodSecurityCheck = {
  id: 'capabilities_baseline',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate(pod) {
        const violations = addedCapabilities(pod, notBaseline);
        if (!violations) return undefined;
        return {
          reason: 'non-default capabilities',
          detail: () => `${containersPhrase(violations.map((violation) => violation.container ?? ''))} must not include ${joinQuote(unique(violations.map((violation) => violation.value ?? '')))} in securityContext.capabilities.add`,
          violations,
        };
      },
    },
  ],
};

function capabilitiesRestricted1Dot22(pod: PodView): CheckOutcome {
  const missingDropAll: PodSecurityViolation[] = [];
  for (const { container, path } of visitContainers(pod)) {
    if (!dropsAll(container)) missingDropAll.push({ field: [...path, 'securityContext', 'capabilities', 'drop'], container: containerName(container), value: 'ALL not dropped' });
  }
  const adding = addedCapabilities(pod, notRestrictedAddable) ?? [];
  if (!missingDropAll.length && !adding.length) return undefined;
  return {
    reason: 'unrestricted capabilities',
    detail: () => {
      const details: string[] = [];
      if (missingDropAll.length) details.push(`${containersPhrase(missingDropAll.map((violation) => violation.container ?? ''))} must set securityContext.capabilities.drop=["ALL"]`);
      if (adding.length) details.push(`${containersPhrase(adding.map((violation) => violation.container ?? ''))} must not include ${joinQuote(unique(adding.map((violation) => violation.value ?? '')))} in securityContext.capabilities.add`);
      return details.join('; ');
    },
    violations: adding.length ? [...missingDropAll, ...adding] : missingDropAll,
  };
}

/** Restricted: every container drops ALL and adds nothing but NET_BIND_SERVICE (from 1.22; Windows pods exempt from 1.25). */
export const capabilitiesRestricted: PodSecurityCheck = {
  id: 'capabilities_restricted',
  level: 'restricted',
  versions: [
    { minimumVersion: 22, evaluate: capabilitiesRestricted1Dot22, overrides: ['capabilities_baseline'] },
    { minimumVersion: 25, evaluate: exemptingWindows(capabilitiesRestricted1Dot22), overrides: ['capabilities_baseline'] },
  ],
};

