/**
 * Permission checks over a set of grants, for risks and escalation paths. A check is a family of
 * requests (any of these verbs on any of these resources), evaluated with `ruleAllows` itself in one
 * scope: cluster-wide (`''`: ClusterRoleBindings only, as a request across all namespaces is) or in
 * one namespace (ClusterRoleBindings plus that namespace's RoleBindings).
 */
import { apiGroupMatches, ruleAllows, type RequestAttributes } from './authorizer.js';
import type { Grant } from './engine.js';
import { ruleKey, type PolicyRule, type RoleDef } from './model.js';

/** A resource by API group (`''` is core) and resource, `resource/subresource` for a subresource. */
export interface ResourceSpec {
  group: string;
  resource: string;
}

export interface PermissionCheck {
  /** Any of these verbs. */
  verbs: readonly string[];
  /** On any of these resources. */
  resources: readonly ResourceSpec[];
  /**
   * The names requests carry. Absent: unnamed requests (list, create), which rules limited by
   * resourceNames never allow. A list: requests for these names. `any`: some name, so a rule
   * limited to a few names counts (its names are reported).
   */
  names?: readonly string[] | 'any';
  /**
   * Whether the request carries the namespace: true for namespaced resources and for a namespace
   * object itself (`PATCH /api/v1/namespaces/foo` is in namespace foo); false for cluster-scoped
   * resources, which only ClusterRoleBindings grant.
   */
  namespaced: boolean;
}

export interface CheckMatch {
  grant: Grant;
  rule: PolicyRule;
  verb: string;
  resource: ResourceSpec;
  /** Set when the rule only allows some names. */
  onlyNames?: string[];
}

/** Does a grant count for a request in `namespace` (`''` = cluster-wide)? */
export function grantApplies(grant: Grant, namespace: string): boolean {
  return grant.namespace === '' || (namespace !== '' && grant.namespace === namespace);
}

export function attributesFor(verb: string, resource: ResourceSpec, namespace: string, name = ''): RequestAttributes {
  const slash = resource.resource.indexOf('/');
  return {
    verb,
    apiGroup: resource.group,
    resource: slash < 0 ? resource.resource : resource.resource.slice(0, slash),
    subresource: slash < 0 ? '' : resource.resource.slice(slash + 1),
    namespace,
    name,
  };
}

type RuleHit = Omit<CheckMatch, 'grant'>;

/**
 * Which rules of a role satisfy a check does not depend on the namespace (RuleAllows never reads
 * it; scope is decided by which bindings count), so it is computed once per role and check.
 */
const hitsByRole = new WeakMap<RoleDef, Map<PermissionCheck, RuleHit[]>>();

function roleHits(role: RoleDef, check: PermissionCheck): RuleHit[] {
  let byCheck = hitsByRole.get(role);
  if (!byCheck) {
    byCheck = new Map();
    hitsByRole.set(role, byCheck);
  }
  let hits = byCheck.get(check);
  if (!hits) {
    hits = [];
    for (const rule of role.rules) {
      const hit = firstHit(rule, check);
      if (hit) hits.push({ rule, ...hit });
    }
    byCheck.set(check, hits);
  }
  return hits;
}

/** Whether some rule of the role satisfies the check (in whatever scope the role is granted). */
export function roleSatisfies(role: RoleDef, check: PermissionCheck): boolean {
  return roleHits(role, check).length > 0;
}

/** Every (grant, rule, verb, resource) that satisfies the check in the scope. Empty: the check fails. */
export function matchCheck(grants: readonly Grant[], check: PermissionCheck, namespace: string): CheckMatch[] {
  const scope = check.namespaced ? namespace : '';
  const matches: CheckMatch[] = [];
  for (const grant of grants) {
    if (!grantApplies(grant, scope)) continue;
    for (const hit of roleHits(grant.role, check)) matches.push(matchOf(grant, hit));
  }
  return matches;
}

/** `{grant, ...hit}`, written out: a cluster's risks make hundreds of thousands. */
function matchOf(grant: Grant, hit: RuleHit): CheckMatch {
  const match: CheckMatch = { grant, rule: hit.rule, verb: hit.verb, resource: hit.resource };
  if (hit.onlyNames) match.onlyNames = hit.onlyNames;
  return match;
}

/** Whether the check holds in the scope: matchCheck without building the evidence. */
export function checkHolds(grants: readonly Grant[], check: PermissionCheck, namespace: string): boolean {
  const scope = check.namespaced ? namespace : '';
  for (const grant of grants) if (grantApplies(grant, scope) && roleSatisfies(grant.role, check)) return true;
  return false;
}

/** What a screen asks of each role: a permission check, or a property some rule of the role has. */
export type RoleQuestion = PermissionCheck | ((rule: PolicyRule) => boolean);

/** A role answers yes when one of its rules does (roleSatisfies, roleHits). */
function ruleAnswers(rule: PolicyRule, question: RoleQuestion): boolean {
  return typeof question === 'function' ? question(rule) : firstHit(rule, question) !== undefined;
}

/**
 * Answers checkHolds for many subjects at once. Whether a role satisfies a check depends neither on
 * who holds the role nor where (roleHits), so a screen works it out once per role, as one flag per
 * question (the OR of its rules' flags, worked out once per distinct rule: clusters repeat the same
 * Role in many namespaces); the scopes of one subject's grants then OR the flags of the grants that
 * count there, and each check is a lookup. Many subjects share few roles.
 */
export class CheckScreen {
  private readonly bits = new Map<RoleQuestion, number>();
  private readonly byRole = new Map<RoleDef, Uint8Array>();
  /** The roles that answer yes to some question. */
  private readonly answering = new Set<RoleDef>();
  /** By ruleKey. */
  private readonly byRule = new Map<string, Uint8Array>();

  constructor(questions: Iterable<RoleQuestion>) {
    for (const question of questions) if (!this.bits.has(question)) this.bits.set(question, this.bits.size);
  }

  /** The bit of a question, or undefined when the screen was not built with it. */
  bit(question: RoleQuestion): number | undefined {
    return this.bits.get(question);
  }

  /** The questions' answers for one role. */
  private flagsOf(role: RoleDef): Uint8Array {
    let flags = this.byRole.get(role);
    if (flags) return flags;
    if (role.rules.length === 1) flags = this.ruleFlagsOf(role.rules[0]);
    else {
      flags = new Uint8Array(this.bits.size);
      for (const rule of role.rules) orInto(flags, this.ruleFlagsOf(rule));
    }
    // Read only from here on (a role of one rule shares that rule's flags).
    this.byRole.set(role, flags);
    if (flags.includes(1)) this.answering.add(role);
    return flags;
  }

  /** Whether the role answers yes to some question. */
  answersSomethingFor(role: RoleDef): boolean {
    this.flagsOf(role);
    return this.answering.has(role);
  }

  /** Whether some grant's role answers yes to some question: when none does, every check fails in every scope. */
  answersSomething(grants: readonly Grant[]): boolean {
    for (const grant of grants) if (this.answersSomethingFor(grant.role)) return true;
    return false;
  }

  private ruleFlagsOf(rule: PolicyRule): Uint8Array {
    const key = keyOf(rule);
    let flags = this.byRule.get(key);
    if (flags) return flags;
    flags = new Uint8Array(this.bits.size);
    for (const [question, bit] of this.bits) flags[bit] = ruleAnswers(rule, question) ? 1 : 0;
    this.byRule.set(key, flags);
    return flags;
  }

  /** The answers for one set of grants: cluster-wide (ClusterRoleBindings) and per RoleBinding namespace. */
  screen(grants: readonly Grant[]): ScreenedGrants {
    const cluster = new Uint8Array(this.bits.size);
    const somewhere = new Uint8Array(this.bits.size);
    const namespaces = new Map<string, Uint8Array>();
    for (const grant of grants) {
      let scope: Uint8Array = cluster;
      if (grant.namespace !== '') {
        scope = namespaces.get(grant.namespace) ?? new Uint8Array(this.bits.size);
        namespaces.set(grant.namespace, scope);
      }
      const flags = this.flagsOf(grant.role);
      orInto(scope, flags);
      orInto(somewhere, flags);
    }
    return new ScreenedGrants(this, grants, cluster, namespaces, somewhere);
  }
}

/**
 * ruleKey once per rule object, whichever screen asks (the escalation graph and the risks share one;
 * the rule pack's role checks have their own). Rules are never changed once parsed.
 */
const ruleKeys = new WeakMap<PolicyRule, string>();

function keyOf(rule: PolicyRule): string {
  let key = ruleKeys.get(rule);
  if (key === undefined) ruleKeys.set(rule, (key = ruleKey(rule)));
  return key;
}

function orInto(flags: Uint8Array, more: Uint8Array): void {
  for (let bit = 0; bit < flags.length; bit++) flags[bit] |= more[bit];
}

/** One set of grants seen through a CheckScreen. */
export class ScreenedGrants {
  /** The namespaces the grants reach through RoleBindings, sorted (grantNamespaces). */
  readonly namespaces: string[];

  constructor(
    private readonly checks: CheckScreen,
    private readonly grants: readonly Grant[],
    /** The OR of the flags of the ClusterRoleBindings' roles. */
    private readonly cluster: Uint8Array,
    /** Per namespace, the OR of the flags of that namespace's RoleBindings' roles. */
    private readonly byNamespace: Map<string, Uint8Array>,
    /** The OR of every grant's flags. */
    private readonly anywhere: Uint8Array,
  ) {
    this.namespaces = [...byNamespace.keys()].sort();
  }

  /** Whether some grant answers yes in some scope: false means `holds` and `grantedIn` are false everywhere. */
  somewhere(question: RoleQuestion): boolean {
    const bit = this.checks.bit(question);
    return bit === undefined || this.anywhere[bit] === 1;
  }

  /**
   * checkHolds: a ClusterRoleBinding's grant counts everywhere, a RoleBinding's only for a
   * namespaced check in its namespace. A check the screen was not built with is answered the long way.
   */
  holds(check: PermissionCheck, namespace: string): boolean {
    const bit = this.checks.bit(check);
    if (bit === undefined) return checkHolds(this.grants, check, namespace);
    if (this.cluster[bit] === 1) return true;
    return check.namespaced && namespace !== '' && this.byNamespace.get(namespace)?.[bit] === 1;
  }

  /** Whether a grant of exactly this scope (`''`: a ClusterRoleBinding) answers yes: for properties of single rules. */
  grantedIn(question: RoleQuestion, namespace: string): boolean {
    const bit = this.checks.bit(question);
    if (bit === undefined) return this.grants.some((grant) => grant.namespace === namespace && grant.role.rules.some((rule) => ruleAnswers(rule, question)));
    const flags = namespace === '' ? this.cluster : this.byNamespace.get(namespace);
    return flags?.[bit] === 1;
  }
}

function firstHit(rule: PolicyRule, check: PermissionCheck): Omit<CheckMatch, 'grant' | 'rule'> | undefined {
  for (const verb of check.verbs) {
    if (!rule.verbs.includes(verb) && !rule.verbs.includes('*')) continue;
    for (const resource of check.resources) {
      // ruleAllows tests the API group too: a rule of other groups is passed over without building requests.
      if (!apiGroupMatches(rule, resource.group)) continue;
      const names = check.names === 'any' ? [rule.resourceNames[0] ?? ''] : (check.names ?? ['']);
      for (const name of names) {
        if (!ruleAllows(attributesFor(verb, resource, '', name), rule)) continue;
        const hit: Omit<CheckMatch, 'grant' | 'rule'> = { verb, resource };
        if (rule.resourceNames.length) hit.onlyNames = rule.resourceNames;
        return hit;
      }
    }
  }
  return undefined;
}

/** The namespaces a set of grants reaches through RoleBindings (where a namespace-scoped check can hold). */
export function grantNamespaces(grants: readonly Grant[]): string[] {
  return [...new Set(grants.filter((grant) => grant.namespace !== '').map((grant) => grant.namespace))].sort();
}

export const core = (resource: string): ResourceSpec => ({ group: '', resource });
export const inGroup = (group: string, ...resources: string[]): ResourceSpec[] => resources.map((resource) => ({ group, resource }));
