/**
 * Default ServiceAccount analysis: which workloads run as their namespace's `default` account
 * (the ServiceAccount admission plugin assigns it when `serviceAccountName` is empty), whether the
 * token is mounted (the pod's `automountServiceAccountToken` wins over the account's), and which
 * bindings grant to `default` or to whole groups of accounts or users at once.
 */
import type { KubeObject } from '../core/object.js';
import { hasControllerIn, podTemplateOf, serviceAccountOf, tokenAutomounted, WORKLOAD_KINDS } from '../core/workload.js';
import type { RbacEngine } from './engine.js';
import { bindingNamespace } from './engine.js';
import type { BindingDef, Subject } from './model.js';
import { isBootstrapObject } from './builtin-roles.js';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, SERVICE_ACCOUNTS_GROUP } from './subject.js';

export interface WorkloadAccountUse {
  object: KubeObject;
  namespace: string;
  serviceAccount: string;
  isDefault: boolean;
  tokenMounted: boolean;
  /** Who decided the mount: the pod spec, the ServiceAccount, or the API server's default (mounted). */
  automountFrom: 'pod' | 'serviceaccount' | 'default';
}

export type BroadSubjectKind = 'default-service-account' | 'all-service-accounts' | 'namespace-service-accounts' | 'all-authenticated' | 'unauthenticated';

export interface BroadBinding {
  binding: BindingDef;
  subject: Subject;
  subjectIndex: number;
  kind: BroadSubjectKind;
}

export interface DefaultServiceAccountAnalysis {
  /** Workloads not run by a controller that is itself in the inventory. */
  workloads: WorkloadAccountUse[];
  onDefault: WorkloadAccountUse[];
  broadBindings: BroadBinding[];
}

/** The ServiceAccount of every workload (a controller's pods are counted with the controller), once per engine. */
export function workloadAccountUses(engine: RbacEngine): WorkloadAccountUse[] {
  return engine.cached('workloadAccountUses', () => {
    const { inventory } = engine;
    const workloads: WorkloadAccountUse[] = [];
    for (const object of inventory.byKind(...WORKLOAD_KINDS)) {
      const template = podTemplateOf(object);
      if (!template || hasControllerIn(object, inventory)) continue;
      const namespace = object.metadata.namespace ?? '';
      const serviceAccount = serviceAccountOf(template.spec);
      const account = inventory.get('ServiceAccount', namespace, serviceAccount);
      const automountFrom = typeof template.spec.automountServiceAccountToken === 'boolean' ? 'pod' : typeof account?.automountServiceAccountToken === 'boolean' ? 'serviceaccount' : 'default';
      workloads.push({ object, namespace, serviceAccount, isDefault: serviceAccount === 'default', tokenMounted: tokenAutomounted(template.spec, account), automountFrom });
    }
    return workloads;
  });
}

export function analyzeDefaultServiceAccounts(engine: RbacEngine, options: { includeDefaults?: boolean } = {}): DefaultServiceAccountAnalysis {
  const workloads = workloadAccountUses(engine);
  return { workloads, onDefault: workloads.filter((workload) => workload.isDefault), broadBindings: broadBindings(engine, options) };
}

/** The bindings that grant to a default ServiceAccount or to whole groups of accounts or users at once. */
export function broadBindings(engine: RbacEngine, options: { includeDefaults?: boolean } = {}): BroadBinding[] {
  const found: BroadBinding[] = [];
  for (const binding of engine.bindings) {
    if (!options.includeDefaults && isBootstrapObject(binding.object.metadata.labels)) continue;
    binding.subjects.forEach((subject, subjectIndex) => {
      const kind = broadSubjectKind(subject, bindingNamespace(binding));
      if (kind) found.push({ binding, subject, subjectIndex, kind });
    });
  }
  return found;
}

export function broadSubjectKind(subject: Subject, bindingNamespace: string): BroadSubjectKind | undefined {
  if (subject.kind === 'ServiceAccount' && subject.name === 'default' && (subject.namespace || bindingNamespace)) return 'default-service-account';
  if (subject.kind === 'Group') {
    if (subject.name === SERVICE_ACCOUNTS_GROUP) return 'all-service-accounts';
    if (subject.name.startsWith(`${SERVICE_ACCOUNTS_GROUP}:`)) return 'namespace-service-accounts';
    if (subject.name === ALL_AUTHENTICATED) return 'all-authenticated';
    if (subject.name === ALL_UNAUTHENTICATED) return 'unauthenticated';
  }
  if (subject.kind === 'User' && subject.name === ANONYMOUS) return 'unauthenticated';
  return undefined;
}
