import { containerName, containerSecurityContext, containersPhrase, exemptingWindows, joinQuote, recordAt, unique, visitContainers, type CheckOutcome, type PodSecurityCheck, type PodSecurityViolation, type PodView } from '../model.js';
import type { PodSpec } from '../../core/workload.js';

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

function strings(value: unknown): { text: string; index: number }[] {
  return Array.isArray(value) ? value.flatMap((item, index) => (typeof item === 'string' ? [{ text: item, index }] : [])) : [];
}

/** Every added capability a predicate rejects, as violations. */
function addedCapabilities(spec: PodSpec, forbidden: (capability: string) => boolean): PodSecurityViolation[] {
  const violations: PodSecurityViolation[] = [];
  for (const { container, path } of visitContainers(spec)) {
    const capabilities = recordAt(containerSecurityContext(container), 'capabilities');
    for (const { text, index } of strings(capabilities?.add)) {
      if (forbidden(text)) violations.push({ field: [...path, 'securityContext', 'capabilities', 'add', index], container: containerName(container), value: text });
    }
  }
  return violations;
}

/** Adding capabilities beyond the baseline set (the runtime's defaults) is forbidden. */
export const capabilitiesBaseline: PodSecurityCheck = {
  id: 'capabilities_baseline',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate({ spec }) {
        const violations = addedCapabilities(spec, (capability) => !BASELINE_CAPABILITIES.has(capability));
        if (!violations.length) return undefined;
        const values = unique(violations.map((violation) => violation.value ?? ''));
        return {
          reason: 'non-default capabilities',
          detail: `${containersPhrase(violations.map((violation) => violation.container ?? ''))} must not include ${joinQuote(values)} in securityContext.capabilities.add`,
          violations,
        };
      },
    },
  ],
};

function capabilitiesRestricted1Dot22({ spec }: PodView): CheckOutcome {
  const violations: PodSecurityViolation[] = [];
  const missingDropAll: string[] = [];
  for (const { container, path } of visitContainers(spec)) {
    const capabilities = recordAt(containerSecurityContext(container), 'capabilities');
    if (!strings(capabilities?.drop).some(({ text }) => text === 'ALL')) {
      missingDropAll.push(containerName(container));
      violations.push({ field: [...path, 'securityContext', 'capabilities', 'drop'], container: containerName(container), value: 'ALL not dropped' });
    }
  }
  const adding = addedCapabilities(spec, (capability) => capability !== RESTRICTED_ADDABLE_CAPABILITY);
  violations.push(...adding);
  if (!violations.length) return undefined;
  const details: string[] = [];
  if (missingDropAll.length) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length) {
    const values = unique(adding.map((violation) => violation.value ?? ''));
    details.push(`${containersPhrase(adding.map((violation) => violation.container ?? ''))} must not include ${joinQuote(values)} in securityContext.capabilities.add`);
  }
  return { reason: 'unrestricted capabilities', detail: details.join('; '), violations };
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

