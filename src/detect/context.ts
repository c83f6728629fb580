import { parseServiceAccountUsername, serviceAccountUsername } from '../core/identity.js';
import { isRecord } from '../core/object.js';
import { PodIndex, type PodInfo } from '../core/pods.js';
import { firstAllowingRule, type RbacEngine } from '../rbac/engine.js';
import { serviceAccountIdentity } from '../rbac/subject.js';
import type { AuditEvent } from './audit.js';
import { aggregationSelectorsOf, parseRules } from '../rbac/model.js';
import { aggregationTargets, BUILTIN_AGGREGATED_ROLES, BUILTIN_ROLE_RISKS, clusterRoleWrite, risksOfRules, RoleIndex, type AggregatedClusterRole, type LearnedClusterRole } from './roles.js';
import { BoundedMap } from './state.js';

/**
 * What detection knows beyond the event in hand: what the cluster looked like (`--pods`,
 * `--cluster`: pods, and through the RBAC engine who can read Secrets) and what the audit log taught
 * so far (roles and what they grant, when ServiceAccounts were created, which ones read Secrets or
 * were bound to roles that do). Fields read it (`ka.binding.role.risk`, `ka.user.sa.age`,
 * `dns.pod.sa.reads_secrets`); alerts name the pods running as a ServiceAccount with it. Everything
 * learned is bounded.
 */

/** Who can read Secrets, by the cluster's RBAC (from `--cluster`): the namespaces, `*` for all. */
export interface SecretAccess {
  secretNamespaces(namespace: string, name: string): readonly string[];
  /**
   * The roles the cluster's bindings give a ServiceAccount (RoleIndex keys): should the log show one of
   * them come to read Secrets (a feeder aggregated into `view`, an update of its rules), it does too.
   */
  boundRoles?(namespace: string, name: string): readonly string[];
}

export interface ClusterFacts {
  pods?: PodIndex;
  secrets?: SecretAccess;
  /** The cluster's aggregated ClusterRoles (those with an aggregationRule), from `--cluster`. */
  aggregatedRoles?: readonly AggregatedClusterRole[];
}

/** How detection knows that a ServiceAccount can read Secrets. */
export type SecretReadSource = 'rbac' | 'audit-read' | 'audit-binding';

export interface DetectContext {
  /** What a role grants that matters to an attacker (`cluster-admin`, `wildcard`, `secrets`, `escalate`), if known. */
  roleRisks(kind: string, namespace: string | undefined, name: string): readonly string[] | undefined;
  /** Seconds between the ServiceAccount's creation (as logged) and `time`, if the log showed it. */
  serviceAccountAge(username: string, time: number): number | undefined;
  /** Whether, and how we know, that a ServiceAccount can read Secrets. */
  secretReadSource(namespace: string, name: string): SecretReadSource | undefined;
  /** The pods that run as a ServiceAccount (from --pods or --cluster). */
  podsRunningAs(namespace: string, name: string): readonly PodInfo[];
  /**
   * The aggregated ClusterRoles labels can feed: the cluster's (from --cluster), else Kubernetes' own
   * admin, edit and view; and those the log showed created or changed (a chart can bring its own).
   */
  aggregatedRoles(): readonly AggregatedClusterRole[];
  /** A ClusterRole's labels and rules as the log last showed them. */
  learnedClusterRole(name: string): LearnedClusterRole | undefined;
}

interface PendingBinding {
  /** Its role (RoleIndex key). */
  role: string;
  /** The usernames of the ServiceAccounts it binds. */
  serviceAccounts: readonly string[];
}

const SECRET_VERBS = new Set(['get', 'list', 'watch']);
/** Aggregated ClusterRoles learned from the log at most (a cluster has a handful; a flood is bounded). */
const MAX_LEARNED_AGGREGATORS = 1_000;
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);

function successful(raw: Record<string, unknown>): boolean {
  const status = raw.responseStatus;
  const code = isRecord(status) ? Number(status.code) : NaN;
  return code >= 200 && code < 300;
}

export class LearnedContext implements DetectContext {
  readonly roles: RoleIndex;
  private readonly pods: PodIndex;
  private readonly secrets?: SecretAccess;
  private readonly aggregated: readonly AggregatedClusterRole[];
  /** Aggregated ClusterRoles as the log last showed them, over `aggregated` (null: deleted, or no longer aggregating). */
  private readonly learnedAggregators = new Map<string, AggregatedClusterRole | null>();
  private mergedAggregators: readonly AggregatedClusterRole[] | undefined;
  /** ServiceAccount username → when the log showed its creation. */
  private readonly created: BoundedMap<number>;
  /** ServiceAccount username → how the log showed it reading Secrets. */
  private readonly secretReaders: BoundedMap<SecretReadSource>;
  private readonly rbacAnswers = new Map<string, boolean>();
  private readonly clusterBoundRoles = new Map<string, readonly string[]>();
  /**
   * Bindings the log showed to roles that did not read Secrets then, by binding: the role and the
   * ServiceAccounts bound. When the role comes to read Secrets (its rules updated, a feeder aggregated
   * into it), they become readers; once judged, a binding is dropped from here, so each is judged once.
   */
  private readonly pendingBindings: BoundedMap<PendingBinding>;
  /** The keys of pendingBindings, by role key: may hold bindings since evicted or changed (checked on use). */
  private pendingByRole = new Map<string, Set<string>>();
  private pendingIndexed = 0;
  private readonly maxEntries: number;

  constructor(facts: ClusterFacts = {}, maxEntries = 20_000) {
    this.roles = new RoleIndex(maxEntries);
    this.pods = facts.pods ?? new PodIndex();
    this.secrets = facts.secrets;
    this.aggregated = facts.aggregatedRoles ?? BUILTIN_AGGREGATED_ROLES;
    this.created = new BoundedMap(maxEntries);
    this.secretReaders = new BoundedMap(maxEntries);
    this.pendingBindings = new BoundedMap(maxEntries);
    this.maxEntries = maxEntries;
  }

  /** Learns from one audit event (its first outcome stage). Cheap for the events that teach nothing. */
  learn(event: AuditEvent): void {
    const raw = event.raw;
    const ref = raw.objectRef;
    if (!isRecord(ref)) return;
    const resource = ref.resource;
    if (resource === 'roles') {
      this.roles.learn(event);
      const name = objectName(raw, ref);
      if (typeof ref.namespace === 'string' && name !== undefined) this.judgePendingBindings('Role', ref.namespace, name);
    } else if (resource === 'clusterroles') this.learnClusterRole(event);
    else if (resource === 'secrets') this.learnSecretRead(raw, ref);
    else if (resource === 'serviceaccounts') this.learnServiceAccount(event, ref);
    else if (typeof resource === 'string' && BINDING_RESOURCES.has(resource)) this.learnBinding(raw, ref);
  }

  /**
   * A ClusterRole written or deleted: what it grants (RoleIndex); whether it is itself an aggregated
   * role (an aggregationRule), so that the roles its selectors pick are judged as feeding it; and,
   * when its labels feed aggregated roles, what those roles now grant (a binding to them made later
   * hands it out).
   */
  private learnClusterRole(event: AuditEvent): void {
    const raw = event.raw;
    const ref = raw.objectRef as Record<string, unknown>;
    const applies = ref.subresource === undefined && successful(raw);
    // read before the role index learns the event: a patch applies to the role as it was
    const write = applies ? clusterRoleWrite(raw, (name) => this.roles.clusterRole(name)) : undefined;
    this.roles.learn(event);
    if (!applies) return;
    const name = objectName(raw, ref);
    if (name !== undefined) this.judgePendingBindings('ClusterRole', undefined, name);
    if (raw.verb === 'delete') {
      if (typeof ref.name === 'string' && this.isAggregator(ref.name)) this.setAggregator(ref.name, null);
      return;
    }
    if (!write) return;
    const stored = isRecord(raw.responseObject) && raw.responseObject.kind === 'ClusterRole' ? raw.responseObject : undefined;
    const body = stored ?? (isRecord(raw.requestObject) ? raw.requestObject : undefined);
    // a patch's body holds only what it changes: an aggregationRule it does not name stays as it was
    if (body && (raw.verb !== 'patch' || stored || 'aggregationRule' in body)) {
      const rule = body.aggregationRule;
      if (isRecord(rule)) {
        const own = parseRules(body.rules);
        const before = this.aggregatedRoles().find((role) => role.name === write.name);
        this.setAggregator(write.name, { name: write.name, selectors: aggregationSelectorsOf(rule), rules: own.length > 0 || !before ? own : before.rules });
      } else if (this.isAggregator(write.name)) this.setAggregator(write.name, null);
    }
    const feeds = aggregationTargets(write.labels, this.aggregatedRoles()).filter((target) => target.name !== write.name);
    if (feeds.length === 0) return;
    const added = risksOfRules(write.rules);
    for (const target of feeds) {
      const had = this.knownRisks('ClusterRole', undefined, target.name) ?? risksOfRules(target.rules);
      this.roles.setRisks('ClusterRole', undefined, target.name, [...new Set([...had, ...added])].sort());
      this.judgePendingBindings('ClusterRole', undefined, target.name);
    }
  }

  private isAggregator(name: string): boolean {
    return this.aggregatedRoles().some((role) => role.name === name);
  }

  private setAggregator(name: string, role: AggregatedClusterRole | null): void {
    this.learnedAggregators.delete(name); // re-inserted last: the oldest is the first dropped
    if (this.learnedAggregators.size >= MAX_LEARNED_AGGREGATORS) this.learnedAggregators.delete(this.learnedAggregators.keys().next().value as string);
    this.learnedAggregators.set(name, role);
    this.mergedAggregators = undefined;
  }

  private learnSecretRead(raw: Record<string, unknown>, ref: Record<string, unknown>): void {
    if (ref.subresource !== undefined || !SECRET_VERBS.has(String(raw.verb)) || !successful(raw)) return;
    const user = raw.user;
    const username = isRecord(user) ? user.username : undefined;
    if (typeof username === 'string' && parseServiceAccountUsername(username)) this.secretReaders.set(username, 'audit-read');
  }

  private learnServiceAccount(event: AuditEvent, ref: Record<string, unknown>): void {
    const raw = event.raw;
    if (ref.subresource !== undefined || raw.verb !== 'create' || !successful(raw) || typeof ref.namespace !== 'string') return;
    const name = objectName(raw, ref);
    if (name) this.created.set(serviceAccountUsername(ref.namespace, name), event.time);
  }

  /**
   * A binding created or changed to a role that reads Secrets makes its ServiceAccount subjects
   * readers; to a role that does not (yet), it is kept pending (judgePendingBindings). A deleted
   * binding is no longer pending.
   */
  private learnBinding(raw: Record<string, unknown>, ref: Record<string, unknown>): void {
    if (ref.subresource !== undefined || !successful(raw)) return;
    const namespace = typeof ref.namespace === 'string' ? ref.namespace : undefined;
    if (raw.verb === 'delete') {
      if (typeof ref.name === 'string') this.pendingBindings.delete(bindingKey(ref.resource, namespace, ref.name));
      return;
    }
    if (!['create', 'update', 'patch'].includes(String(raw.verb))) return;
    const body = isRecord(raw.responseObject) && isRecord(raw.responseObject.roleRef) ? raw.responseObject : raw.requestObject;
    if (!isRecord(body) || !isRecord(body.roleRef) || !Array.isArray(body.subjects)) return;
    const roleRef = body.roleRef;
    if (typeof roleRef.name !== 'string') return;
    const kind = typeof roleRef.kind === 'string' ? roleRef.kind : 'ClusterRole';
    const serviceAccounts: string[] = [];
    for (const subject of body.subjects) {
      if (!isRecord(subject) || subject.kind !== 'ServiceAccount' || typeof subject.name !== 'string') continue;
      const subjectNamespace = typeof subject.namespace === 'string' ? subject.namespace : namespace;
      if (subjectNamespace) serviceAccounts.push(serviceAccountUsername(subjectNamespace, subject.name));
    }
    const name = objectName(raw, ref);
    const key = name === undefined ? undefined : bindingKey(ref.resource, namespace, name);
    const reads = this.readsSecrets(kind, namespace, roleRef.name);
    if (reads) for (const username of serviceAccounts) this.secretReaders.set(username, 'audit-binding');
    if (key === undefined) return;
    if (!reads && serviceAccounts.length > 0) this.addPendingBinding(key, { role: RoleIndex.key(kind, namespace, roleRef.name), serviceAccounts });
    else this.pendingBindings.delete(key);
  }

  /** What a role grants, as the log taught or, for Kubernetes' own ClusterRoles, as they ship. */
  private knownRisks(kind: string, namespace: string | undefined, name: string): readonly string[] | undefined {
    return this.roleRisks(kind, namespace, name) ?? (kind === 'ClusterRole' ? BUILTIN_ROLE_RISKS.get(name) : undefined);
  }

  private readsSecrets(kind: string, namespace: string | undefined, name: string): boolean {
    return this.knownRisks(kind, namespace, name)?.includes('secrets') ?? false;
  }

  private addPendingBinding(key: string, binding: PendingBinding): void {
    this.pendingBindings.set(key, binding);
    let keys = this.pendingByRole.get(binding.role);
    if (!keys) this.pendingByRole.set(binding.role, (keys = new Set()));
    keys.add(key);
    // The index may keep keys the bounded map has since dropped: it is rebuilt from the live entries
    // once it has grown past twice the cap, so it stays bounded at O(1) amortised per binding.
    if (++this.pendingIndexed > 2 * this.maxEntries) {
      this.pendingByRole = new Map();
      this.pendingIndexed = 0;
      for (const [liveKey, live] of this.pendingBindings.entries()) {
        let liveKeys = this.pendingByRole.get(live.role);
        if (!liveKeys) this.pendingByRole.set(live.role, (liveKeys = new Set()));
        liveKeys.add(liveKey);
        this.pendingIndexed++;
      }
    }
  }

  /** A role that now reads Secrets makes the ServiceAccounts of the bindings pending on it readers. */
  private judgePendingBindings(kind: string, namespace: string | undefined, name: string): void {
    const roleKey = RoleIndex.key(kind, namespace, name);
    const keys = this.pendingByRole.get(roleKey);
    if (!keys || !this.readsSecrets(kind, namespace, name)) return;
    this.pendingByRole.delete(roleKey);
    this.pendingIndexed -= keys.size;
    for (const key of keys) {
      const binding = this.pendingBindings.peek(key);
      if (binding?.role !== roleKey) continue;
      for (const username of binding.serviceAccounts) this.secretReaders.set(username, 'audit-binding');
      this.pendingBindings.delete(key);
    }
  }

  roleRisks(kind: string, namespace: string | undefined, name: string): readonly string[] | undefined {
    return this.roles.roleRisks(kind, namespace, name);
  }

  serviceAccountAge(username: string, time: number): number | undefined {
    const created = this.created.peek(username);
    return created === undefined || created > time ? undefined : (time - created) / 1000;
  }

  secretReadSource(namespace: string, name: string): SecretReadSource | undefined {
    const username = serviceAccountUsername(namespace, name);
    const learned = this.secretReaders.peek(username);
    if (learned) return learned;
    if (!this.secrets) return undefined;
    let answer = this.rbacAnswers.get(username);
    if (answer === undefined) {
      answer = this.secrets.secretNamespaces(namespace, name).length > 0;
      if (this.rbacAnswers.size < 100_000) this.rbacAnswers.set(username, answer);
    }
    if (answer) return 'rbac';
    // the cluster's bindings to a role the log has shown coming to read Secrets
    let roles = this.clusterBoundRoles.get(username);
    if (!roles) {
      roles = this.secrets.boundRoles?.(namespace, name) ?? [];
      if (this.clusterBoundRoles.size < 100_000) this.clusterBoundRoles.set(username, roles);
    }
    return roles.some((roleKey) => this.roles.risksByKey(roleKey)?.includes('secrets')) ? 'audit-binding' : undefined;
  }

  podsRunningAs(namespace: string, name: string): readonly PodInfo[] {
    return this.pods.runningAs(namespace, name);
  }

  aggregatedRoles(): readonly AggregatedClusterRole[] {
    if (!this.mergedAggregators) {
      const merged = this.aggregated.filter((role) => !this.learnedAggregators.has(role.name));
      for (const role of this.learnedAggregators.values()) if (role) merged.push(role);
      this.mergedAggregators = merged;
    }
    return this.mergedAggregators;
  }

  learnedClusterRole(name: string): LearnedClusterRole | undefined {
    return this.roles.clusterRole(name);
  }
}

/** The name of the object an event is about: its objectRef's, else (a create) the stored or sent object's. */
function objectName(raw: Record<string, unknown>, ref: Record<string, unknown>): string | undefined {
  if (typeof ref.name === 'string') return ref.name;
  const body = isRecord(raw.responseObject) ? raw.responseObject : raw.requestObject;
  return isRecord(body) && isRecord(body.metadata) && typeof body.metadata.name === 'string' ? body.metadata.name : undefined;
}

/** A binding's key among those the log showed (its resource, namespace and name). */
function bindingKey(resource: unknown, namespace: string | undefined, name: string): string {
  return `${String(resource)}/${namespace ?? ''}/${name}`;
}

/** The aggregated ClusterRoles of the cluster the RBAC engine holds (built-in ones included when it assumed them). */
export function aggregatedRolesOf(engine: RbacEngine): AggregatedClusterRole[] {
  return engine.roles
    .allRoles()
    .filter((role) => role.kind === 'ClusterRole' && role.aggregationSelectors !== undefined)
    .map((role) => ({ name: role.name, selectors: role.aggregationSelectors ?? [], rules: role.rules }));
}

/**
 * Who can read Secrets by the cluster's RBAC, asked of the RBAC engine: the namespaces where a
 * ServiceAccount may get, list or watch Secrets (`*`: all of them, by a ClusterRoleBinding), its
 * groups' bindings included. Rules limited to resourceNames count too: they still hand out a Secret.
 */
export function secretAccessOf(engine: RbacEngine): SecretAccess {
  return {
    secretNamespaces(namespace, name) {
      const identity = serviceAccountIdentity(namespace, name);
      const found = new Set<string>();
      for (const grant of engine.grantsFor(identity)) {
        const scope = grant.namespace === '' ? '*' : grant.namespace;
        if (found.has(scope)) continue;
        const rules = grant.role.rules.map((rule) => ({ ...rule, resourceNames: [] }));
        const role = { ...grant.role, rules };
        if ([...SECRET_VERBS].some((verb) => firstAllowingRule(role, { verb, apiGroup: '', resource: 'secrets', namespace: grant.namespace, name: '' }))) found.add(scope);
      }
      return [...found].sort();
    },
    boundRoles(namespace, name) {
      return engine.grantsFor(serviceAccountIdentity(namespace, name)).map((grant) => RoleIndex.key(grant.role.kind, grant.role.namespace, grant.role.name));
    },
  };
}
