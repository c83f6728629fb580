import { isRecord, valueKind, type KubeObject, type ObjectMeta } from './object.js';
import { samePath, type PathSegment } from './provenance.js';

/** The fields of a PodSpec that kubeward reads; everything else stays reachable as unknown. */
export interface PodSpec {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Record<string, unknown>[];
  securityContext?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface Container {
  name?: string;
  image?: string;
  restartPolicy?: string;
  securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    [field: string]: unknown;
  };
  ports?: { name?: string; containerPort?: number; protocol?: string; hostPort?: number }[];
  env?: Record<string, unknown>[];
  [field: string]: unknown;
}

/** The pod template of a workload: its spec, its metadata (labels that selectors see) and where it sits. */
export interface PodTemplate {
  spec: PodSpec;
  metadata: ObjectMeta;
  /** Path from the object's root to the PodSpec, e.g. `['spec','template','spec']`. */
  specPath: PathSegment[];
  /** Path from the object's root to the pod template (the PodSpec's parent), e.g. `['spec','template']`; empty for a Pod. */
  podPath: readonly PathSegment[];
}

export type ContainerKind = 'container' | 'initContainer' | 'sidecar' | 'ephemeralContainer';

const CONTAINER_KIND_WORDS: Record<ContainerKind, string> = { container: 'container', initContainer: 'init container', sidecar: 'native sidecar', ephemeralContainer: 'ephemeral container' };

/** `native sidecar "collector"`: a container as messages name it. */
export function describeContainer(ref: { kind: ContainerKind; container: { name?: string } }): string {
  return `${CONTAINER_KIND_WORDS[ref.kind]} "${ref.container.name ?? ''}"`;
}

export interface ContainerRef {
  container: Container;
  /** `sidecar` is an init container with `restartPolicy: Always` (native sidecar, Kubernetes 1.28+). */
  kind: ContainerKind;
  /** Path from the object's root to the container, for field-level locations. */
  path: PathSegment[];
}

/** Where each workload kind keeps its pod template (PodSpec and its metadata); shared by every template of the kind (`podPath`), so frozen. */
const TEMPLATE_PATHS: Record<string, readonly PathSegment[]> = {
  Pod: Object.freeze([]),
  Deployment: Object.freeze(['spec', 'template']),
  StatefulSet: Object.freeze(['spec', 'template']),
  DaemonSet: Object.freeze(['spec', 'template']),
  ReplicaSet: Object.freeze(['spec', 'template']),
  ReplicationController: Object.freeze(['spec', 'template']),
  Job: Object.freeze(['spec', 'template']),
  CronJob: Object.freeze(['spec', 'jobTemplate', 'spec', 'template']),
  PodTemplate: Object.freeze(['template']),
};

export const WORKLOAD_KINDS: readonly string[] = Object.keys(TEMPLATE_PATHS).filter((kind) => kind !== 'PodTemplate');

export function isWorkload(object: KubeObject): boolean {
  return WORKLOAD_KINDS.includes(object.kind) && podTemplateOf(object) !== undefined;
}

/** The node namespaces a pod spec shares (`hostPID`, `hostNetwork`, `hostIPC` set to true), in that order. */
export function hostNamespacesOf(spec: Record<string, unknown> | undefined): ('hostPID' | 'hostNetwork' | 'hostIPC')[] {
  return (['hostPID', 'hostNetwork', 'hostIPC'] as const).filter((field) => spec?.[field] === true);
}

/**
 * Every rule and engine of a scan asks for the same workloads' pod templates and containers: each is
 * read once per object and shared. Objects are never mutated after load (see KubeObject), so what
 * was read stays true; callers must not change the templates and container lists they get.
 */
interface ObjectReading {
  template: PodTemplate | undefined;
  /** Read on the first containersOf. */
  containers?: ContainerRef[];
}

const readings = new WeakMap<KubeObject, ObjectReading>();

/**
 * The object asked about last, and what was read of it: a scan's rules ask about one object after
 * another, each rule several times (a workload's template ~70 times a scan), so most questions are
 * answered by one comparison instead of a WeakMap lookup. Holds on to that one object until another
 * is asked about.
 */
let lastObject: KubeObject | undefined;
let lastReading: ObjectReading = { template: undefined };

function readingOf(object: KubeObject): ObjectReading {
  if (object === lastObject) return lastReading;
  let reading = readings.get(object);
  if (!reading) {
    reading = { template: readPodTemplate(object) };
    readings.set(object, reading);
  }
  lastObject = object;
  lastReading = reading;
  return reading;
}

/** The pod template of a Pod or pod controller, or undefined for any other object. */
export function podTemplateOf(object: KubeObject): PodTemplate | undefined {
  return readingOf(object).template;
}

function readPodTemplate(object: KubeObject): PodTemplate | undefined {
  const templatePath = TEMPLATE_PATHS[object.kind];
  if (!templatePath) return undefined;
  let node: unknown = object;
  for (const segment of templatePath) {
    if (!isRecord(node)) return undefined;
    node = node[segment as string];
  }
  if (!isRecord(node) || !isRecord(node.spec)) return undefined;
  const metadata = isRecord(node.metadata) ? (node.metadata as ObjectMeta) : {};
  return { spec: node.spec as PodSpec, metadata, specPath: [...templatePath, 'spec'], podPath: templatePath };
}

/** Every container of a workload: init containers (and native sidecars), containers, ephemeral containers. */
export function containersOf(object: KubeObject): ContainerRef[] {
  const reading = readingOf(object);
  return (reading.containers ??= reading.template ? podContainers(reading.template) : []);
}

/**
 * Every container of a pod spec, in upstream's visitContainers order (init containers and native
 * sidecars, containers, ephemeral containers), with paths from the object's root when the pod says
 * where it sits (`podPath`; a PodTemplate does), else from the pod. Read once per spec and shared: the
 * rules (containersOf) and the Pod Security checks (visitContainers) walk the same list.
 */
export function podContainers(pod: { spec: PodSpec; podPath?: readonly PathSegment[] }): ContainerRef[] {
  const podPath = pod.podPath ?? NO_PATH;
  // The spec asked about last first (the Pod Security checks a rule asks for visit one pod after another), as readingOf does.
  let known = pod.spec === lastSpec ? lastSpecContainers : podContainerLists.get(pod.spec);
  if (!known || (known.podPath !== podPath && !samePath(known.podPath, podPath))) {
    known = { podPath, refs: readContainers(pod.spec, podPath) };
    podContainerLists.set(pod.spec, known);
  }
  lastSpec = pod.spec;
  lastSpecContainers = known;
  return known.refs;
}

let lastSpec: PodSpec | undefined;
let lastSpecContainers: { podPath: readonly PathSegment[]; refs: ContainerRef[] } | undefined;

/** A spec's containers, and the pod path they were read with (a spec belongs to one object, so it is nearly always the same). */
const podContainerLists = new WeakMap<PodSpec, { podPath: readonly PathSegment[]; refs: ContainerRef[] }>();

const NO_PATH: readonly PathSegment[] = Object.freeze([]);

function readContainers(spec: PodSpec, podPath: readonly PathSegment[]): ContainerRef[] {
  const refs: ContainerRef[] = [];
  const add = (field: 'initContainers' | 'containers' | 'ephemeralContainers', kindOf: (c: Container) => ContainerKind) => {
    const list = spec[field];
    if (!Array.isArray(list)) return;
    list.forEach((container, index) => {
      if (isRecord(container)) refs.push({ container, kind: kindOf(container), path: [...podPath, 'spec', field, index] });
    });
  };
  add('initContainers', (c) => (c.restartPolicy === 'Always' ? 'sidecar' : 'initContainer'));
  add('containers', () => 'container');
  add('ephemeralContainers', () => 'ephemeralContainer');
  return refs;
}

/**
 * The ServiceAccount a workload runs as, as the ServiceAccount admission plugin sets it:
 * `serviceAccountName`, else the deprecated `serviceAccount`, else `default`.
 */
export function serviceAccountOf(spec: PodSpec): string {
  // a name that is not a string (`serviceAccountName: 7`) is refused by the API server: unset here, never read as text
  const { serviceAccountName: name, serviceAccount: deprecated } = spec as { serviceAccountName?: unknown; serviceAccount?: unknown };
  if (typeof name === 'string' && name !== '') return name;
  return typeof deprecated === 'string' && deprecated !== '' ? deprecated : 'default';
}

/** The owner reference marked `controller: true` (a Pod's ReplicaSet, a ReplicaSet's Deployment), if any. */
export function controllerOf(object: KubeObject): { kind: string; name: string } | undefined {
  const owners = object.metadata.ownerReferences;
  if (!Array.isArray(owners)) return undefined;
  const owner = owners.find((entry) => isRecord(entry) && entry.controller === true);
  if (!isRecord(owner) || typeof owner.name !== 'string') return undefined;
  return { kind: typeof owner.kind === 'string' ? owner.kind : '', name: owner.name };
}

/**
 * Is this workload run by a controller that is itself in the inventory (a Pod of a ReplicaSet of a
 * Deployment)? Rules check the controller only, so a cluster dump does not report one problem three times.
 */
export function hasControllerIn(object: KubeObject, inventory: { get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined }): boolean {
  const owner = controllerOf(object);
  return !!owner && WORKLOAD_KINDS.includes(owner.kind) && inventory.get(owner.kind, object.metadata.namespace, owner.name) !== undefined;
}

/**
 * Whether the ServiceAccount token is mounted into the pod: the pod's `automountServiceAccountToken`
 * wins when set, else the ServiceAccount's, else true (the API server's default).
 */
export function tokenAutomounted(spec: PodSpec, serviceAccount: KubeObject | undefined): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  const fromAccount = serviceAccount?.automountServiceAccountToken;
  if (typeof fromAccount === 'boolean') return fromAccount;
  return true;
}

/** The shape the API server requires of a field kubeward reads: a scalar type, a mapping of known fields, or a list of one shape. */
type Shape = 'string' | 'boolean' | 'integer' | { mapping: readonly (readonly [field: string, shape: Shape])[] } | { list: Shape };

const mapping = (fields: Record<string, Shape>): Shape => ({ mapping: Object.entries(fields) });
const SECURITY_CONTEXT_FIELDS: Record<string, Shape> = { runAsNonRoot: 'boolean', runAsUser: 'integer', runAsGroup: 'integer', seccompProfile: mapping({ type: 'string' }) };
const CONTAINER_SHAPE = mapping({
  name: 'string',
  image: 'string',
  command: { list: 'string' },
  args: { list: 'string' },
  env: { list: mapping({ name: 'string' }) },
  envFrom: { list: mapping({}) },
  ports: { list: mapping({ containerPort: 'integer', hostPort: 'integer' }) },
  volumeMounts: { list: mapping({ name: 'string', mountPath: 'string' }) },
  resources: mapping({ limits: mapping({}), requests: mapping({}) }),
  securityContext: mapping({
    ...SECURITY_CONTEXT_FIELDS,
    privileged: 'boolean',
    allowPrivilegeEscalation: 'boolean',
    readOnlyRootFilesystem: 'boolean',
    capabilities: mapping({ add: { list: 'string' }, drop: { list: 'string' } }),
  }),
});
const POD_SPEC_SHAPE = mapping({
  containers: { list: CONTAINER_SHAPE },
  initContainers: { list: CONTAINER_SHAPE },
  ephemeralContainers: { list: CONTAINER_SHAPE },
  volumes: { list: mapping({ name: 'string' }) },
  securityContext: mapping(SECURITY_CONTEXT_FIELDS),
  serviceAccountName: 'string',
  serviceAccount: 'string',
  automountServiceAccountToken: 'boolean',
  hostNetwork: 'boolean',
  hostPID: 'boolean',
  hostIPC: 'boolean',
});

export interface MistypedField {
  path: PathSegment[];
  found: string;
  expected: string;
}

/**
 * The fields of a workload's pod template that kubeward reads and that hold the wrong type
 * (`containers: 5`, `containers: [5]`, `initContainers: {}`, `volumes: "x"`, `securityContext: []`,
 * `privileged: "true"`, a `template` that is a string): the API server refuses such an object, and the
 * checks read the field as absent, so the loaders warn. Paths from the object's root, at most `most`.
 * Read at every load: one path, grown and shrunk as the walk goes, is copied only for a mistake.
 */
export function mistypedPodFields(object: KubeObject, most = 3): MistypedField[] {
  const templatePath = TEMPLATE_PATHS[object.kind];
  if (!templatePath) return [];
  // the way down to the pod spec: every step a mapping
  let node: unknown = object;
  const path: PathSegment[] = [];
  for (const segment of [...templatePath, 'spec']) {
    const next: unknown = (node as Record<string, unknown>)[segment];
    path.push(segment);
    if (next === undefined || next === null) return [];
    if (!isRecord(next)) return [{ path, found: valueKind(next), expected: 'a mapping' }];
    node = next;
  }
  const found: MistypedField[] = [];
  visitShape(node, POD_SPEC_SHAPE, path, found, most);
  return found;
}

function visitShape(value: unknown, shape: Shape, path: PathSegment[], found: MistypedField[], most: number): void {
  // null is absent, as Go decodes it (a field a template left empty)
  if (value === null || value === undefined || found.length >= most) return;
  if (typeof shape === 'string') {
    if (shape === 'integer' ? !Number.isInteger(value) : typeof value !== shape) found.push({ path: [...path], found: valueKind(value), expected: shape === 'integer' ? 'a whole number' : `a ${shape}` });
    return;
  }
  if ('list' in shape) {
    if (!Array.isArray(value)) {
      found.push({ path: [...path], found: valueKind(value), expected: 'a list' });
      return;
    }
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      visitShape(value[index], shape.list, path, found, most);
      path.pop();
    }
    return;
  }
  if (!isRecord(value)) {
    found.push({ path: [...path], found: valueKind(value), expected: 'a mapping' });
    return;
  }
  for (const [field, fieldShape] of shape.mapping) {
    const fieldValue = value[field];
    if (fieldValue === undefined) continue;
    path.push(field);
    visitShape(fieldValue, fieldShape, path, found, most);
    path.pop();
  }
}
