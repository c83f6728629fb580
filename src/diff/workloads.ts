/**
 * What changes in the pods a new version runs: workloads and containers added, removed or changed in
 * the fields that matter for security (image, command, security context, host namespaces, volumes,
 * environment names, the ServiceAccount), the images and registries they pull from, the Helm hooks,
 * and which containers hold a ServiceAccount token. Environment values are never shown: a literal
 * value may be a credential.
 */
import { helmHooksOf, selfDeletingPolicies } from '../core/hooks.js';
import { parseImage } from '../core/image.js';
import type { Inventory } from '../core/inventory.js';
import { apiGroupOf, isRecord, refOf, type KubeObject, type ObjectRef } from '../core/object.js';
import { tokenHolders, type TokenSource } from '../core/tokens.js';
import { containersOf, hasControllerIn, isWorkload, podTemplateOf, serviceAccountOf, type Container, type ContainerKind } from '../core/workload.js';

/** One field of one object that differs: `before`/`after` absent when the field (or container) is new or gone. */
export interface FieldChange {
  field: string;
  before?: string;
  after?: string;
}

export interface ObjectChange {
  object: ObjectRef;
  change: 'added' | 'removed' | 'changed';
  fields: FieldChange[];
}

export interface ImageChange {
  object: ObjectRef;
  container: string;
  before?: string;
  after?: string;
}

export interface TokenChange {
  object: ObjectRef;
  container: string;
  change: 'gained' | 'lost';
  /** `ServiceAccount shop/web via automount at /var/run/…`, or a node credential path. */
  token: string;
}

export interface WorkloadChanges {
  containers: ObjectChange[];
  images: ImageChange[];
  registries: { added: string[]; removed: string[] };
  hooks: ObjectChange[];
  tokens: TokenChange[];
}

const MAX_VALUE = 200;

/** A value as a short line: strings as they are, anything else as compact JSON, cut at 200 characters. */
function show(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function compare(fields: FieldChange[], field: string, before: unknown, after: unknown): void {
  const a = show(before);
  const b = show(after);
  if (a === b) return;
  const change: FieldChange = { field };
  if (a !== undefined) change.before = a;
  if (b !== undefined) change.after = b;
  fields.push(change);
}

function objectKey(object: KubeObject | ObjectRef): string {
  const ref = 'metadata' in object ? refOf(object) : object;
  return `${apiGroupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** Workloads as rules see them: not the Pods whose controller is also in the sources. */
function workloads(inventory: Inventory): Map<string, KubeObject> {
  return new Map(inventory.objects.filter((object) => isWorkload(object) && !hasControllerIn(object, inventory)).map((object) => [objectKey(object), object]));
}

const LIST_OF: Record<ContainerKind, string> = { container: 'containers', initContainer: 'initContainers', sidecar: 'initContainers', ephemeralContainer: 'ephemeralContainers' };

function containerMap(object: KubeObject): Map<string, Container> {
  return new Map(containersOf(object).map(({ container, kind }) => [`${LIST_OF[kind]}[name=${container.name}]`, container]));
}

/** An env entry as shown: its source, never a literal value. */
function envText(entry: Record<string, unknown>): string {
  if (isRecord(entry.valueFrom)) {
    const from = entry.valueFrom;
    if (isRecord(from.secretKeyRef)) return `from Secret ${from.secretKeyRef.name} key ${from.secretKeyRef.key}`;
    if (isRecord(from.configMapKeyRef)) return `from ConfigMap ${from.configMapKeyRef.name} key ${from.configMapKeyRef.key}`;
    if (isRecord(from.fieldRef)) return `from field ${from.fieldRef.fieldPath}`;
    return 'from a reference';
  }
  return 'a literal value';
}

function envFields(fields: FieldChange[], at: string, before: Container | undefined, after: Container | undefined): void {
  const entries = (container: Container | undefined) =>
    new Map((Array.isArray(container?.env) ? container.env : []).filter(isRecord).map((entry) => [String(entry.name), entry]));
  const old = entries(before);
  const now = entries(after);
  for (const [name, entry] of now) {
    const previous = old.get(name);
    if (!previous) compare(fields, `${at}.env[name=${name}]`, undefined, envText(entry));
    else if (JSON.stringify(previous) !== JSON.stringify(entry)) {
      const same = envText(previous) === envText(entry);
      fields.push({ field: `${at}.env[name=${name}]`, before: envText(previous), after: same ? (envText(entry) === 'a literal value' ? 'another literal value' : `${envText(entry)}, changed`) : envText(entry) });
    }
  }
  for (const [name, entry] of old) if (!now.has(name)) compare(fields, `${at}.env[name=${name}]`, envText(entry), undefined);
}

function containerFields(fields: FieldChange[], at: string, before: Container | undefined, after: Container | undefined): void {
  for (const key of ['image', 'command', 'args', 'securityContext', 'envFrom', 'volumeMounts', 'ports', 'restartPolicy'] as const) {
    // A container added or removed is headed by its image already.
    if (key === 'image' && (!before || !after)) continue;
    compare(fields, `${at}.${key}`, before?.[key], after?.[key]);
  }
  envFields(fields, at, before, after);
}

/** The security-relevant fields of a pod template, compared one by one. */
function podFields(before: KubeObject, after: KubeObject): FieldChange[] {
  const fields: FieldChange[] = [];
  const a = podTemplateOf(before)!.spec;
  const b = podTemplateOf(after)!.spec;
  compare(fields, 'serviceAccountName', serviceAccountOf(a), serviceAccountOf(b));
  for (const key of ['automountServiceAccountToken', 'hostNetwork', 'hostPID', 'hostIPC', 'hostUsers', 'shareProcessNamespace', 'securityContext', 'dnsPolicy', 'dnsConfig', 'hostAliases', 'nodeName', 'priorityClassName', 'runtimeClassName'] as const) {
    compare(fields, key, a[key], b[key]);
  }
  const volumes = (spec: typeof a) => new Map((Array.isArray(spec.volumes) ? spec.volumes : []).filter(isRecord).map((volume) => [String(volume.name), volume]));
  const oldVolumes = volumes(a);
  const newVolumes = volumes(b);
  for (const name of new Set([...oldVolumes.keys(), ...newVolumes.keys()])) compare(fields, `volumes[name=${name}]`, oldVolumes.get(name), newVolumes.get(name));
  const oldContainers = containerMap(before);
  const newContainers = containerMap(after);
  for (const at of new Set([...oldContainers.keys(), ...newContainers.keys()])) {
    const previous = oldContainers.get(at);
    const current = newContainers.get(at);
    if (!previous || !current) fields.push({ field: at, ...(previous ? { before: `image ${previous.image}` } : {}), ...(current ? { after: `image ${current.image}` } : {}) });
    containerFields(fields, at, previous, current);
  }
  return fields;
}

function imageChanges(before: KubeObject | undefined, after: KubeObject | undefined): ImageChange[] {
  const object = refOf((after ?? before)!);
  const old = before ? containerMap(before) : new Map<string, Container>();
  const now = after ? containerMap(after) : new Map<string, Container>();
  const changes: ImageChange[] = [];
  for (const at of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(at)?.image;
    const b = now.get(at)?.image;
    if (a === b) continue;
    const change: ImageChange = { object, container: at.replace(/^.*\[name=(.*)\]$/, '$1') };
    if (typeof a === 'string') change.before = a;
    if (typeof b === 'string') change.after = b;
    changes.push(change);
  }
  return changes;
}

function registriesOf(inventory: Inventory): Set<string> {
  const registries = new Set<string>();
  for (const object of inventory.objects) {
    if (!isWorkload(object)) continue;
    for (const { container } of containersOf(object)) if (typeof container.image === 'string' && container.image) registries.add(parseImage(container.image).registry);
  }
  return registries;
}

/** A token source in words: whose token, how it gets there, where the container finds it. */
function tokenText(object: KubeObject, source: TokenSource): string {
  if (source.kind === 'host-path') return `node credentials from hostPath ${source.hostPath} (${source.hostCredentials === 'pod-tokens' ? 'every pod token on the node' : 'the node\'s own credentials'}) at ${source.where}`;
  const account = `ServiceAccount ${object.metadata.namespace}/${source.serviceAccount}`;
  const audience = source.apiServer ? '' : ` (audience ${source.audience}, not the API server)`;
  return `${account} via ${source.kind === 'automount' ? 'automount' : source.kind === 'projected' ? `projected volume ${source.volume}` : `Secret ${source.secret}`} at ${source.where}${audience}`;
}

function tokensOf(object: KubeObject | undefined, inventory: Inventory): Map<string, Set<string>> {
  const tokens = new Map<string, Set<string>>();
  if (!object) return tokens;
  for (const holder of tokenHolders(object, inventory)) tokens.set(String(holder.ref.container.name), new Set(holder.tokens.map((source) => tokenText(object, source))));
  return tokens;
}

function tokenChanges(before: KubeObject | undefined, beforeInventory: Inventory, after: KubeObject | undefined, afterInventory: Inventory): TokenChange[] {
  const object = refOf((after ?? before)!);
  const old = tokensOf(before, beforeInventory);
  const now = tokensOf(after, afterInventory);
  const changes: TokenChange[] = [];
  for (const [container, tokens] of now) for (const token of tokens) if (!old.get(container)?.has(token)) changes.push({ object, container, change: 'gained', token });
  for (const [container, tokens] of old) for (const token of tokens) if (!now.get(container)?.has(token)) changes.push({ object, container, change: 'lost', token });
  return changes;
}

/** An object as hooks compare it: without labels (the chart version is in them) and with only Helm's hook annotations. */
function hookShape(object: KubeObject): string {
  const annotations = Object.fromEntries(Object.entries(object.metadata.annotations ?? {}).filter(([key]) => key.startsWith('helm.sh/hook')));
  const { labels: _labels, annotations: _annotations, ...metadata } = object.metadata;
  return JSON.stringify({ ...object, metadata: { ...metadata, annotations } });
}

function hookFields(object: KubeObject): string {
  const deletes = selfDeletingPolicies(object);
  return `${helmHooksOf(object).join(',')}${deletes.length ? `, deletes itself (${deletes.join(',')})` : ''}`;
}

function hookChanges(before: Inventory, after: Inventory): ObjectChange[] {
  const hooks = (inventory: Inventory) => new Map(inventory.objects.filter((object) => helmHooksOf(object).length > 0).map((object) => [objectKey(object), object]));
  const old = hooks(before);
  const now = hooks(after);
  const changes: ObjectChange[] = [];
  for (const [key, object] of now) {
    const previous = old.get(key);
    if (!previous) changes.push({ object: refOf(object), change: 'added', fields: [{ field: 'helm.sh/hook', after: hookFields(object) }] });
    else if (hookShape(previous) !== hookShape(object)) {
      const fields: FieldChange[] = [];
      compare(fields, 'helm.sh/hook', hookFields(previous), hookFields(object));
      if (isWorkload(object) && isWorkload(previous)) fields.push(...podFields(previous, object));
      if (!fields.length) fields.push({ field: 'spec', before: 'as before', after: 'changed' });
      changes.push({ object: refOf(object), change: 'changed', fields });
    }
  }
  for (const [key, object] of old) if (!now.has(key)) changes.push({ object: refOf(object), change: 'removed', fields: [{ field: 'helm.sh/hook', before: hookFields(object) }] });
  return changes;
}

export function workloadChanges(before: Inventory, after: Inventory): WorkloadChanges {
  const old = workloads(before);
  const now = workloads(after);
  const containers: ObjectChange[] = [];
  const images: ImageChange[] = [];
  const tokens: TokenChange[] = [];
  for (const [key, object] of now) {
    const previous = old.get(key);
    if (!previous) {
      containers.push({ object: refOf(object), change: 'added', fields: containersOf(object).map(({ container, kind }) => ({ field: `${LIST_OF[kind]}[name=${container.name}]`, after: `image ${container.image}` })) });
    } else {
      const fields = podFields(previous, object);
      if (fields.length) containers.push({ object: refOf(object), change: 'changed', fields });
    }
    images.push(...imageChanges(previous, object));
    tokens.push(...tokenChanges(previous, before, object, after));
  }
  for (const [key, object] of old) {
    if (now.has(key)) continue;
    containers.push({ object: refOf(object), change: 'removed', fields: [] });
    images.push(...imageChanges(object, undefined));
    tokens.push(...tokenChanges(object, before, undefined, after));
  }
  const oldRegistries = registriesOf(before);
  const newRegistries = registriesOf(after);
  return {
    containers,
    images,
    registries: { added: [...newRegistries].filter((registry) => !oldRegistries.has(registry)).sort(), removed: [...oldRegistries].filter((registry) => !newRegistries.has(registry)).sort() },
    hooks: hookChanges(before, after),
    tokens,
  };
}

