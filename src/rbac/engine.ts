/**
 * The RBAC engine: built once from an inventory, then asked. It reproduces `RBACAuthorizer.Authorize`
 * over `DefaultRuleResolver.VisitRulesFor`: every ClusterRoleBinding, plus the RoleBindings of the
 * request's namespace only (a RoleBinding to a ClusterRole grants that role in the binding's
 * namespace and nowhere else), `system:masters` allowed before RBAC. Bindings are indexed by the
 * subject they name, so a query looks at the bindings of one identity, never at all of them.
 */
import type { Inventory } from '../core/inventory.js';
import { ruleAllows, type RequestAttributes } from './authorizer.js';
import { parseServiceAccountUsername, serviceAccountUsername } from '../core/identity.js';
import { isRbacObject, parseBinding, type BindingDef, type PolicyRule, type RoleDef, type Subject } from './model.js';
import { RoleStore, type BuiltinRolesMode, type RoleResolution } from './roles.js';
import { ALL_AUTHENTICATED, boundSubject, SERVICE_ACCOUNTS_GROUP, SubjectMap, SYSTEM_MASTERS, type Identity, type SubjectRef } from './subject.js';

export interface EngineOptions {
  builtinRoles?: BuiltinRolesMode;
}

/** A binding that applies to someone, with its resolved role and the namespace it grants in (`''`: cluster-wide). */
export interface Grant {
  binding: BindingDef;
  role: RoleDef;
  namespace: string;
}

/** Why a request is allowed: the binding, its role, and the first rule of the role that allows it. */
export interface Reason {
  binding: BindingDef;
  role: RoleDef;
  rule: PolicyRule;
}

export interface Decision {
  allowed: boolean;
  /** Allowed by membership of `system:masters`, before any RBAC rule (and whatever RBAC says). */
  privileged: boolean;
  /** Every binding that allows the request, in the order the API server visits them. */
  reasons: Reason[];
}

export interface EffectivePermissions {
  privileged: boolean;
  cluster: Grant[];
  byNamespace: Map<string, Grant[]>;
}

export interface WhoCanSubject {
  subject: SubjectRef;
  /** `system:masters`: always allowed. */
  privileged: boolean;
  via: { binding: BindingDef; role: RoleDef }[];
}

export class RbacEngine {
  readonly inventory: Inventory;
  readonly roles: RoleStore;
  /** ClusterRoleBindings first, then RoleBindings, each in inventory order (duplicates dropped). */
  readonly bindings: readonly BindingDef[];
  readonly warnings: string[];
  /** Each binding's role resolution, by the binding's ordinal. */
  private readonly resolutions: RoleResolution[] = [];
  /** The grant of each binding whose role resolves, by the binding's ordinal: one object, shared by every answer. */
  private readonly grantByOrdinal: Grant[] = [];
  private readonly clusterBySubject = new BindingsBySubject();
  /** RoleBindings by namespace, then by subject. */
  private readonly namespacedBySubject = new Map<string, BindingsBySubject>();
  /** RoleBindings of every namespace, by subject (for effective permissions across namespaces). */
  private readonly roleBindingsBySubject = new BindingsBySubject();
  /** grantsOfServiceAccount's answers, by namespace and name. */
  private readonly accountGrants = new Map<string, Map<string, readonly Grant[]>>();
  private readonly roleBindingsByNamespace = new Map<string, BindingDef[]>();
  private readonly clusterRoleBindings: BindingDef[] = [];
  private readonly memo = new Map<string, unknown>();

  constructor(inventory: Inventory, options: EngineOptions = {}) {
    this.inventory = inventory;
    this.roles = new RoleStore(inventory, options.builtinRoles ?? 'auto');
    this.warnings = [...this.roles.warnings];
    const bindings: BindingDef[] = [];
    for (const kind of ['ClusterRoleBinding', 'RoleBinding'] as const) {
      // Names seen, by namespace: keyed by the manifests' own strings, no key built per binding.
      const seen = new Map<string, Set<string>>();
      for (const object of inventory.byKind(kind)) {
        if (!isRbacObject(object, kind)) continue;
        const namespace = object.metadata.namespace ?? '';
        const name = object.metadata.name ?? '';
        const names = seen.get(namespace) ?? new Set<string>();
        if (names.has(name)) continue;
        names.add(name);
        seen.set(namespace, names);
        bindings.push(parseBinding(object, bindings.length));
      }
    }
    this.bindings = bindings;
    for (const binding of bindings) this.index(binding);
  }

  private index(binding: BindingDef): void {
    const resolution = this.roles.resolve(binding);
    this.resolutions[binding.ordinal] = resolution;
    const namespace = bindingNamespace(binding);
    if (binding.kind === 'ClusterRoleBinding') this.clusterRoleBindings.push(binding);
    else appendTo(this.roleBindingsByNamespace, namespace, binding);
    if (!resolution.role) return;
    this.grantByOrdinal[binding.ordinal] = { binding, role: resolution.role, namespace };
    let inNamespace = this.namespacedBySubject.get(namespace);
    if (!inNamespace && binding.kind === 'RoleBinding') {
      inNamespace = new BindingsBySubject();
      this.namespacedBySubject.set(namespace, inNamespace);
    }
    // A binding naming a subject twice is listed twice under it: queries drop the repeats (grantsOf).
    for (const subject of binding.subjects) {
      if (binding.kind === 'ClusterRoleBinding') this.clusterBySubject.add(subject, namespace, binding);
      else {
        (inNamespace as BindingsBySubject).add(subject, namespace, binding);
        this.roleBindingsBySubject.add(subject, namespace, binding);
      }
    }
  }

  /** The role a binding grants, or why it grants nothing. */
  resolution(binding: BindingDef): RoleResolution {
    return this.bindings[binding.ordinal] === binding ? this.resolutions[binding.ordinal] : { problem: 'is not in this engine' };
  }

  /** `kubectl auth can-i` for an identity: allowed, and by which bindings. */
  can(identity: Identity, attributes: RequestAttributes): Decision {
    const privileged = identity.groups.includes(SYSTEM_MASTERS);
    const reasons: Reason[] = [];
    for (const binding of this.applicableBindings(identity, attributes.namespace ?? '')) {
      const role = this.resolution(binding).role;
      if (!role) continue;
      const rule = firstAllowingRule(role, attributes);
      if (rule) reasons.push({ binding, role, rule });
    }
    return { allowed: privileged || reasons.length > 0, privileged, reasons };
  }

  /** VisitRulesFor's bindings: all ClusterRoleBindings naming the identity; RoleBindings only of `namespace`. */
  private applicableBindings(identity: Identity, namespace: string): BindingDef[] {
    const lists: (readonly BindingDef[])[] = [];
    this.clusterBySubject.listsFor(identity, lists);
    const inNamespace = namespace ? this.namespacedBySubject.get(namespace) : undefined;
    if (inNamespace) inNamespace.listsFor(identity, lists);
    return inOrdinalOrder(lists);
  }

  /**
   * Every grant the identity holds: ClusterRoleBindings (namespace `''`) and RoleBindings of every
   * namespace (each only for its namespace). The raw material of effective permissions and risks.
   */
  grantsFor(identity: Identity): Grant[] {
    const lists: (readonly BindingDef[])[] = [];
    this.clusterBySubject.listsFor(identity, lists);
    this.roleBindingsBySubject.listsFor(identity, lists);
    return this.toGrants(lists);
  }

  /**
   * grantsFor the token of a ServiceAccount (serviceAccountIdentity: its username, its two groups,
   * `system:authenticated`), worked out once per account: the escalation graph, token reach and the
   * rules all ask it. Shared: never modified by callers.
   */
  grantsOfServiceAccount(namespace: string, name: string): readonly Grant[] {
    let byName = this.accountGrants.get(namespace);
    if (!byName) this.accountGrants.set(namespace, (byName = new Map()));
    let grants = byName.get(name);
    if (!grants) {
      const lists = this.listsOfServiceAccount(namespace, name);
      grants = lists.length ? this.toGrants(lists) : NO_GRANTS;
      byName.set(name, grants);
    }
    return grants;
  }

  /**
   * Whether some grant of the ServiceAccount's token (grantsOfServiceAccount) passes the test: the
   * bindings are asked where they are filed, without gathering (or keeping) the account's grants.
   */
  someGrantOfServiceAccount(namespace: string, name: string, test: (grant: Grant) => boolean): boolean {
    const known = this.accountGrants.get(namespace)?.get(name);
    if (known) return known.some(test);
    const passes = (binding: BindingDef) => test(this.grantByOrdinal[binding.ordinal]);
    return this.clusterBySubject.someOfServiceAccount(namespace, name, passes) || this.roleBindingsBySubject.someOfServiceAccount(namespace, name, passes);
  }

  /** The lists of bindings that name the account's username or one of its groups. */
  private listsOfServiceAccount(namespace: string, name: string): (readonly BindingDef[])[] {
    const lists: (readonly BindingDef[])[] = [];
    for (const index of [this.clusterBySubject, this.roleBindingsBySubject]) {
      index.listsOfAccount(namespace, name, lists);
      index.listsOfGroup(SERVICE_ACCOUNTS_GROUP, lists);
      index.listsOfGroup(`${SERVICE_ACCOUNTS_GROUP}:${namespace}`, lists);
      index.listsOfGroup(ALL_AUTHENTICATED, lists);
    }
    return lists;
  }

  /**
   * What an identity may do: `system:masters` membership, its cluster-wide grants and, per
   * namespace, the grants that apply only there (a request there also gets the cluster-wide ones).
   */
  effectivePermissions(identity: Identity): EffectivePermissions {
    const cluster: Grant[] = [];
    const byNamespace = new Map<string, Grant[]>();
    for (const grant of this.grantsFor(identity)) {
      if (grant.namespace === '') cluster.push(grant);
      else appendTo(byNamespace, grant.namespace, grant);
    }
    return { privileged: identity.groups.includes(SYSTEM_MASTERS), cluster, byNamespace };
  }

  /** RulesFor (SelfSubjectRulesReview): the rules that apply to a request in `namespace` (`''`: cluster-wide only). */
  rulesFor(identity: Identity, namespace: string): PolicyRule[] {
    return this.applicableBindings(identity, namespace).flatMap((binding) => this.resolution(binding).role?.rules ?? []);
  }

  /** Grants from bindings that name this subject itself (not through a group it belongs to). */
  directGrantsOf(subject: SubjectRef): Grant[] {
    const lists: (readonly BindingDef[])[] = [];
    this.clusterBySubject.listsOfSubject(subject, lists);
    this.roleBindingsBySubject.listsOfSubject(subject, lists);
    return this.toGrants(lists);
  }

  /** Bindings are indexed by subject only when their role resolves, so each has its grant. */
  private toGrants(lists: readonly (readonly BindingDef[])[]): Grant[] {
    return inOrdinalOrder(lists).map((binding) => this.grantByOrdinal[binding.ordinal]);
  }

  /**
   * Who can do this (SubjectAccessEvaluator.AllowedSubjects): `Group system:masters` first, then the
   * subjects of ClusterRoleBindings whose role allows it, then those of the RoleBindings in the
   * request's namespace. A namespace of `''` or `*` means every namespace at once: ClusterRoleBindings only.
   */
  whoCan(attributes: RequestAttributes): WhoCanSubject[] {
    const namespace = attributes.namespace === '*' ? '' : (attributes.namespace ?? '');
    const result = new Map<string, WhoCanSubject>();
    const masters: SubjectRef = { kind: 'Group', name: SYSTEM_MASTERS };
    result.set(displayKey(masters), { subject: masters, privileged: true, via: [] });
    const allows = new Map<RoleDef, boolean>();
    const candidates = namespace ? [...this.clusterRoleBindings, ...(this.roleBindingsByNamespace.get(namespace) ?? [])] : this.clusterRoleBindings;
    for (const binding of candidates) {
      const role = this.resolution(binding).role;
      if (!role) continue;
      let allowed = allows.get(role);
      if (allowed === undefined) {
        allowed = firstAllowingRule(role, attributes) !== undefined;
        allows.set(role, allowed);
      }
      if (!allowed) continue;
      for (const subject of binding.subjects) {
        const bound = boundSubject(subject, bindingNamespace(binding));
        if (!bound) continue;
        const key = displayKey(bound);
        let entry = result.get(key);
        if (!entry) {
          entry = { subject: bound, privileged: false, via: [] };
          result.set(key, entry);
        }
        if (!entry.via.some((via) => via.binding === binding)) entry.via.push({ binding, role });
      }
    }
    return [...result.values()];
  }

  /** Every subject some binding names (ServiceAccounts with their namespace resolved), in binding order. */
  boundSubjects(): SubjectRef[] {
    return this.cached('boundSubjects', () => {
      const seen = new SubjectMap<true>();
      const subjects: SubjectRef[] = [];
      for (const binding of this.bindings) {
        for (const subject of binding.subjects) {
          const bound = boundSubject(subject, bindingNamespace(binding));
          if (!bound || seen.get(bound)) continue;
          seen.set(bound, true);
          subjects.push(bound);
        }
      }
      return subjects;
    });
  }

  /** Every binding's role resolution problem (dangling roleRefs). */
  unresolvedBindings(): { binding: BindingDef; problem: string }[] {
    return this.bindings.flatMap((binding) => {
      const problem = this.resolution(binding).problem;
      return problem ? [{ binding, problem }] : [];
    });
  }

  /** Memoizes an analysis built on this engine (escalation graph, risks) so every caller shares one. */
  cached<T>(key: string, build: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, build());
    return this.memo.get(key) as T;
  }
}

export function buildEngine(inventory: Inventory, options: EngineOptions = {}): RbacEngine {
  return new RbacEngine(inventory, options);
}

export function firstAllowingRule(role: RoleDef, attributes: RequestAttributes): PolicyRule | undefined {
  for (const rule of role.rules) if (ruleAllows(attributes, rule)) return rule;
  return undefined;
}

/** The namespace a binding grants in and defaults ServiceAccount subjects to: `''` for a ClusterRoleBinding. */
export function bindingNamespace(binding: BindingDef): string {
  return binding.kind === 'RoleBinding' ? (binding.namespace ?? '') : '';
}

/** Subjects as displayed: a `User system:serviceaccount:…` subject stays a User here, though it matches the account. */
export function displayKey(subject: SubjectRef): string {
  return `${subject.kind}\u0000${subject.namespace ?? ''}\u0000${subject.name}`;
}

const NO_GRANTS: readonly Grant[] = Object.freeze([]);

/**
 * Bindings by the subject they name, keyed by the manifests' own strings (no key built per binding
 * or per question): Users and Groups by name, ServiceAccounts by namespace then name. A User named
 * `system:serviceaccount:NS:NAME` is that ServiceAccount (MakeUsername and SplitUsername round-trip),
 * so it is filed with the account; an account whose username does not split back (a `:` in its
 * name) is filed by its username, as a User of that name is. Each list is in ordinal order, as
 * bindings are added.
 */
class BindingsBySubject {
  private readonly users = new Map<string, BindingDef[]>();
  private readonly groups = new Map<string, BindingDef[]>();
  private readonly accounts = new Map<string, Map<string, BindingDef[]>>();

  /** Files a binding under the subject it names in the binding's namespace (boundSubject); subjects that match nobody are left out. */
  add(subject: Subject, bindingNamespace: string, binding: BindingDef): void {
    switch (subject.kind) {
      case 'Group':
        appendTo(this.groups, subject.name, binding);
        return;
      case 'User': {
        const account = parseServiceAccountUsername(subject.name);
        if (account) this.addAccount(account.namespace, account.name, binding);
        else appendTo(this.users, subject.name, binding);
        return;
      }
      case 'ServiceAccount': {
        const namespace = subject.namespace || bindingNamespace;
        if (namespace) this.addAccount(namespace, subject.name, binding);
      }
    }
  }

  private addAccount(namespace: string, name: string, binding: BindingDef): void {
    if (!splitsBack(namespace, name)) {
      appendTo(this.users, serviceAccountUsername(namespace, name), binding);
      return;
    }
    let byName = this.accounts.get(namespace);
    if (!byName) this.accounts.set(namespace, (byName = new Map()));
    appendTo(byName, name, binding);
  }

  /** Adds the lists of bindings naming the identity's username or one of its groups. */
  listsFor(identity: Identity, lists: (readonly BindingDef[])[]): void {
    this.listsOfUser(identity.name, lists);
    for (const group of identity.groups) this.listsOfGroup(group, lists);
  }

  /** The bindings naming this subject itself (not a group it belongs to). */
  listsOfSubject(subject: SubjectRef, lists: (readonly BindingDef[])[]): void {
    if (subject.kind === 'Group') this.listsOfGroup(subject.name, lists);
    else if (subject.kind === 'User') this.listsOfUser(subject.name, lists);
    else this.listsOfAccount(subject.namespace ?? '', subject.name, lists);
  }

  listsOfUser(username: string, lists: (readonly BindingDef[])[]): void {
    const account = parseServiceAccountUsername(username);
    if (account) this.listsOfAccount(account.namespace, account.name, lists);
    else addList(this.users.get(username), lists);
  }

  listsOfAccount(namespace: string, name: string, lists: (readonly BindingDef[])[]): void {
    addList(this.accountList(namespace, name), lists);
  }

  listsOfGroup(group: string, lists: (readonly BindingDef[])[]): void {
    addList(this.groups.get(group), lists);
  }

  /**
   * Whether a binding filed under the account or one of the groups of its token passes the test: the
   * lists listsOfServiceAccount gathers, asked where they are (a scan asks it of every ServiceAccount;
   * the group names are made only when some binding names a group).
   */
  someOfServiceAccount(namespace: string, name: string, test: (binding: BindingDef) => boolean): boolean {
    if (this.accountList(namespace, name)?.some(test)) return true;
    if (this.groups.size === 0) return false;
    return !!(this.groups.get(SERVICE_ACCOUNTS_GROUP)?.some(test) || this.groups.get(`${SERVICE_ACCOUNTS_GROUP}:${namespace}`)?.some(test) || this.groups.get(ALL_AUTHENTICATED)?.some(test));
  }

  private accountList(namespace: string, name: string): readonly BindingDef[] | undefined {
    return splitsBack(namespace, name) ? this.accounts.get(namespace)?.get(name) : this.users.get(serviceAccountUsername(namespace, name));
  }
}

/** Whether `system:serviceaccount:NS:NAME` splits back into this namespace and name (parseServiceAccountUsername). */
function splitsBack(namespace: string, name: string): boolean {
  return namespace !== '' && name !== '' && !namespace.includes(':') && !name.includes(':');
}

function addList(list: readonly BindingDef[] | undefined, lists: (readonly BindingDef[])[]): void {
  if (list) lists.push(list);
}

/** The bindings of several ordinal-ordered lists, once each, in ordinal order. */
function inOrdinalOrder(lists: readonly (readonly BindingDef[])[]): BindingDef[] {
  const all = lists.length === 1 ? [...lists[0]] : lists.flat();
  if (lists.length > 1) all.sort((a, b) => a.ordinal - b.ordinal);
  let kept = 0;
  for (const binding of all) if (kept === 0 || all[kept - 1] !== binding) all[kept++] = binding;
  all.length = kept;
  return all;
}

export function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
