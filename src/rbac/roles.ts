/**
 * Roles by name, as `GetRoleReferenceRules` finds them: a Role in the binding's namespace, a
 * ClusterRole by name; aggregation applied; the Kubernetes built-in roles assumed where the
 * inventory does not carry the cluster's own.
 */
import type { Inventory } from '../core/inventory.js';
import { aggregateClusterRoles } from './aggregation.js';
import { builtinRoles, isBootstrapObject } from './builtin-roles.js';
import { isRbacObject, parseRole, type BindingDef, type RoleDef } from './model.js';

/**
 * When to assume the built-in roles. `auto` (default): when no ClusterRole of the inventory carries
 * the bootstrap label `kubernetes.io/bootstrapping: rbac-defaults`, i.e. the sources are a chart or
 * manifests rather than a cluster dump; `always`: fill in every built-in role the inventory lacks;
 * `never`: only the inventory's roles (a binding to `view` is then dangling).
 */
export type BuiltinRolesMode = 'auto' | 'always' | 'never';

export const BUILTIN_ROLES_MODES: readonly BuiltinRolesMode[] = ['auto', 'always', 'never'];

export interface RoleResolution {
  role?: RoleDef;
  /** Why the roleRef does not resolve (upstream: an error the authorizer collects and ignores). */
  problem?: string;
}

export class RoleStore {
  private readonly clusterRoles = new Map<string, RoleDef>();
  /** Roles by namespace, then name: the manifests' own strings, no key built per role or lookup. */
  private readonly roles = new Map<string, Map<string, RoleDef>>();
  /** The Roles in the order they were added. */
  private readonly rolesInOrder: RoleDef[] = [];
  /** Did the engine fill in built-in roles? */
  readonly assumedBuiltins: boolean;
  /** For aggregated ClusterRoles: the roles they gather from. */
  readonly aggregationSources: ReadonlyMap<string, string[]>;
  readonly warnings: string[] = [];

  constructor(inventory: Inventory, mode: BuiltinRolesMode = 'auto') {
    const defined: RoleDef[] = [];
    for (const object of inventory.byKind('ClusterRole', 'Role')) {
      if (!isRbacObject(object, object.kind) || !object.metadata.name) continue;
      defined.push(parseRole(object));
    }
    const hasClusterDefaults = defined.some((role) => role.kind === 'ClusterRole' && isBootstrapObject(role.labels));
    this.assumedBuiltins = mode === 'always' || (mode === 'auto' && !hasClusterDefaults);
    for (const role of defined) this.add(role);
    if (this.assumedBuiltins) {
      for (const role of builtinRoles()) if (!this.lookup(role.kind, role.namespace, role.name)) this.add(role);
    }
    const aggregation = aggregateClusterRoles([...this.clusterRoles.values()]);
    this.warnings.push(...aggregation.warnings);
    for (const [name, rules] of aggregation.rules) {
      const role = this.clusterRoles.get(name);
      if (role) this.clusterRoles.set(name, { ...role, rules });
    }
    this.aggregationSources = aggregation.sources;
  }

  private add(role: RoleDef): void {
    // The first definition wins, as the inventory's own `get` does for duplicates.
    if (role.kind === 'ClusterRole') {
      if (!this.clusterRoles.has(role.name)) this.clusterRoles.set(role.name, role);
      return;
    }
    const namespace = role.namespace ?? '';
    let inNamespace = this.roles.get(namespace);
    if (!inNamespace) this.roles.set(namespace, (inNamespace = new Map()));
    if (inNamespace.has(role.name)) return;
    inNamespace.set(role.name, role);
    this.rolesInOrder.push(role);
  }

  lookup(kind: string, namespace: string | undefined, name: string): RoleDef | undefined {
    if (kind === 'ClusterRole') return this.clusterRoles.get(name);
    if (kind === 'Role') return this.roles.get(namespace ?? '')?.get(name);
    return undefined;
  }

  clusterRole(name: string): RoleDef | undefined {
    return this.clusterRoles.get(name);
  }

  allRoles(): RoleDef[] {
    return [...this.clusterRoles.values(), ...this.rolesInOrder];
  }

  /** GetRoleReferenceRules: a Role is looked up in the binding's namespace (`''` for a ClusterRoleBinding, which never finds one). */
  resolve(binding: BindingDef): RoleResolution {
    const ref = binding.roleRef;
    if (!ref) return { problem: 'has no roleRef' };
    if (ref.kind !== 'Role' && ref.kind !== 'ClusterRole') return { problem: `has roleRef kind "${ref.kind}": only Role and ClusterRole are supported` };
    if (ref.kind === 'Role' && binding.kind === 'ClusterRoleBinding') return { problem: `references Role "${ref.name}": a ClusterRoleBinding can only reference a ClusterRole` };
    const role = this.lookup(ref.kind, binding.namespace, ref.name);
    if (role) return { role };
    const where = ref.kind === 'Role' ? ` in namespace ${binding.namespace ?? ''}` : '';
    return { problem: `references ${ref.kind} "${ref.name}"${where}, which does not exist` };
  }
}
