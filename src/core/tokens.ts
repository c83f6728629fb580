/**
 * Who holds a ServiceAccount token: for each container of a pod template, every way it can present
 * one to the API server (or read the tokens of other pods). The one answer rules, the RBAC findings
 * and detection share, so "this sidecar holds the token" means the same everywhere.
 *
 * - `automount`: the ServiceAccount admission plugin mounts the pod's token at
 *   /var/run/secrets/kubernetes.io/serviceaccount into every init container (native sidecars
 *   included) and container, unless the container already mounts something at that path, when
 *   `automountServiceAccountToken` resolves to true (pod over ServiceAccount, default true).
 *   Ephemeral containers get it only by mounting the volume themselves.
 * - `projected`: a `projected` volume with a `serviceAccountToken` source carries the pod's token
 *   whatever automount says. With an `audience` other than the API server's it is a credential for
 *   that audience (Vault, a cloud's STS), which the API server refuses.
 * - `secret`: a `kubernetes.io/service-account-token` Secret of the inventory, mounted (a `secret`
 *   volume or projected source) or read into an environment variable: a long-lived token for the
 *   account the Secret names, which need not be the pod's.
 * - `host-path`: a hostPath volume over the kubelet's pod directory holds the tokens of every pod on
 *   the node; over the kubelet's or the node's configuration, the node's own credentials.
 */
import { isRecord, type KubeObject } from './object.js';
import type { PathSegment } from './provenance.js';
import { containersOf, podTemplateOf, serviceAccountOf, tokenAutomounted, type Container, type ContainerRef, type PodSpec } from './workload.js';

/** Where the admission plugin mounts the token (`DefaultAPITokenMountPath`). */
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SERVICE_ACCOUNT_TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';
const SECRET_ACCOUNT_ANNOTATION = 'kubernetes.io/service-account.name';

export type TokenSourceKind = 'automount' | 'projected' | 'secret' | 'host-path';

/** What a hostPath over node directories exposes. */
export type HostCredentials = 'pod-tokens' | 'node-credentials';

export interface TokenSource {
  kind: TokenSourceKind;
  /** The ServiceAccount whose token it is (in the workload's namespace); absent for host paths. */
  serviceAccount?: string;
  /** Whether the API server accepts it: false for a projected token bound to another audience. */
  apiServer: boolean;
  /** Where the container finds it: a mount path, or `env NAME`. */
  where: string;
  /** Path from the object's root to the field that gives it (the volume mount or env entry); for automount, the pod spec. */
  path: PathSegment[];
  volume?: string;
  audience?: string;
  secret?: string;
  hostPath?: string;
  hostCredentials?: HostCredentials;
  /**
   * Host paths: where, inside the container, the credential directories are (the mount path and the
   * rest of the directory's path): `/host/root/var/lib/kubelet/pods` for the node's `/` at `/host/root`.
   * Naming them in a command reads the tokens; naming the mount path alone (`--path.rootfs=/host/root`) does not.
   */
  credentialsAt?: string[];
}

export interface TokenHolder {
  ref: ContainerRef;
  tokens: TokenSource[];
}

interface ObjectLookup {
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
}

/**
 * Host directories whose files are credentials: the kubelet keeps every pod's projected token under
 * /var/lib/kubelet/pods, its client certificate under /var/lib/kubelet/pki, and kubeadm nodes keep
 * kubelet.conf (and on control-plane nodes admin.conf) in /etc/kubernetes. A hostPath at or above
 * one of them exposes it.
 */
const HOST_CREDENTIAL_DIRECTORIES: readonly { path: string; exposes: HostCredentials }[] = [
  { path: '/var/lib/kubelet/pods', exposes: 'pod-tokens' },
  { path: '/var/lib/kubelet/pki', exposes: 'node-credentials' },
  { path: '/etc/kubernetes', exposes: 'node-credentials' },
];

/** Every container of the workload that can present a token, with how; containers without one are left out. */
export function tokenHolders(object: KubeObject, inventory: ObjectLookup): TokenHolder[] {
  const template = podTemplateOf(object);
  if (!template) return [];
  const { spec, specPath } = template;
  const namespace = object.metadata.namespace;
  const account = serviceAccountOf(spec);
  const automount = tokenAutomounted(spec, inventory.get('ServiceAccount', namespace, account));
  // Read when a container mounts a volume: many pods have none.
  let volumes: Map<string, { value: Record<string, unknown> }> | undefined;
  const holders: TokenHolder[] = [];
  for (const ref of containersOf(object)) {
    const tokens: TokenSource[] = [];
    const mounts = volumeMountsOf(ref.container);
    if (mounts.length) volumes ??= volumesByName(spec);
    if (automount && ref.kind !== 'ephemeralContainer' && !mounts.some((mount) => normalizePath(mount.mountPath) === TOKEN_MOUNT_PATH)) {
      tokens.push({ kind: 'automount', serviceAccount: account, apiServer: true, where: TOKEN_MOUNT_PATH, path: specPath });
    }
    mounts.forEach((mount, index) => {
      const volume = volumes?.get(mount.name);
      if (!volume) return;
      const path = [...ref.path, 'volumeMounts', index];
      tokens.push(...volumeTokens(volume.value, mount, path, account, namespace, inventory));
    });
    envTokens(ref, namespace, inventory, tokens);
    if (tokens.length) holders.push({ ref, tokens });
  }
  return holders;
}

function volumeTokens(volume: Record<string, unknown>, mount: { name: string; mountPath: string; subPath?: string }, path: PathSegment[], account: string, namespace: string | undefined, inventory: ObjectLookup): TokenSource[] {
  const { name, mountPath } = mount;
  const tokens: TokenSource[] = [];
  const secretToken = (secretName: unknown) => {
    const holder = tokenSecretAccount(secretName, namespace, inventory);
    if (holder) tokens.push({ kind: 'secret', serviceAccount: holder, apiServer: true, where: mountPath, path, volume: name, secret: secretName as string });
  };
  if (isRecord(volume.secret)) secretToken(volume.secret.secretName);
  if (isRecord(volume.projected) && Array.isArray(volume.projected.sources)) {
    for (const source of volume.projected.sources) {
      if (!isRecord(source)) continue;
      if (isRecord(source.serviceAccountToken)) {
        const audience = typeof source.serviceAccountToken.audience === 'string' && source.serviceAccountToken.audience ? source.serviceAccountToken.audience : undefined;
        const token: TokenSource = { kind: 'projected', serviceAccount: account, apiServer: !audience || isApiServerAudience(audience), where: mountPath, path, volume: name };
        if (audience) token.audience = audience;
        tokens.push(token);
      }
      if (isRecord(source.secret)) secretToken(source.secret.name);
    }
  }
  if (isRecord(volume.hostPath) && typeof volume.hostPath.path === 'string') {
    // A subPath mounts only that directory of the host path: `/` with subPath `var/log` is /var/log.
    const hostPath = normalizePath(mount.subPath ? `${volume.hostPath.path}/${mount.subPath}` : volume.hostPath.path);
    const exposed = HOST_CREDENTIAL_DIRECTORIES.filter((directory) => isAtOrAbove(hostPath, directory.path));
    if (exposed.length) {
      const credentialsAt = exposed.map((directory) => normalizePath(`${mountPath}/${directory.path.slice(hostPath === '/' ? 0 : hostPath.length)}`));
      tokens.push({ kind: 'host-path', apiServer: true, where: mountPath, path, volume: name, hostPath, hostCredentials: exposed[0].exposes, credentialsAt });
    }
  }
  return tokens;
}

/** Adds the tokens the container reads into its environment to `tokens`. */
function envTokens(ref: ContainerRef, namespace: string | undefined, inventory: ObjectLookup, tokens: TokenSource[]): void {
  const { container } = ref;
  if (Array.isArray(container.env)) {
    container.env.forEach((entry, index) => {
      const from = isRecord(entry) && isRecord(entry.valueFrom) ? entry.valueFrom.secretKeyRef : undefined;
      if (!isRecord(from) || from.key !== 'token') return;
      const holder = tokenSecretAccount(from.name, namespace, inventory);
      if (holder) tokens.push({ kind: 'secret', serviceAccount: holder, apiServer: true, where: `env ${String(entry.name)}`, path: [...ref.path, 'env', index], secret: from.name as string });
    });
  }
  if (Array.isArray(container.envFrom)) {
    container.envFrom.forEach((entry, index) => {
      const from = isRecord(entry) ? entry.secretRef : undefined;
      if (!isRecord(from)) return;
      const holder = tokenSecretAccount(from.name, namespace, inventory);
      const prefix = isRecord(entry) && typeof entry.prefix === 'string' ? entry.prefix : '';
      if (holder) tokens.push({ kind: 'secret', serviceAccount: holder, apiServer: true, where: `env ${prefix}token`, path: [...ref.path, 'envFrom', index], secret: from.name as string });
    });
  }
}

/** The account a `kubernetes.io/service-account-token` Secret of the inventory is for (never reading its data). */
function tokenSecretAccount(name: unknown, namespace: string | undefined, inventory: ObjectLookup): string | undefined {
  if (typeof name !== 'string' || !name) return undefined;
  const secret = inventory.get('Secret', namespace, name);
  if (!secret || secret.type !== SERVICE_ACCOUNT_TOKEN_SECRET_TYPE) return undefined;
  return secret.metadata.annotations?.[SECRET_ACCOUNT_ANNOTATION] || undefined;
}

/**
 * Audiences the API server accepts besides its default: its own names. A token for any other
 * audience (`vault`, `sts.amazonaws.com`) is a credential for that service, not for the API.
 */
function isApiServerAudience(audience: string): boolean {
  return /^(https:\/\/)?kubernetes\.default\.svc(\.cluster\.local)?$/.test(audience) || audience === 'api';
}

function volumesByName(spec: PodSpec): Map<string, { value: Record<string, unknown> }> {
  const volumes = new Map<string, { value: Record<string, unknown> }>();
  if (!Array.isArray(spec.volumes)) return volumes;
  for (const volume of spec.volumes) if (isRecord(volume) && typeof volume.name === 'string' && !volumes.has(volume.name)) volumes.set(volume.name, { value: volume });
  return volumes;
}

const NO_MOUNTS: readonly { name: string; mountPath: string; subPath?: string }[] = Object.freeze([]);

/** A container's volume mounts; `subPath` (not `subPathExpr`, known only at run time) when it narrows the volume. */
function volumeMountsOf(container: Container): readonly { name: string; mountPath: string; subPath?: string }[] {
  const mounts = container.volumeMounts;
  if (!Array.isArray(mounts) || mounts.length === 0) return NO_MOUNTS;
  return mounts.map((mount) => {
    if (!isRecord(mount) || typeof mount.name !== 'string' || typeof mount.mountPath !== 'string') return { name: '', mountPath: '' };
    return typeof mount.subPath === 'string' && mount.subPath !== '' ? { name: mount.name, mountPath: mount.mountPath, subPath: mount.subPath } : { name: mount.name, mountPath: mount.mountPath };
  });
}

/** `/var/lib/kubelet/` and `/var//lib/kubelet` are `/var/lib/kubelet`: node and mount paths compared as the kubelet does. */
export function normalizePath(path: string): string {
  const normalized = path.replace(/\/+/g, '/').replace(/\/$/, '');
  return normalized === '' ? '/' : normalized;
}

function isAtOrAbove(path: string, directory: string): boolean {
  return path === '/' || directory === path || directory.startsWith(`${path}/`);
}

/**
 * The container the workload exists for. Init containers, native sidecars and ephemeral containers
 * never are. Among regular containers: the one `kubectl.kubernetes.io/default-container` names,
 * else the only one, else one named after the workload or its `app.kubernetes.io/name` / `app`
 * label, else the first.
 */
export function mainContainerOf(object: KubeObject): ContainerRef | undefined {
  let main = mainContainers.get(object);
  if (main === undefined) {
    main = findMainContainer(object) ?? null;
    mainContainers.set(object, main);
  }
  return main ?? undefined;
}

/** The main container of each workload, read once per object (rules and the token analysis ask per container; objects are never mutated after load). */
const mainContainers = new WeakMap<KubeObject, ContainerRef | null>();

function findMainContainer(object: KubeObject): ContainerRef | undefined {
  const regular = containersOf(object).filter((ref) => ref.kind === 'container');
  if (regular.length <= 1) return regular[0];
  const template = podTemplateOf(object);
  const named = (name: unknown) => (typeof name === 'string' && name ? regular.find((ref) => ref.container.name === name) : undefined);
  // The pod template's annotation or label when it has one, else the object's own.
  const metadataValue = (field: 'annotations' | 'labels', key: string): unknown => {
    const fromTemplate = template?.metadata[field];
    return fromTemplate && Object.hasOwn(fromTemplate, key) ? fromTemplate[key] : object.metadata[field]?.[key];
  };
  return (
    named(metadataValue('annotations', 'kubectl.kubernetes.io/default-container')) ??
    named(object.metadata.name) ??
    named(metadataValue('labels', 'app.kubernetes.io/name')) ??
    named(metadataValue('labels', 'app')) ??
    regular.find((ref) => typeof object.metadata.name === 'string' && typeof ref.container.name === 'string' && object.metadata.name.endsWith(`-${ref.container.name}`)) ??
    regular[0]
  );
}
