/**
 * Dangling references: bindings whose role does not exist (they grant nothing today, and grant
 * whatever a role of that name will hold tomorrow), and subjects that can never match or point into
 * a namespace the inventory shows does not exist. Reported, never a crash.
 */
import type { RbacEngine } from './engine.js';
import { bindingNamespace } from './engine.js';
import type { BindingDef, Subject } from './model.js';

export interface DanglingReference {
  binding: BindingDef;
  /** `role`: the roleRef; `subject`: one subject entry. */
  kind: 'role' | 'subject';
  problem: string;
  subject?: Subject;
  subjectIndex?: number;
}

const SUBJECT_KINDS = new Set(['User', 'Group', 'ServiceAccount']);

export function findDanglingReferences(engine: RbacEngine): DanglingReference[] {
  const { inventory } = engine;
  const found: DanglingReference[] = engine.unresolvedBindings().map(({ binding, problem }) => ({ binding, kind: 'role', problem }));
  // Only a source that lists Namespace objects (a cluster dump) can tell that one is missing.
  const declared = new Set(inventory.byKind('Namespace').map((namespace) => namespace.metadata.name ?? ''));
  const accounts = new Map<string, Set<string | undefined>>();
  for (const account of inventory.byKind('ServiceAccount')) {
    const names = accounts.get(account.metadata.namespace ?? '') ?? new Set();
    names.add(account.metadata.name);
    accounts.set(account.metadata.namespace ?? '', names);
  }
  for (const binding of engine.bindings) {
    binding.subjects.forEach((subject, subjectIndex) => {
      const problem = subjectProblem(subject, bindingNamespace(binding), declared, accounts);
      if (problem) found.push({ binding, kind: 'subject', problem, subject, subjectIndex });
    });
  }
  return found;
}

/** `accounts`: the names of the inventory's ServiceAccounts, by namespace. */
function subjectProblem(subject: Subject, bindingNamespace: string, declared: Set<string>, accounts: Map<string, Set<string | undefined>>): string | undefined {
  if (!SUBJECT_KINDS.has(subject.kind)) return `subject kind "${subject.kind}" is not User, Group or ServiceAccount: it matches nobody`;
  if (subject.kind !== 'ServiceAccount') return undefined;
  const namespace = subject.namespace || bindingNamespace;
  if (!namespace) return `ServiceAccount "${subject.name}" has no namespace: in a ClusterRoleBinding it matches nobody`;
  if (declared.size === 0) return undefined;
  if (!declared.has(namespace)) return `ServiceAccount ${namespace}/${subject.name} is in namespace ${namespace}, which does not exist: whoever creates it gets these permissions`;
  const names = accounts.get(namespace);
  if (subject.name !== 'default' && names && !names.has(subject.name)) {
    return `ServiceAccount ${namespace}/${subject.name} does not exist: whoever creates it gets these permissions`;
  }
  return undefined;
}
