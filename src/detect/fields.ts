import { isRecord } from '../core/object.js';
import { parseServiceAccountUsername, serviceAccountUsername } from '../core/identity.js';
import { DECISION_ANNOTATION, POD_NAME_EXTRA, type AuditEvent } from './audit.js';
import { DNS_FIELDS, type DnsEvent } from './dns.js';
import { FLOW_FIELDS, type FlowEvent } from './flow-events.js';
import { aggregatedRoleRisks, aggregationTargets, BUILTIN_AGGREGATED_ROLES, BUILTIN_ROLE_RISKS, clusterRoleWrite } from './roles.js';

/**
 * The field model both rule languages read. `ka.*` fields are the Falco k8saudit plugin's, with its
 * exact extraction rules (all values are strings, lists are lists of strings, a value the plugin
 * cannot extract is "not available" and every comparison on it is false); `jevt.*`/`json.*` are the
 * Falco json plugin's. kubeward adds fields the plugin lacks (service-account namespace, bound-token
 * pod, what a binding's role grants, …) and the `dns.*` fields of DNS queries.
 */

export type DetectEvent = AuditEvent | DnsEvent | FlowEvent;
export type EventSource = DetectEvent['source'];

/** A field's value: undefined when not available. Lists are arrays; numbers only for numeric fields. */
export type FieldValue = string | number | readonly string[] | undefined;

export interface FieldDef {
  name: string;
  source: EventSource;
  type: 'string' | 'number';
  list?: boolean;
  /** Whether the field takes `[arg]`: required, optional (index), or not at all. */
  arg?: 'required' | 'optional';
  desc: string;
  extract(event: DetectEvent, arg: string | undefined): FieldValue;
  /**
   * For a field that is exactly the value at a path of keys of the audit event (a string as it is,
   * anything else as JSON; for a list, an array of them): the path, so conditions can read it inline.
   */
  path?: { keys: readonly string[]; list: boolean };
}

// ---- JSON helpers shaped like the plugin's fastjson calls -----------------------------------------

function get(value: unknown, ...keys: string[]): unknown {
  let node = value;
  for (const key of keys) {
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** What a value too deeply nested for JSON.stringify (a hostile event) reads as. */
export const TOO_DEEP = '<too deeply nested>';

/** fastjson's view of a value as a string: strings as they are, anything else as compact JSON. */
export function jsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    // JSON.stringify recurses: thousands of nested arrays exhaust the stack (RangeError).
    return TOO_DEEP;
  }
}

/** `get` for up to five keys without an array per call: the fields every rule reads go through here. */
function at(value: unknown, a: string, b?: string, c?: string, d?: string, e?: string): unknown {
  let node = isRecord(value) ? value[a] : undefined;
  if (b === undefined || node === undefined) return node;
  node = isRecord(node) ? node[b] : undefined;
  if (c === undefined || node === undefined) return node;
  node = isRecord(node) ? node[c] : undefined;
  if (d === undefined || node === undefined) return node;
  node = isRecord(node) ? node[d] : undefined;
  if (e === undefined || node === undefined) return node;
  return isRecord(node) ? node[e] : undefined;
}

/** `extractFromKeys` for a scalar field. */
function scalar(event: DetectEvent, a: string, b?: string, c?: string, d?: string, e?: string): FieldValue {
  const value = at((event as AuditEvent).raw, a, b, c, d, e);
  return value === undefined ? undefined : jsonText(value);
}

/** `extractFromKeys` for a list field: must be an array, each element as a string (a list of strings is read as it is). */
function list(event: DetectEvent, a: string, b?: string, c?: string, d?: string, e?: string): FieldValue {
  const value = at((event as AuditEvent).raw, a, b, c, d, e);
  return Array.isArray(value) ? stringsOf(value) : undefined;
}

/** A scalar field that is the value at a path: its extractor and the path, for inline reading. */
function scalarAt(...keys: string[]): Pick<FieldDef, 'extract' | 'path'> {
  const [a, b, c, d, e] = keys;
  return { extract: (event) => scalar(event, a, b, c, d, e), path: { keys, list: false } };
}

/** A list field that is the array at a path. */
function listAt(...keys: string[]): Pick<FieldDef, 'extract' | 'path'> {
  const [a, b, c, d, e] = keys;
  return { extract: (event) => list(event, a, b, c, d, e), path: { keys, list: true } };
}

/** A list field's value as `list` reads it from an array. */
export function stringsOf(value: unknown[]): readonly string[] {
  for (const item of value) if (typeof item !== 'string') return value.map(jsonText);
  return value as string[];
}

/** The plugin's `getArray` with an optional numeric index argument. */
function arrayAt(event: DetectEvent, arg: string | undefined, ...keys: string[]): unknown[] | undefined {
  const value = get((event as AuditEvent).raw, ...keys);
  if (!Array.isArray(value)) return undefined;
  const index = arg !== undefined && /^-?\d+$/.test(arg) ? Number(arg) : undefined;
  if (index === undefined) return value;
  return index >= 0 && index < value.length ? [value[index]] : undefined;
}

/** `getFlatArray` then `arrayAsStrings`: one element without the key makes the whole field unavailable. */
function everyOf(items: unknown[] | undefined, ...keys: string[]): FieldValue {
  if (!items) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const value = get(item, ...keys);
    if (value === undefined) return undefined;
    out.push(jsonText(value));
  }
  return out;
}

/** `getFlatArray` then `arrayAsStringsSkipNil`: elements without the key are skipped. */
function someOf(items: unknown[] | undefined, ...keys: string[]): FieldValue {
  if (!items) return undefined;
  const out: string[] = [];
  for (const item of items) {
    const value = get(item, ...keys);
    if (value !== undefined) out.push(jsonText(value));
  }
  return out;
}

const containersOf = (event: DetectEvent, arg?: string) => arrayAt(event, arg, 'requestObject', 'spec', 'containers');

/** The plugin's image → repository: cut at the first ':' then at '@' (so `host:5000/x` → `host`, as Falco does). */
export function repositoryOf(image: string): string {
  return image.split(':')[0].split('@')[0];
}

/** The plugin's "effective" uid/gid: the container's value, else the pod's, else 0 (read at the plugin's paths). */
function effective(event: DetectEvent, arg: string | undefined, key: string): FieldValue {
  const podValue = get((event as AuditEvent).raw, 'requestObject', 'spec', key);
  const fallback = podValue === undefined ? '0' : jsonText(podValue);
  const containers = containersOf(event, arg);
  if (!containers) return undefined;
  return containers.map((container) => {
    const value = get(container, key);
    return value === undefined ? fallback : jsonText(value);
  });
}

function rulesField(event: DetectEvent, arg: string | undefined, key: string): FieldValue {
  const rules = arrayAt(event, arg, 'requestObject', 'rules');
  if (!rules) return undefined;
  const out: string[] = [];
  for (const rule of rules) {
    const value = get(rule, key);
    if (Array.isArray(value)) for (const item of value) if (item !== undefined && item !== null) out.push(jsonText(item));
  }
  return out;
}

function queryParam(uri: unknown, name: string): string | undefined {
  if (typeof uri !== 'string') return undefined;
  const question = uri.indexOf('?');
  if (question < 0) return undefined;
  const value = new URLSearchParams(uri.slice(question + 1)).get(name);
  return value ?? undefined;
}

/** RFC 6901: `/a~1b/0` → ['a/b', '0']. */
export function jsonPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  if (!pointer.startsWith('/')) return undefined;
  let node = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      node = node[Number(token)];
    } else if (isRecord(node)) {
      node = Object.prototype.hasOwnProperty.call(node, token) ? node[token] : undefined;
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}

// ---- kubeward's own readings of an audit event ---------------------------------------------------

/** Every container of the pod in requestObject: containers, initContainers, ephemeralContainers. */
function allPodContainers(event: DetectEvent): Record<string, unknown>[] {
  const spec = get((event as AuditEvent).raw, 'requestObject', 'spec');
  const out: Record<string, unknown>[] = [];
  for (const field of ['initContainers', 'containers', 'ephemeralContainers']) {
    const items = get(spec, field);
    if (Array.isArray(items)) for (const item of items) if (isRecord(item)) out.push(item);
  }
  return out;
}

/** The binding as the API server stored it (responseObject) or as sent (requestObject; a patch has no roleRef). */
function roleRefOf(event: DetectEvent): { kind: string; name: string } | undefined {
  for (const key of ['responseObject', 'requestObject']) {
    const ref = get((event as AuditEvent).raw, key, 'roleRef');
    if (isRecord(ref) && typeof ref.name === 'string') return { kind: typeof ref.kind === 'string' ? ref.kind : 'ClusterRole', name: ref.name };
  }
  return undefined;
}

function bindingRisks(event: AuditEvent): FieldValue {
  const ref = roleRefOf(event);
  if (!ref) return undefined;
  const namespace = ref.kind === 'Role' ? (get(event.raw, 'objectRef', 'namespace') as string | undefined) : undefined;
  const learned = event.context?.roleRisks(ref.kind, namespace, ref.name);
  if (learned) return learned;
  return (ref.kind === 'ClusterRole' && BUILTIN_ROLE_RISKS.get(ref.name)) || [];
}

/** A ClusterRole write and the aggregated ClusterRoles its labels feed (the cluster's with --cluster, else admin/edit/view). */
function aggregationOf(event: AuditEvent) {
  const context = event.context;
  const write = clusterRoleWrite(event.raw, (name) => context?.learnedClusterRole(name));
  if (!write) return undefined;
  return { write, targets: aggregationTargets(write.labels, context?.aggregatedRoles() ?? BUILTIN_AGGREGATED_ROLES) };
}

/** `secrets payments/db-creds`, `serviceaccounts/token kube-system/admin`, `clusterrolebindings *`. */
export function targetRef(raw: Record<string, unknown>): string | undefined {
  const ref = raw.objectRef;
  if (!isRecord(ref) || typeof ref.resource !== 'string') return undefined;
  const resource = ref.subresource === undefined ? ref.resource : `${ref.resource}/${String(ref.subresource)}`;
  const namespace = typeof ref.namespace === 'string' ? `${ref.namespace}/` : '';
  return `${resource} ${namespace}${typeof ref.name === 'string' ? ref.name : '*'}`;
}

const BINDINGS = new Set(['rolebindings', 'clusterrolebindings']);
const ROLES = new Set(['roles', 'clusterroles']);
const WRITES = new Set(['create', 'update', 'patch']);

/**
 * The privilege-escalation technique a request attempts, allowed or forbidden, read from what a 403
 * event carries too (the API server authorizes before it decodes a body, so a forbidden request has
 * no requestObject): `binding-change` (create/update/patch a RoleBinding or ClusterRoleBinding),
 * `role-change` (create/update/patch a Role or ClusterRole, where `escalate` is checked), `bind` and
 * `escalate` (the verbs themselves), `read-cluster-admin` (get clusterroles/cluster-admin),
 * `impersonate` (acting as someone else, or refused it), `token-for-other-serviceaccount` (create
 * serviceaccounts/token for an account that is not the caller).
 */
export function privilegeAttempt(event: AuditEvent): string | undefined {
  const raw = event.raw;
  if (isRecord(raw.impersonatedUser) || raw.verb === 'impersonate') return 'impersonate';
  const ref = raw.objectRef;
  if (!isRecord(ref)) return impersonationRefused(raw) ? 'impersonate' : undefined;
  const resource = ref.resource;
  const verb = raw.verb;
  if (verb === 'bind' || verb === 'escalate') return verb;
  if (typeof resource !== 'string') return undefined;
  const subresource = ref.subresource;
  if (BINDINGS.has(resource)) return subresource === undefined && WRITES.has(String(verb)) ? 'binding-change' : undefined;
  if (ROLES.has(resource)) {
    if (subresource !== undefined) return undefined;
    if (WRITES.has(String(verb))) return 'role-change';
    return resource === 'clusterroles' && verb === 'get' && ref.name === 'cluster-admin' ? 'read-cluster-admin' : undefined;
  }
  if (resource === 'serviceaccounts' && subresource === 'token' && verb === 'create') {
    const caller = get(raw, 'user', 'username');
    const target = typeof ref.namespace === 'string' && typeof ref.name === 'string' ? serviceAccountUsername(ref.namespace, ref.name) : undefined;
    return caller !== target ? 'token-for-other-serviceaccount' : undefined;
  }
  return impersonationRefused(raw) ? 'impersonate' : undefined;
}

/** The impersonation filter refuses before the request is authorized: the 403 is on the original request. */
function impersonationRefused(raw: Record<string, unknown>): boolean {
  const status = raw.responseStatus;
  return isRecord(status) && status.code === 403 && typeof status.message === 'string' && status.message.includes('cannot impersonate');
}

function pathsOfHostVolumes(event: DetectEvent): string[] {
  const volumes = get((event as AuditEvent).raw, 'requestObject', 'spec', 'volumes');
  if (!Array.isArray(volumes)) return [];
  const out: string[] = [];
  for (const volume of volumes) {
    const path = get(volume, 'hostPath', 'path');
    if (typeof path === 'string') out.push(path);
  }
  return out;
}

// ---- the tables ---------------------------------------------------------------------------------

type Def = Omit<FieldDef, 'source' | 'type'> & { type?: 'string' | 'number' };

const audit = (defs: Def[]): FieldDef[] => defs.map((def) => ({ type: 'string', source: 'audit', ...def }));

/** The k8saudit plugin's fields (0.6 series), extracted exactly as the plugin does. */
const K8SAUDIT_FIELDS = audit([
  { name: 'ka.auditid', desc: 'the audit ID of the request', ...scalarAt('auditID') },
  { name: 'ka.stage', desc: 'stage of the request (RequestReceived, ResponseStarted, ResponseComplete, Panic)', ...scalarAt('stage') },
  { name: 'ka.auth.decision', desc: 'the authorization decision (allow, forbid)', ...scalarAt('annotations', DECISION_ANNOTATION) },
  { name: 'ka.auth.reason', desc: 'the authorization reason', ...scalarAt('annotations', 'authorization.k8s.io/reason') },
  { name: 'ka.user.name', desc: 'the authenticated user name (the actor)', ...scalarAt('user', 'username') },
  { name: 'ka.user.groups', list: true, desc: 'the groups of the authenticated user', ...listAt('user', 'groups') },
  { name: 'ka.impuser.name', desc: 'the impersonated user name', ...scalarAt('impersonatedUser', 'username') },
  { name: 'ka.verb', desc: 'the verb (get, list, watch, create, update, patch, delete, deletecollection)', ...scalarAt('verb') },
  { name: 'ka.uri', desc: 'the request URI as sent by the client', ...scalarAt('requestURI') },
  { name: 'ka.uri.param', arg: 'required', desc: 'a query parameter of the URI (first value)', extract: (e, arg) => queryParam((e as AuditEvent).raw.requestURI, arg ?? '') },
  { name: 'ka.target.name', desc: 'the target object name', ...scalarAt('objectRef', 'name') },
  { name: 'ka.target.namespace', desc: 'the target object namespace', ...scalarAt('objectRef', 'namespace') },
  { name: 'ka.target.resource', desc: 'the target resource', ...scalarAt('objectRef', 'resource') },
  { name: 'ka.target.subresource', desc: 'the target subresource', ...scalarAt('objectRef', 'subresource') },
  { name: 'ka.req.binding.subjects', list: true, desc: 'the subjects of a binding in the request', ...listAt('requestObject', 'subjects') },
  { name: 'ka.req.binding.role', desc: 'the role a binding in the request refers to', ...scalarAt('requestObject', 'roleRef', 'name') },
  { name: 'ka.req.binding.subject.has_name', arg: 'required', desc: 'deprecated: always true, as in the plugin', extract: () => 'true' },
  { name: 'ka.req.configmap.name', desc: 'the target name (configmaps)', ...scalarAt('objectRef', 'name') },
  { name: 'ka.req.configmap.obj', desc: 'the data of a configmap in the request, as JSON', ...scalarAt('requestObject', 'data') },
  { name: 'ka.req.pod.containers.image', list: true, arg: 'optional', desc: 'the images of the pod containers', extract: (e, a) => everyOf(containersOf(e, a), 'image') },
  {
    name: 'ka.req.pod.containers.image.repository',
    list: true,
    arg: 'optional',
    desc: 'the image repositories of the pod containers',
    extract: (e, a) => {
      const images = everyOf(containersOf(e, a), 'image') as string[] | undefined;
      return images?.map(repositoryOf);
    },
  },
  { name: 'ka.req.container.image', desc: 'deprecated: the image of the first container', extract: (e) => (everyOf(containersOf(e, '0'), 'image') as string[] | undefined)?.[0] },
  {
    name: 'ka.req.container.image.repository',
    desc: 'deprecated: the repository of the first container',
    extract: (e) => {
      const image = (everyOf(containersOf(e, '0'), 'image') as string[] | undefined)?.[0];
      return image === undefined ? undefined : repositoryOf(image);
    },
  },
  { name: 'ka.req.pod.host_ipc', desc: 'hostIPC of the pod in the request', ...scalarAt('requestObject', 'spec', 'hostIPC') },
  { name: 'ka.req.pod.host_network', desc: 'hostNetwork of the pod in the request', ...scalarAt('requestObject', 'spec', 'hostNetwork') },
  { name: 'ka.req.container.host_network', desc: 'deprecated alias of ka.req.pod.host_network', ...scalarAt('requestObject', 'spec', 'hostNetwork') },
  { name: 'ka.req.pod.host_pid', desc: 'hostPID of the pod in the request', ...scalarAt('requestObject', 'spec', 'hostPID') },
  {
    name: 'ka.req.pod.containers.host_port',
    list: true,
    arg: 'optional',
    desc: 'the hostPort (else containerPort) of every container port',
    extract: (e, a) => {
      const containers = containersOf(e, a);
      if (!containers) return undefined;
      const out: string[] = [];
      for (const container of containers) {
        const ports = get(container, 'ports');
        if (!Array.isArray(ports)) return undefined;
        for (const port of ports) {
          const value = get(port, 'hostPort') ?? get(port, 'containerPort');
          if (value !== undefined) out.push(jsonText(value));
        }
      }
      return out;
    },
  },
  { name: 'ka.req.pod.containers.privileged', list: true, arg: 'optional', desc: 'securityContext.privileged of the containers that set it', extract: (e, a) => someOf(containersOf(e, a), 'securityContext', 'privileged') },
  {
    name: 'ka.req.container.privileged',
    desc: 'deprecated: true when any container is privileged',
    extract: (e) => {
      const containers = containersOf(e);
      if (!containers) return undefined;
      return containers.some((c) => get(c, 'securityContext', 'privileged') === true) ? 'true' : 'false';
    },
  },
  { name: 'ka.req.pod.containers.allow_privilege_escalation', list: true, arg: 'optional', desc: 'allowPrivilegeEscalation of every container', extract: (e, a) => everyOf(containersOf(e, a), 'securityContext', 'allowPrivilegeEscalation') },
  { name: 'ka.req.pod.containers.read_only_fs', list: true, arg: 'optional', desc: 'readOnlyRootFilesystem of every container', extract: (e, a) => everyOf(containersOf(e, a), 'securityContext', 'readOnlyRootFilesystem') },
  { name: 'ka.req.pod.run_as_user', desc: 'the pod runAsUser', ...scalarAt('requestObject', 'spec', 'securityContext', 'runAsUser') },
  { name: 'ka.req.pod.containers.run_as_user', list: true, arg: 'optional', desc: 'runAsUser of every container', extract: (e, a) => everyOf(containersOf(e, a), 'securityContext', 'runAsUser') },
  { name: 'ka.req.pod.containers.eff_run_as_user', list: true, arg: 'optional', desc: 'effective uid of every container (as the plugin computes it)', extract: (e, a) => effective(e, a, 'runAsUser') },
  { name: 'ka.req.pod.run_as_group', desc: 'the pod runAsGroup', ...scalarAt('requestObject', 'spec', 'securityContext', 'runAsGroup') },
  { name: 'ka.req.pod.containers.run_as_group', list: true, arg: 'optional', desc: 'runAsGroup of every container', extract: (e, a) => everyOf(containersOf(e, a), 'securityContext', 'runAsGroup') },
  { name: 'ka.req.pod.containers.eff_run_as_group', list: true, arg: 'optional', desc: 'effective gid of every container (as the plugin computes it)', extract: (e, a) => effective(e, a, 'runAsGroup') },
  { name: 'ka.req.pod.containers.proc_mount', list: true, arg: 'optional', desc: 'procMount of every container', extract: (e, a) => everyOf(containersOf(e, a), 'securityContext', 'procMount') },
  { name: 'ka.req.role.rules', list: true, desc: 'the rules of a role in the request, as JSON', ...listAt('requestObject', 'rules') },
  { name: 'ka.req.role.rules.apiGroups', list: true, arg: 'optional', desc: 'the apiGroups of the role rules', extract: (e, a) => rulesField(e, a, 'apiGroups') },
  { name: 'ka.req.role.rules.nonResourceURLs', list: true, arg: 'optional', desc: 'the nonResourceURLs of the role rules', extract: (e, a) => rulesField(e, a, 'nonResourceURLs') },
  { name: 'ka.req.role.rules.verbs', list: true, arg: 'optional', desc: 'the verbs of the role rules', extract: (e, a) => rulesField(e, a, 'verbs') },
  { name: 'ka.req.role.rules.resources', list: true, arg: 'optional', desc: 'the resources of the role rules', extract: (e, a) => rulesField(e, a, 'resources') },
  { name: 'ka.req.pod.fs_group', desc: 'the pod fsGroup', ...scalarAt('requestObject', 'spec', 'securityContext', 'fsGroup') },
  { name: 'ka.req.pod.supplemental_groups', list: true, desc: 'the pod supplementalGroups', ...listAt('requestObject', 'spec', 'securityContext', 'supplementalGroups') },
  { name: 'ka.req.pod.containers.add_capabilities', list: true, arg: 'optional', desc: 'capabilities.add of every container (each as JSON)', extract: (e, a) => everyOf(containersOf(e, a), 'securityContext', 'capabilities', 'add') },
  { name: 'ka.req.service.type', desc: 'the service type in the request', ...scalarAt('requestObject', 'spec', 'type') },
  { name: 'ka.req.service.ports', list: true, arg: 'optional', desc: 'the service ports (each as JSON)', extract: (e, a) => everyOf(arrayAt(e, a, 'requestObject', 'spec', 'ports')) },
  {
    name: 'ka.req.volume.hostpath',
    arg: 'required',
    desc: 'deprecated: "true" when a hostPath volume equals the argument (prefix when it ends in *)',
    extract: (e, arg) => {
      const paths = everyOf(arrayAt(e, undefined, 'requestObject', 'spec', 'volumes'), 'hostPath', 'path') as string[] | undefined;
      if (!paths || arg === undefined) return undefined;
      const prefix = arg.endsWith('*') ? arg.slice(0, -1) : undefined;
      return paths.some((path) => (prefix !== undefined && path.startsWith(prefix)) || path === arg) ? 'true' : 'false';
    },
  },
  { name: 'ka.req.pod.volumes.hostpath', list: true, arg: 'optional', desc: 'the hostPath paths of the pod volumes (unavailable when a volume is not hostPath, as in the plugin)', extract: (e, a) => everyOf(arrayAt(e, a, 'requestObject', 'spec', 'volumes'), 'hostPath', 'path') },
  { name: 'ka.req.pod.volumes.flexvolume_driver', list: true, arg: 'optional', desc: 'the flexVolume drivers of the pod volumes', extract: (e, a) => everyOf(arrayAt(e, a, 'requestObject', 'spec', 'volumes'), 'flexVolume', 'driver') },
  {
    name: 'ka.req.pod.volumes.volume_type',
    list: true,
    arg: 'optional',
    desc: 'the volume types of the pod volumes',
    extract: (e, a) => {
      const volumes = arrayAt(e, a, 'requestObject', 'spec', 'volumes');
      if (!volumes || !volumes.every(isRecord)) return undefined;
      return volumes.flatMap((volume) => Object.keys(volume as Record<string, unknown>).filter((key) => key !== 'name'));
    },
  },
  { name: 'ka.resp.name', desc: 'the name of the object in the response', ...scalarAt('responseObject', 'metadata', 'name') },
  { name: 'ka.response.code', desc: 'the HTTP response code', ...scalarAt('responseStatus', 'code') },
  { name: 'ka.response.reason', desc: 'the response reason (failures)', ...scalarAt('responseStatus', 'reason') },
  { name: 'ka.useragent', desc: 'the client user agent (client-provided, not trusted)', ...scalarAt('userAgent') },
  { name: 'ka.sourceips', list: true, desc: 'the source IPs (all but the last can be set by the client)', ...listAt('sourceIPs') },
]);

/** kubeward's additions: readings the plugin does not offer, named in the same style. */
const KUBEWARD_AUDIT_FIELDS = audit([
  { name: 'ka.time', desc: 'the event time (stageTimestamp, RFC 3339)', extract: (e) => e.timeText },
  { name: 'ka.level', desc: 'the audit level of the event', ...scalarAt('level') },
  { name: 'ka.target.apigroup', desc: 'the target API group ("" is core)', extract: (e) => scalar(e, 'objectRef', 'apiGroup') ?? (get((e as AuditEvent).raw, 'objectRef') ? '' : undefined) },
  { name: 'ka.user.uid', desc: 'the uid of the authenticated user', ...scalarAt('user', 'uid') },
  { name: 'ka.user.extra', list: true, arg: 'required', desc: 'a user.extra value list, e.g. ka.user.extra[authentication.kubernetes.io/node-name]', extract: (e, a) => list(e, 'user', 'extra', a ?? '') },
  { name: 'ka.user.sa.namespace', desc: 'the namespace of the service account that authenticated', extract: (e) => parseServiceAccountUsername(get((e as AuditEvent).raw, 'user', 'username'))?.namespace },
  { name: 'ka.user.sa.name', desc: 'the name of the service account that authenticated', extract: (e) => parseServiceAccountUsername(get((e as AuditEvent).raw, 'user', 'username'))?.name },
  {
    name: 'ka.user.pod.name',
    desc: 'the pod a bound service-account token was issued for (user.extra authentication.kubernetes.io/pod-name)',
    extract: (e) => {
      const value = get((e as AuditEvent).raw, 'user', 'extra', POD_NAME_EXTRA);
      return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
    },
  },
  { name: 'ka.impuser.groups', list: true, desc: 'the groups of the impersonated user', ...listAt('impersonatedUser', 'groups') },
  {
    name: 'ka.target.sa.username',
    desc: 'for serviceaccounts: the username its tokens authenticate as (system:serviceaccount:<ns>:<name>)',
    extract: (e) => {
      const raw = (e as AuditEvent).raw;
      if (get(raw, 'objectRef', 'resource') !== 'serviceaccounts') return undefined;
      const namespace = get(raw, 'objectRef', 'namespace');
      const name = get(raw, 'objectRef', 'name') ?? get(raw, 'responseObject', 'metadata', 'name') ?? get(raw, 'requestObject', 'metadata', 'name');
      return typeof namespace === 'string' && typeof name === 'string' ? serviceAccountUsername(namespace, name) : undefined;
    },
  },
  { name: 'ka.binding.role', desc: 'the role a binding refers to (response object first, so patches count)', extract: (e) => roleRefOf(e)?.name },
  { name: 'ka.binding.role.kind', desc: 'Role or ClusterRole', extract: (e) => roleRefOf(e)?.kind },
  { name: 'ka.binding.role.risk', list: true, desc: 'what the bound role grants an attacker: cluster-admin, wildcard, secrets, escalate', extract: (e) => bindingRisks(e as AuditEvent) },
  {
    name: 'ka.req.role.aggregate_to',
    list: true,
    desc: 'for a ClusterRole created, updated or patched: the aggregated ClusterRoles its labels feed (view, edit, admin by the aggregate-to-* labels; with --cluster, any aggregationRule of the cluster; and any aggregationRule the log showed created or changed before)',
    extract: (e) => aggregationOf(e as AuditEvent)?.targets.map((role) => role.name),
  },
  {
    name: 'ka.req.role.risk',
    list: true,
    desc: "for a ClusterRole created, updated or patched: the RBAC engine's risk ids of its rules (rbac-read-secrets, rbac-pod-exec, rbac-nodes-proxy, rbac-token-request, rbac-escalate, rbac-bind, rbac-impersonate, …, as kubeward rbac names them), plus what each aggregated ClusterRole it feeds gains by it",
    extract: (e) => {
      const found = aggregationOf(e as AuditEvent);
      return found && aggregatedRoleRisks(found.write.rules, found.targets);
    },
  },
  { name: 'ka.target.ref', desc: 'the target for people: resource[/subresource] [namespace/]name (* for a collection)', extract: (e) => targetRef((e as AuditEvent).raw) },
  {
    name: 'ka.privesc.attempt',
    desc: 'the privilege-escalation technique the request attempts, allowed or forbidden: binding-change, role-change, bind, escalate, read-cluster-admin, impersonate, token-for-other-serviceaccount',
    extract: (e) => privilegeAttempt(e as AuditEvent),
  },
  {
    name: 'ka.user.sa.age',
    type: 'number',
    desc: 'seconds since the authenticated ServiceAccount was created, when the log showed its creation',
    extract: (e) => {
      const username = get((e as AuditEvent).raw, 'user', 'username');
      return typeof username === 'string' ? e.context?.serviceAccountAge(username, e.time) : undefined;
    },
  },
  { name: 'ka.req.pod.images', list: true, desc: 'the images of all containers (init, regular, ephemeral)', extract: (e) => allPodContainers(e).map((c) => (typeof c.image === 'string' ? c.image : '')) },
  { name: 'ka.req.pod.privileged', desc: '"true" when any container (init, regular, ephemeral) is privileged', extract: (e) => (get((e as AuditEvent).raw, 'requestObject', 'spec') === undefined ? undefined : String(allPodContainers(e).some((c) => get(c, 'securityContext', 'privileged') === true))) },
  { name: 'ka.req.pod.hostpaths', list: true, desc: 'the hostPath paths of the pod volumes (volumes of other types are skipped)', extract: (e) => pathsOfHostVolumes(e) },
]);

/** The Falco json plugin's fields (and their older jevt.* names). */
const JSON_FIELDS = audit(
  ['jevt', 'json'].flatMap((prefix) => [
    {
      name: `${prefix}.value`,
      arg: 'required' as const,
      desc: 'the value at a JSON pointer (RFC 6901), as a string',
      extract: (e: DetectEvent, arg: string | undefined) => {
        const value = jsonPointer((e as AuditEvent).raw, arg ?? '');
        return value === undefined ? undefined : jsonText(value);
      },
    },
    { name: `${prefix}.obj`, desc: 'the whole event as JSON', extract: (e: DetectEvent) => jsonText((e as AuditEvent).raw) },
    { name: `${prefix}.rawtime`, desc: 'the event time in ns since the epoch', extract: (e: DetectEvent) => `${BigInt(Math.round(e.time)) * 1_000_000n}` },
  ]),
);

/** The generic event fields Falco offers for plugin sources. */
const GENERIC_EVENT_FIELDS = audit([
  { name: 'evt.time', desc: 'the event time (RFC 3339)', extract: (e) => e.timeText },
  { name: 'evt.rawtime', desc: 'the event time in ns since the epoch', extract: (e) => `${BigInt(Math.round(e.time)) * 1_000_000n}` },
  { name: 'evt.source', desc: 'the event source (k8s_audit)', extract: () => 'k8s_audit' },
]);

export const AUDIT_FIELDS: readonly FieldDef[] = [...K8SAUDIT_FIELDS, ...KUBEWARD_AUDIT_FIELDS, ...JSON_FIELDS, ...GENERIC_EVENT_FIELDS];

export type FieldTable = ReadonlyMap<string, FieldDef>;

export function fieldTable(defs: readonly FieldDef[]): FieldTable {
  return new Map(defs.map((def) => [def.name, def]));
}

/** The fields of each event source: what a rule of that source may read. */
export const FIELD_TABLES: Readonly<Record<EventSource, FieldTable>> = {
  audit: fieldTable(AUDIT_FIELDS),
  dns: fieldTable(DNS_FIELDS),
  flow: fieldTable(FLOW_FIELDS),
};
