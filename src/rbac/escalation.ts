/**
 * Escalation paths: a graph from each subject through the escalation primitives to the identities
 * it can become, and the shortest path to two goals: "cluster-admin equivalent" and "reads all
 * Secrets". Example: can create pods in kube-system → runs as any ServiceAccount there → that
 * account lists Secrets in every namespace.
 *
 * Hubs keep the graph linear in size: "any ServiceAccount in N" has one edge per account of N, and
 * a cluster-wide pod creator has one edge to "any ServiceAccount in any namespace". Edges are
 * computed per distinct set of bindings (most ServiceAccounts share the same group bindings only),
 * then one backward breadth-first search per goal gives every subject its shortest path at once.
 *
 * What is a lower bound: only RBAC grants (no Node or webhook authorizer), only the ServiceAccounts,
 * pods and token Secrets the inventory holds, and pod-based escapes to a node only where the
 * namespace's Pod Security `enforce` label allows privileged pods (absent label: allowed, the
 * Kubernetes default).
 */
import { riskCatalogue, riskQuestions } from './catalogue.js';
import { workloadAccountUses } from './default-sa.js';
import { appendTo, displayKey, type Grant, type RbacEngine } from './engine.js';
import type { BindingDef } from './model.js';
import { CheckScreen, matchCheck, type PermissionCheck, type ScreenedGrants } from './permissions.js';
import * as P from './primitives.js';
import { describeSubject, identityOf, parseServiceAccountUsername, SubjectMap, SYSTEM_MASTERS, type SubjectRef } from './subject.js';

export type EscalationGoal = 'cluster-admin' | 'all-secrets';
export const ESCALATION_GOALS: readonly EscalationGoal[] = ['cluster-admin', 'all-secrets'];

/** Ids of the escalation primitives, also named by risks (a risk whose primitive starts a path to cluster-admin is critical). */
export type PrimitiveId =
  | 'system-masters'
  | 'everything'
  | 'list-secrets'
  | 'escalate'
  | 'bind'
  | 'impersonate'
  | 'csr'
  | 'nodes-proxy'
  | 'create-pods'
  | 'pod-controllers'
  | 'token-request'
  | 'create-secrets'
  | 'exec'
  | 'modify-pods'
  | 'ephemeral-containers'
  | 'mutating-admission'
  | 'persistent-volumes'
  | 'patch-namespaces'
  | 'token-secrets'
  | 'becomes';

export interface EscalationStep {
  from: string;
  to: string;
  primitive: PrimitiveId;
  /** What the step does, for humans: `create pods in kube-system`. */
  label: string;
}

export interface EscalationPath {
  goal: EscalationGoal;
  subject: SubjectRef;
  steps: EscalationStep[];
}

export interface EscalationOptions {
  /** `get` on pods/exec and pods/attach allows exec (WebSocket, before Kubernetes 1.35). Default true. */
  execWithGet?: boolean;
}

interface Edge {
  /** The node it leads to. */
  to: number;
  primitive: PrimitiveId;
  label: string;
  /** A step into a subject: its label is `as <subject>` and this suffix, made only for reported paths. */
  as?: string;
}

const GOAL_NODE: Record<EscalationGoal, string> = { 'cluster-admin': 'goal:cluster-admin', 'all-secrets': 'goal:all-secrets' };
const ALL = '*';
const NODE_ROOT = 'node';
const ANY_USER = 'any-user';
const where = (namespace: string) => (namespace ? `in namespace ${namespace}` : 'in every namespace');

/** Stands for the binding a subject would create itself (bind limited by name): never reported, only walked. */
const SYNTHETIC_BINDING = { kind: 'RoleBinding', name: '(new binding)', roleRef: undefined, subjects: [], object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: {} }, ordinal: -1 } satisfies BindingDef;

/** Every check `capabilities` asks, so that one CheckScreen answers them for all subjects. */
export function escalationChecks(options: EscalationOptions = {}): PermissionCheck[] {
  return [
    P.EVERYTHING,
    P.LIST_SECRETS,
    P.ESCALATE_CLUSTER_ROLES,
    P.UPDATE_CLUSTER_ROLES,
    P.BIND_CLUSTER_ADMIN,
    P.BIND_CLUSTER_ROLES,
    P.CREATE_CLUSTER_ROLE_BINDINGS,
    P.IMPERSONATE_SYSTEM_MASTERS,
    P.IMPERSONATE_USERS,
    P.IMPERSONATE_SERVICE_ACCOUNTS,
    P.CREATE_CSR,
    P.APPROVE_CSR,
    P.APPROVE_CLIENT_SIGNER,
    P.NODES_PROXY,
    P.WRITE_MUTATING_ADMISSION,
    P.CREATE_PODS,
    P.WRITE_POD_CONTROLLERS,
    P.CREATE_SECRETS,
    P.SERVICE_ACCOUNT_TOKEN,
    P.execInPods(options.execWithGet ?? true),
    P.MODIFY_PODS,
    P.EPHEMERAL_CONTAINERS,
    P.ESCALATE_ROLES,
    P.UPDATE_ROLES,
    P.BIND_ROLES,
    P.CREATE_ROLE_BINDINGS,
    P.PATCH_NAMESPACES,
    P.CREATE_PERSISTENT_VOLUMES,
  ];
}

/**
 * The one CheckScreen of an engine (per option set) for the escalation graph and the risk catalogue:
 * each role is screened once for both.
 */
export function rbacScreen(engine: RbacEngine, options: EscalationOptions = {}): CheckScreen {
  return engine.cached(`screen:${options.execWithGet ?? true}`, () => new CheckScreen([...escalationChecks(options), ...riskCatalogue(options).flatMap(riskQuestions)]));
}

/** Pod Security levels that refuse privileged pods and hostPath volumes. */
const RESTRICTING_LEVELS = new Set(['baseline', 'restricted']);

/**
 * The graph's nodes are integers: subjects (kept by SubjectMap, their key `s:<displayKey>` made only
 * for the steps of a reported path), hubs by kind and namespace, goals. A step into a subject is
 * labelled (`as ServiceAccount shop/ci`) only when a path is reported. The backward search walks the
 * reversed edges in the order the graph's edge lists were made, so each subject gets the same
 * shortest path whatever the numbering.
 */
export class EscalationGraph {
  /** Each node's key: hubs and goals; undefined for subjects (see `subjectOf`). */
  private readonly keys: (string | undefined)[] = [];
  private readonly subjectOf: (SubjectRef | undefined)[] = [];
  private readonly subjectIds = new SubjectMap<number>();
  /** Hub nodes by kind (`any-sa`, `pods`, `token-secrets`), then namespace (`*` for all). */
  private readonly hubIds = new Map<string, Map<string, number>>();
  /** `holds:` nodes (a role a subject may bind to itself) by key. */
  private readonly holdsIds = new Map<string, number>();
  /** The edges out of each node; a subject's may be shared with other subjects of the same grants (never appended to). */
  private readonly out: (Edge[] | undefined)[] = [];
  /** Nodes in the order their edge lists were made. */
  private readonly order: number[] = [];
  /** The subjects the graph was built for (bound subjects, ServiceAccounts, workload accounts), in order. */
  private readonly subjects: SubjectRef[] = [];
  private readonly next: Record<EscalationGoal, (Edge | undefined)[]> = { 'cluster-admin': [], 'all-secrets': [] };
  private readonly goals: Record<EscalationGoal, number>;
  private readonly nodeRoot: number;
  private readonly anyUser: number;
  private readonly namespaces: string[];
  private readonly checks: CheckScreen;
  /** escalate and update limited to one Role's name, by name (one check object per name, so roleHits memoizes it). */
  private readonly ownRoleChecks = new Map<string, { escalate: PermissionCheck; update: PermissionCheck }>();
  /** By namespace: does its Pod Security `enforce` label admit privileged pods? */
  private readonly privilegedPodsAllowed = new Map<string, boolean>();

  constructor(
    private readonly engine: RbacEngine,
    private readonly options: EscalationOptions = {},
  ) {
    this.checks = rbacScreen(engine, options);
    this.goals = { 'cluster-admin': this.keyedNode(GOAL_NODE['cluster-admin']), 'all-secrets': this.keyedNode(GOAL_NODE['all-secrets']) };
    this.nodeRoot = this.keyedNode(NODE_ROOT);
    this.anyUser = this.keyedNode(ANY_USER);
    const accounts = this.collectSubjects();
    this.namespaces = [...new Set([...engine.inventory.namespaces(), ...accounts.keys()])].filter(Boolean).sort();
    this.addHubEdges(accounts);
    const bySignature = new Map<string, Edge[]>();
    const masters = this.capabilities([], true);
    for (const subject of this.subjects) {
      const node = this.subjectNode(subject);
      const { grants, privileged } = identityGrants(this.engine, subject);
      if (grants.length === 0) {
        if (privileged) this.setEdges(node, masters);
        continue;
      }
      const signature = `${privileged}|${grants.map((grant) => grant.binding.ordinal).join(',')}`;
      let edges = bySignature.get(signature);
      if (!edges) {
        edges = this.capabilities(grants, privileged);
        bySignature.set(signature, edges);
      }
      this.setEdges(node, edges.some((edge) => edge.to === node) ? edges.filter((edge) => edge.to !== node) : edges);
    }
    this.addEdges(this.goals['cluster-admin'], [{ to: this.goals['all-secrets'], primitive: 'everything', label: 'holds every permission' }]);
    this.searchBackwards();
  }

  private keyedNode(key: string): number {
    const id = this.keys.length;
    this.keys.push(key);
    this.subjectOf.push(undefined);
    return id;
  }

  /** A subject's node, made on first mention (a subject may only be the target of a step: an impersonated user). */
  private subjectNode(subject: SubjectRef): number {
    let id = this.subjectIds.get(subject);
    if (id === undefined) {
      id = this.keys.length;
      this.keys.push(undefined);
      this.subjectOf.push(subject);
      this.subjectIds.set(subject, id);
    }
    return id;
  }

  /** `any-sa:NS`, `pods:NS`, `token-secrets:NS` (`*`: every namespace). */
  private hub(kind: 'any-sa' | 'pods' | 'token-secrets', namespace: string): number {
    let byNamespace = this.hubIds.get(kind);
    if (!byNamespace) this.hubIds.set(kind, (byNamespace = new Map()));
    let id = byNamespace.get(namespace);
    if (id === undefined) byNamespace.set(namespace, (id = this.keyedNode(`${kind}:${namespace}`)));
    return id;
  }

  /** The key a node has in reported steps: `s:<displayKey>` for a subject. */
  private keyOf(node: number): string {
    return this.keys[node] ?? `s:${displayKey(this.subjectOf[node] as SubjectRef)}`;
  }

  /** Subjects of bindings, ServiceAccounts of the inventory and of workloads; returns accounts by namespace. */
  private collectSubjects(): Map<string, SubjectRef[]> {
    const accounts = new Map<string, SubjectRef[]>();
    const collected = new SubjectMap<true>();
    const add = (subject: SubjectRef) => {
      if (collected.get(subject)) return;
      collected.set(subject, true);
      this.subjects.push(subject);
      this.subjectNode(subject);
      if (subject.kind === 'ServiceAccount') appendTo(accounts, subject.namespace ?? '', subject);
    };
    for (const subject of this.engine.boundSubjects()) add(subject);
    for (const account of this.engine.inventory.byKind('ServiceAccount')) {
      if (account.metadata.namespace && account.metadata.name) add({ kind: 'ServiceAccount', namespace: account.metadata.namespace, name: account.metadata.name });
    }
    for (const workload of workloadAccounts(this.engine)) add(workload.account);
    return accounts;
  }

  private addHubEdges(accounts: Map<string, SubjectRef[]>): void {
    // Hub-to-hub steps carry no label: the account reached says where it is.
    this.addEdges(this.hub('any-sa', ALL), this.namespaces.map((namespace) => ({ to: this.hub('any-sa', namespace), primitive: 'becomes', label: '' })));
    this.addEdges(this.hub('pods', ALL), this.namespaces.map((namespace) => ({ to: this.hub('pods', namespace), primitive: 'becomes', label: '' })));
    this.addEdges(this.nodeRoot, [{ to: this.hub('pods', ALL), primitive: 'becomes', label: 'reads the tokens of the pods on the node it picks' }]);
    for (const [namespace, list] of accounts) this.addEdges(this.hub('any-sa', namespace), list.map((account) => becomes(this.subjectNode(account), '')));
    for (const { account, namespace } of workloadAccounts(this.engine)) this.addEdges(this.hub('pods', namespace), [becomes(this.subjectNode(account), ' (token mounted in its pods)')]);
    this.addEdges(this.anyUser, this.subjects.filter((subject) => subject.kind === 'User').map((user) => becomes(this.subjectNode(user), '')));
    for (const [namespace, names] of tokenSecretAccounts(this.engine)) {
      for (const name of names) this.addEdges(this.hub('token-secrets', namespace), [becomes(this.subjectNode({ kind: 'ServiceAccount', namespace, name }), ' (its token Secret)')]);
    }
  }

  /**
   * A Role of `namespace` the identity is bound to and may both `escalate` and update: it can write any
   * rule of that namespace into it, pod creation included (the escalate verb waives the check that
   * the writer holds the rules it writes).
   */
  private escalatableOwnRole(screened: ScreenedGrants, grants: readonly Grant[], namespace: string): string | undefined {
    // A rule that allows a verb for one name allows it for some name: without both, no Role qualifies.
    if (!screened.holds(P.ESCALATE_ROLES, namespace) || !screened.holds(P.UPDATE_ROLES, namespace)) return undefined;
    for (const grant of grants) {
      if (grant.namespace !== namespace || grant.role.kind !== 'Role') continue;
      const { escalate, update } = this.ownRoleChecksOf(grant.role.name);
      if (screened.holds(escalate, namespace) && screened.holds(update, namespace)) return grant.role.name;
    }
    return undefined;
  }

  private ownRoleChecksOf(name: string): { escalate: PermissionCheck; update: PermissionCheck } {
    let checks = this.ownRoleChecks.get(name);
    if (!checks) {
      checks = { escalate: { ...P.ESCALATE_ROLES, names: [name] }, update: { ...P.UPDATE_ROLES, names: [name] } };
      this.ownRoleChecks.set(name, checks);
    }
    return checks;
  }

  /**
   * Edges to "holds role X" nodes for roles a subject may bind by name (bind limited by resourceNames):
   * in `namespace` a RoleBinding to ClusterRole X or Role namespace/X, cluster-wide (`''`) a
   * ClusterRoleBinding to ClusterRole X. Each such node gets the capabilities of the role itself.
   */
  private bindableRoleEdges(names: readonly string[], namespace: string): Edge[] {
    const edges: Edge[] = [];
    for (const name of new Set(names)) {
      const candidates = [this.engine.roles.clusterRole(name), namespace ? this.engine.roles.lookup('Role', namespace, name) : undefined];
      for (const role of candidates) {
        if (!role) continue;
        const key = `holds:${role.kind}:${role.namespace ?? ''}/${role.name}@${namespace || ALL}`;
        let node = this.holdsIds.get(key);
        if (node === undefined) {
          node = this.keyedNode(key);
          this.holdsIds.set(key, node);
          // Its edge list is made before its capabilities, which may make other such nodes.
          this.setEdges(node, []);
          const grant = { binding: SYNTHETIC_BINDING, role, namespace } as Grant;
          this.addEdges(node, this.capabilities([grant], false));
        }
        const what = `${role.kind} ${role.namespace ? `${role.namespace}/` : ''}${role.name}`;
        edges.push({ to: node, primitive: 'bind', label: `binds ${what} to itself ${where(namespace)}` });
      }
    }
    return edges;
  }

  /** A node's edge list, made once (a subject's may be shared). */
  private setEdges(from: number, edges: Edge[]): void {
    this.out[from] = edges;
    this.order.push(from);
  }

  private addEdges(from: number, edges: Edge[]): void {
    const list = this.out[from];
    if (list) for (const edge of edges) list.push(edge);
    else this.setEdges(from, [...edges]);
  }

  /** The edges out of an identity holding these grants. */
  private capabilities(grants: readonly Grant[], privileged: boolean): Edge[] {
    const edges: Edge[] = [];
    const screened = this.checks.screen(grants);
    const holds = (namespace: string, check: PermissionCheck) => screened.holds(check, namespace);
    const clusterAdmin = this.goals['cluster-admin'];
    if (privileged) edges.push({ to: clusterAdmin, primitive: 'system-masters', label: `is in ${SYSTEM_MASTERS}` });
    if (grants.length === 0) return edges;
    // Cluster-wide primitives (ClusterRoleBindings).
    if (holds('', P.EVERYTHING)) edges.push({ to: clusterAdmin, primitive: 'everything', label: 'holds * on everything in every namespace' });
    if (holds('', P.LIST_SECRETS)) edges.push({ to: this.goals['all-secrets'], primitive: 'list-secrets', label: 'lists secrets in every namespace' });
    if (holds('', P.ESCALATE_CLUSTER_ROLES) && holds('', P.UPDATE_CLUSTER_ROLES)) edges.push({ to: clusterAdmin, primitive: 'escalate', label: 'escalates and updates ClusterRoles (writes any rule into its own)' });
    if (holds('', P.BIND_CLUSTER_ADMIN) && holds('', P.CREATE_CLUSTER_ROLE_BINDINGS)) edges.push({ to: clusterAdmin, primitive: 'bind', label: 'binds ClusterRole cluster-admin with a new ClusterRoleBinding' });
    else if (holds('', P.CREATE_CLUSTER_ROLE_BINDINGS)) {
      // bind limited to some ClusterRoles: binding one to itself gives whatever that role gives.
      const named = matchCheck(grants, P.BIND_CLUSTER_ROLES, '').flatMap((match) => match.onlyNames ?? []);
      edges.push(...this.bindableRoleEdges(named, ''));
    }
    if (holds('', P.IMPERSONATE_SYSTEM_MASTERS)) edges.push({ to: clusterAdmin, primitive: 'impersonate', label: `impersonates group ${SYSTEM_MASTERS}` });
    if (holds('', P.CREATE_CSR) && holds('', P.APPROVE_CSR) && holds('', P.APPROVE_CLIENT_SIGNER)) edges.push({ to: clusterAdmin, primitive: 'csr', label: `creates and approves a client certificate for group ${SYSTEM_MASTERS}` });
    if (holds('', P.NODES_PROXY)) edges.push({ to: this.nodeRoot, primitive: 'nodes-proxy', label: 'runs commands in any pod through nodes/proxy' });
    if (holds('', P.WRITE_MUTATING_ADMISSION)) edges.push({ to: this.hub('any-sa', ALL), primitive: 'mutating-admission', label: 'writes mutating admission configurations (rewrites any pod it admits)' });
    for (const user of holds('', P.IMPERSONATE_USERS) ? matchCheck(grants, P.IMPERSONATE_USERS, '') : []) {
      if (!user.onlyNames) edges.push({ to: this.anyUser, primitive: 'impersonate', label: 'impersonates any user' });
      else for (const name of user.onlyNames) edges.push({ to: this.subjectNode({ kind: 'User', name }), primitive: 'impersonate', label: `impersonates user ${name}` });
    }
    const podCreators = new Set<string>();
    // Namespace primitives: cluster-wide through a ClusterRoleBinding, or in each RoleBinding's namespace.
    for (const namespace of ['', ...screened.namespaces]) {
      const hub = namespace || ALL;
      const scope = where(namespace);
      const createsPods = holds(namespace, P.CREATE_PODS);
      if (createsPods) {
        podCreators.add(namespace);
        edges.push({ to: this.hub('any-sa', hub), primitive: 'create-pods', label: `creates pods ${scope} (runs as any ServiceAccount there)` });
      }
      if (holds(namespace, P.WRITE_POD_CONTROLLERS)) edges.push({ to: this.hub('any-sa', hub), primitive: 'pod-controllers', label: `writes pod controllers ${scope} (runs as any ServiceAccount there)` });
      if (holds(namespace, P.CREATE_SECRETS)) edges.push({ to: this.hub('any-sa', hub), primitive: 'create-secrets', label: `creates service-account-token Secrets ${scope}` });
      if (holds(namespace, P.SERVICE_ACCOUNT_TOKEN)) this.namedAccountEdges(edges, grants, namespace, P.SERVICE_ACCOUNT_TOKEN, 'token-request', `mints tokens (serviceaccounts/token) ${scope}`);
      if (holds(namespace, P.IMPERSONATE_SERVICE_ACCOUNTS)) this.namedAccountEdges(edges, grants, namespace, P.IMPERSONATE_SERVICE_ACCOUNTS, 'impersonate', `impersonates ServiceAccounts ${scope}`);
      if (holds(namespace, P.execInPods(this.options.execWithGet ?? true))) edges.push({ to: this.hub('pods', hub), primitive: 'exec', label: `execs into pods ${scope}` });
      if (holds(namespace, P.MODIFY_PODS)) edges.push({ to: this.hub('pods', hub), primitive: 'modify-pods', label: `patches pods ${scope} (swaps their image)` });
      if (holds(namespace, P.EPHEMERAL_CONTAINERS)) edges.push({ to: this.hub('pods', hub), primitive: 'ephemeral-containers', label: `adds ephemeral containers to pods ${scope}` });
      if (namespace) {
        const role = this.escalatableOwnRole(screened, grants, namespace);
        if (role) edges.push({ to: this.hub('any-sa', hub), primitive: 'escalate', label: `escalates and updates Role ${namespace}/${role}, which it is bound to (writes pod creation into it)` });
      }
      if (namespace && holds(namespace, P.LIST_SECRETS)) edges.push({ to: this.hub('token-secrets', namespace), primitive: 'token-secrets', label: `lists secrets ${scope} (ServiceAccount token Secrets)` });
      if (namespace && holds(namespace, P.BIND_ROLES) && holds(namespace, P.CREATE_ROLE_BINDINGS)) {
        const binds = matchCheck(grants, P.BIND_ROLES, namespace);
        if (!binds.every((match) => match.onlyNames)) edges.push({ to: this.hub('any-sa', hub), primitive: 'bind', label: `binds any role ${scope} (then creates pods there)` });
        else edges.push(...this.bindableRoleEdges(binds.flatMap((match) => match.onlyNames ?? []), namespace));
      }
      if (createsPods && (namespace === '' || this.allowsPrivilegedPods(namespace))) {
        edges.push({ to: this.nodeRoot, primitive: 'create-pods', label: `creates a privileged pod ${scope} (root on a node)` });
      } else if (createsPods && holds(namespace, P.PATCH_NAMESPACES)) {
        edges.push({ to: this.nodeRoot, primitive: 'patch-namespaces', label: `relabels namespace ${namespace} to allow privileged pods, then creates one` });
      }
    }
    if (podCreators.size && holds('', P.CREATE_PERSISTENT_VOLUMES)) edges.push({ to: this.nodeRoot, primitive: 'persistent-volumes', label: 'creates a hostPath PersistentVolume and a pod mounting it (the node filesystem)' });
    return edges;
  }

  /** serviceaccounts/token and ServiceAccount impersonation name the account: a rule limited to names reaches only those (the check holds). */
  private namedAccountEdges(edges: Edge[], grants: readonly Grant[], namespace: string, check: PermissionCheck, primitive: PrimitiveId, label: string): void {
    const matches = matchCheck(grants, check, namespace);
    if (matches.some((match) => !match.onlyNames)) {
      edges.push({ to: this.hub('any-sa', namespace || ALL), primitive, label });
      return;
    }
    const names = new Set(matches.flatMap((match) => match.onlyNames ?? []));
    const targets = namespace ? [namespace] : this.namespaces;
    for (const name of names) for (const target of targets) edges.push({ to: this.subjectNode({ kind: 'ServiceAccount', namespace: target, name }), primitive, label: `${label}, for ${target}/${name}` });
  }

  private allowsPrivilegedPods(namespace: string): boolean {
    let allowed = this.privilegedPodsAllowed.get(namespace);
    if (allowed === undefined) {
      const object = this.engine.inventory.get('Namespace', undefined, namespace);
      const level = object?.metadata.labels?.['pod-security.kubernetes.io/enforce'];
      allowed = !level || !RESTRICTING_LEVELS.has(level);
      this.privilegedPodsAllowed.set(namespace, allowed);
    }
    return allowed;
  }

  /**
   * One backward BFS per goal over the reversed edges (kept as arrays: where each node's incoming
   * edges start, then their sources and edges): every node learns its next step on a shortest path.
   */
  private searchBackwards(): void {
    const size = this.keys.length;
    const start = new Int32Array(size + 1);
    for (const from of this.order) for (const edge of this.out[from] as Edge[]) start[edge.to + 1]++;
    for (let node = 0; node < size; node++) start[node + 1] += start[node];
    const sources = new Int32Array(start[size]);
    const incoming: Edge[] = new Array(start[size]);
    const filled = start.slice(0, size);
    for (const from of this.order) {
      for (const edge of this.out[from] as Edge[]) {
        const at = filled[edge.to]++;
        sources[at] = from;
        incoming[at] = edge;
      }
    }
    for (const goal of ESCALATION_GOALS) {
      const next = this.next[goal];
      next.length = size;
      const end = this.goals[goal];
      let frontier = [end];
      while (frontier.length) {
        const following: number[] = [];
        for (const node of frontier) {
          for (let at = start[node]; at < start[node + 1]; at++) {
            const from = sources[at];
            // Visited: the goal itself, or a node that already knows its next step.
            if (from === end || next[from] !== undefined) continue;
            next[from] = incoming[at];
            following.push(from);
          }
        }
        frontier = following;
      }
    }
  }

  /** The shortest path from a subject to the goal, or undefined when RBAC gives it none. */
  pathFor(subject: SubjectRef, goal: EscalationGoal): EscalationPath | undefined {
    let node = this.subjectIds.get(subject);
    const next = this.next[goal];
    if (node === undefined || next[node] === undefined) return undefined;
    const steps: EscalationStep[] = [];
    const end = this.goals[goal];
    while (node !== end) {
      const edge: Edge | undefined = next[node];
      if (!edge || steps.length > this.subjects.length + 8) return undefined;
      steps.push({ from: this.keyOf(node), to: this.keyOf(edge.to), primitive: edge.primitive, label: edge.as === undefined ? edge.label : `as ${describeSubject(this.subjectOf[edge.to] as SubjectRef)}${edge.as}` });
      node = edge.to;
    }
    return { goal, subject, steps };
  }

  /** Every subject the graph knows (bound subjects, ServiceAccounts, workload accounts). */
  knownSubjects(): SubjectRef[] {
    return [...this.subjects];
  }
}

/** A step into a subject: labelled `as <subject><suffix>` when reported. */
function becomes(to: number, suffix: string): Edge {
  return { to, primitive: 'becomes', label: '', as: suffix };
}

/** `creates pods in kube-system (…) → as ServiceAccount kube-system/x → lists secrets in every namespace`. */
export function describePath(path: EscalationPath): string {
  let text = pathTexts.get(path);
  if (text === undefined) {
    text = pathLabels(path).join(' → ');
    pathTexts.set(path, text);
  }
  return text;
}

/** describePath once per path: every risk of a subject names the subject's one path. */
const pathTexts = new WeakMap<EscalationPath, string>();

/** The steps a reader needs: hub-to-hub and goal-to-goal steps say nothing. */
export function pathLabels(path: EscalationPath): string[] {
  return path.steps.filter((step) => step.label && !step.from.startsWith('goal:')).map((step) => step.label);
}

export function goalTitle(goal: EscalationGoal): string {
  return goal === 'cluster-admin' ? 'cluster-admin equivalent' : 'all Secrets';
}

export function escalationGraph(engine: RbacEngine, options: EscalationOptions = {}): EscalationGraph {
  return engine.cached(`escalation:${options.execWithGet ?? true}`, () => new EscalationGraph(engine, options));
}

/**
 * The shortest escalation path of a subject to a goal, or undefined. A subject that holds no grant and
 * is not in system:masters has no edge out of it, so it has no path: the graph is not built for it
 * (a scan of workloads that run as accounts nothing binds builds no graph).
 */
export function escalationPathFor(engine: RbacEngine, subject: SubjectRef, goal: EscalationGoal, options: EscalationOptions = {}): EscalationPath | undefined {
  const { grants, privileged } = identityGrants(engine, subject);
  if (!privileged && grants.length === 0) return undefined;
  return escalationGraph(engine, options).pathFor(subject, goal);
}

/**
 * The grants of the identity a subject stands for (identityOf), and whether it is in system:masters.
 * A ServiceAccount's (a User named after one included) are the engine's shared answer.
 */
export function identityGrants(engine: RbacEngine, subject: SubjectRef): { grants: readonly Grant[]; privileged: boolean } {
  const account = subject.kind === 'ServiceAccount' ? { namespace: subject.namespace ?? '', name: subject.name } : subject.kind === 'User' ? parseServiceAccountUsername(subject.name) : undefined;
  if (account) return { grants: engine.grantsOfServiceAccount(account.namespace, account.name), privileged: false };
  const identity = identityOf(subject);
  return { grants: engine.grantsFor(identity), privileged: identity.groups.includes(SYSTEM_MASTERS) };
}

export interface WorkloadAccount {
  namespace: string;
  account: SubjectRef;
}

/** ServiceAccounts whose token is mounted into a workload of the inventory (controllers counted once, not their pods). */
export function workloadAccounts(engine: RbacEngine): WorkloadAccount[] {
  return engine.cached('workloadAccounts', () => {
    const seen = new SubjectMap<true>();
    const found: WorkloadAccount[] = [];
    for (const use of workloadAccountUses(engine)) {
      if (!use.tokenMounted || !use.namespace) continue;
      const account: SubjectRef = { kind: 'ServiceAccount', namespace: use.namespace, name: use.serviceAccount };
      if (seen.get(account)) continue;
      seen.set(account, true);
      found.push({ namespace: use.namespace, account });
    }
    return found;
  });
}

/** Accounts with a legacy token Secret in the inventory, by namespace (never reading the Secret's data). */
function tokenSecretAccounts(engine: RbacEngine): Map<string, Set<string>> {
  const accounts = new Map<string, Set<string>>();
  for (const secret of engine.inventory.byKind('Secret')) {
    const name = secret.metadata.annotations?.['kubernetes.io/service-account.name'];
    const namespace = secret.metadata.namespace;
    if (secret.type !== 'kubernetes.io/service-account-token' || !name || !namespace) continue;
    const set = accounts.get(namespace) ?? new Set<string>();
    set.add(name);
    accounts.set(namespace, set);
  }
  return accounts;
}
