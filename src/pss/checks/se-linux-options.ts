import type { Container } from '../../core/workload.js';
import { containerName, containerSecurityContext, joinQuote, podField, podSecurityContext, recordAt, visitContainers, type CheckOutcome, type PodSecurityCheck, type PodSecurityViolation, type PodView } from '../model.js';
import type { PathSegment } from '../../core/provenance.js';

const TYPES_1_0: ReadonlySet<string> = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const TYPES_1_31: ReadonlySet<string> = new Set([...TYPES_1_0, 'container_engine_t']);

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The forbidden settings of one securityContext's seLinuxOptions (`path` leads to the securityContext). */
function inspect(allowedTypes: ReadonlySet<string>, options: Record<string, unknown>, path: readonly PathSegment[], container: Container | undefined, violations: PodSecurityViolation[]): void {
  const name = container ? containerName(container) : undefined;
  if (!allowedTypes.has(text(options.type))) violations.push({ field: [...path, 'seLinuxOptions', 'type'], container: name, value: text(options.type) });
  if (text(options.user)) violations.push({ field: [...path, 'seLinuxOptions', 'user'], container: name, value: text(options.user) });
  if (text(options.role)) violations.push({ field: [...path, 'seLinuxOptions', 'role'], container: name, value: text(options.role) });
}

/** Baseline: SELinux type among the container types; no custom user or role (pod and every container). */
function seLinuxOptions(allowedTypes: ReadonlySet<string>) {
  return (pod: PodView): CheckOutcome => {
    const { spec } = pod;
    const violations: PodSecurityViolation[] = [];
    const podOptions = recordAt(podSecurityContext(spec), 'seLinuxOptions');
    if (podOptions) inspect(allowedTypes, podOptions, podField(pod, 'spec', 'securityContext'), undefined, violations);
    for (const { container, path } of visitContainers(pod)) {
      // Most containers set no seLinuxOptions: no path is made for them.
      const options = recordAt(containerSecurityContext(container), 'seLinuxOptions');
      if (options) inspect(allowedTypes, options, [...path, 'securityContext'], container, violations);
    }
    if (!violations.length) return undefined;
    return {
      reason: 'seLinuxOptions',
      detail: () =>
        violations
          .map((violation) => `${violation.container === undefined ? 'pod' : `container ${JSON.stringify(violation.container)}`} set forbidden securityContext.seLinuxOptions: ${String(violation.field[violation.field.length - 1])} ${joinQuote([violation.value ?? ''])}`)
          .filter((line, index, lines) => lines.indexOf(line) === index)
          .join('; '),
      violations,
    };
  };
}

export const seLinuxOptionsCheck: PodSecurityCheck = {
  id: 'seLinuxOptions',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, evaluate: seLinuxOptions(TYPES_1_0) },
    { minimumVersion: 31, evaluate: seLinuxOptions(TYPES_1_31) },
  ],
};

