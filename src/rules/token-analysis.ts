/**
 * The attack pattern on one workload, computed once and read by the rules that report it: for each
 * container that holds a token, what the token can do (the RBAC engine), what the container looks
 * like it does (exfiltration tells), and whether it is the workload's main container. Then the
 * verdict of the severity model:
 *
 * | the token…                                  | plain main container | other container | shows exfiltration |
 * | reaches other namespaces' Secrets           | (the grant's finding) | critical (high for the chart's own pinned helper that gets it by automount) | critical |
 * | is otherwise powerful (high on its own)     | (the grant's finding) | high            | critical           |
 * | reads its own namespace's Secrets or similar | —                    | medium          | high               |
 *
 * A plain main container holding its own account's token is what every controller does: the
 * grant's finding (on the binding) says what the token can do and who holds it. Node credentials
 * through a hostPath and another account's token Secret are never plain: they are reported high at
 * least.
 */
import type { KubeObject } from '../core/object.js';
import type { Severity } from '../core/severity.js';
import { mainContainerOf, tokenHolders, type TokenSource } from '../core/tokens.js';
import { hostNamespacesOf, podTemplateOf, type ContainerKind, type ContainerRef } from '../core/workload.js';
import { coverage, workloadExposure, type CoverageResult, type WorkloadExposure } from '../netpol/index.js';
import { buildEngine, type RbacEngine } from '../rbac/index.js';
import { tokenReach, type TokenReach } from '../rbac/reach.js';
import type { RuleContext } from './rule.js';
import { containerShowsExfiltration, containerTells, showsExfiltration, type Tell } from './tells.js';

/** What one token gives one container. */
export interface HeldToken {
  /** `ServiceAccount ns/name`, or `node credentials` for a hostPath. */
  holder: string;
  serviceAccount?: string;
  sources: TokenSource[];
  /** From the RBAC engine; undefined for host paths (see `node`). */
  reach?: TokenReach;
  node?: 'pod-tokens' | 'node-credentials';
  /** Reaches other namespaces' Secrets (directly, by an escalation path, or as the node). */
  reachesOtherSecrets: boolean;
  powerful: boolean;
  /** Some risk at medium or above: worth a finding when the holder is not plain. */
  notable: boolean;
  summary: string;
}

export interface ContainerAnalysis {
  ref: ContainerRef;
  isMain: boolean;
  /** Its pod shares a node namespace (hostPID, hostNetwork, hostIPC). */
  inHostNamespaces: boolean;
  tokens: HeldToken[];
  tells: Tell[];
  exfiltration: boolean;
}

export interface WorkloadAnalysis {
  object: KubeObject;
  main?: ContainerRef;
  containers: ContainerAnalysis[];
}

/** The engines a scan shares: one RBAC engine, one NetworkPolicy coverage per inventory. */
export function sharedEngine(context: RuleContext): RbacEngine {
  return context.shared('rbac', () => buildEngine(context.inventory));
}

export function sharedCoverage(context: RuleContext): CoverageResult {
  return context.shared('netpol-coverage', () => coverage(context.inventory));
}

const newAnalysisCache = () => new WeakMap<KubeObject, WorkloadAnalysis>();

/** The analysis of a workload, once per scan whichever rule asks first. */
export function analyzeWorkload(object: KubeObject, context: RuleContext): WorkloadAnalysis {
  const cache = context.shared('workload-analysis', newAnalysisCache);
  let analysis = cache.get(object);
  if (!analysis) {
    analysis = buildAnalysis(object, context);
    cache.set(object, analysis);
  }
  return analysis;
}

function buildAnalysis(object: KubeObject, context: RuleContext): WorkloadAnalysis {
  const holders = tokenHolders(object, context.inventory);
  // Most workloads of a cluster hold no token: their main container is worked out only if asked for.
  if (holders.length === 0) return new TokenlessWorkload(object);
  const main = mainContainerOf(object);
  const namespace = object.metadata.namespace ?? '';
  const inHostNamespaces = hostNamespacesOf(podTemplateOf(object)?.spec).length > 0;
  const containers = holders.map(({ ref, tokens: sources }): ContainerAnalysis => new HoldingContainer(object, ref, main, inHostNamespaces, heldTokens(sources, namespace, context), sources));
  const analysis: WorkloadAnalysis = { object, containers };
  if (main) analysis.main = main;
  return analysis;
}

/** A workload none of whose containers holds a token: its main container read only when asked for (one class, no closure per workload). */
class TokenlessWorkload implements WorkloadAnalysis {
  readonly containers: ContainerAnalysis[] = [];
  constructor(readonly object: KubeObject) {}
  get main(): ContainerRef | undefined {
    return mainContainerOf(this.object);
  }
}

/**
 * A container that holds a token. Reading its tells costs more than asking the engine about a token:
 * they are read on demand. Whether it shows exfiltration needs no image tells (never part of the
 * verdict, see showsExfiltration), so it is answered without them until the tells are read.
 */
class HoldingContainer implements ContainerAnalysis {
  readonly isMain: boolean;
  private readTells: Tell[] | undefined;
  private verdict: boolean | undefined;

  constructor(
    private readonly object: KubeObject,
    readonly ref: ContainerRef,
    private readonly main: ContainerRef | undefined,
    readonly inHostNamespaces: boolean,
    readonly tokens: HeldToken[],
    private readonly sources: readonly TokenSource[],
  ) {
    this.isMain = main?.container === ref.container;
  }

  get tells(): Tell[] {
    return (this.readTells ??= containerTells(this.object, this.ref, this.main, this.tokenPaths()));
  }

  get exfiltration(): boolean {
    return (this.verdict ??= this.readTells ? showsExfiltration(this.readTells) : containerShowsExfiltration(this.object, this.ref, this.tokenPaths()));
  }

  private tokenPaths(): string[] {
    return this.sources.flatMap((source) => source.credentialsAt ?? [source.where]);
  }
}

/** Tells of a container that holds no token (the exfiltration rule's case), computed on demand. */
export function tellsOf(object: KubeObject, ref: ContainerRef): { tells: Tell[]; exfiltration: boolean } {
  const tells = containerTells(object, ref, mainContainerOf(object));
  return { tells, exfiltration: showsExfiltration(tells) };
}

export function exposureOf(object: KubeObject, context: RuleContext): WorkloadExposure | undefined {
  return workloadExposure(sharedCoverage(context), object);
}

function heldTokens(sources: TokenSource[], namespace: string, context: RuleContext): HeldToken[] {
  const byHolder = new Map<string, TokenSource[]>();
  for (const source of sources) {
    if (!source.apiServer) continue;
    const key = source.serviceAccount ? `sa:${source.serviceAccount}` : `node:${source.hostCredentials}`;
    byHolder.set(key, [...(byHolder.get(key) ?? []), source]);
  }
  return [...byHolder.values()].map((group) => {
    const first = group[0];
    if (!first.serviceAccount) {
      const podTokens = first.hostCredentials === 'pod-tokens';
      return {
        holder: podTokens ? 'the tokens of every pod on its node' : 'the node\'s credentials',
        sources: group,
        node: first.hostCredentials,
        reachesOtherSecrets: true,
        powerful: true,
        notable: true,
        summary: podTokens
          ? `reads the ServiceAccount tokens of every pod on its node (hostPath ${first.hostPath}): it can act as any of them`
          : `reads the node's credentials (hostPath ${first.hostPath}): the kubelet's identity, and on control-plane nodes admin.conf`,
      };
    }
    const reach = tokenReach(sharedEngine(context), namespace, first.serviceAccount);
    return {
      holder: `ServiceAccount ${namespace}/${first.serviceAccount}`,
      serviceAccount: first.serviceAccount,
      sources: group,
      reach,
      reachesOtherSecrets: reach.reachesOtherSecrets,
      powerful: reach.powerful,
      notable: reach.powerful || reach.severity === 'medium' || reach.secrets === 'own-namespace',
      summary: reach.summary,
    };
  });
}

export interface TokenVerdict {
  container: ContainerAnalysis;
  token: HeldToken;
  severity: Severity;
  /** Why it is reported: `a container other than the main one`, `shows exfiltration tells`. */
  because: string[];
}

/** The severity model's verdict for one container and token (see the module comment); undefined when nothing is reported. */
const NOT_MAIN: Record<ContainerKind, string> = { container: 'not the main container', initContainer: 'an init container', sidecar: 'a native sidecar', ephemeralContainer: 'an ephemeral container' };

export function tokenVerdict(container: ContainerAnalysis, token: HeldToken): TokenVerdict | undefined {
  if (!token.notable) return undefined;
  // The node's `/` in a pod on the node's namespaces is node-root-access's finding (prometheus-node-exporter's
  // shape: high, with the reason a user records); this rule adds its own only when the container shows tells.
  if (token.node && container.inHostNamespaces && !container.exfiltration && token.sources.every((source) => source.hostPath === '/')) return undefined;
  const because: string[] = [];
  if (container.exfiltration) because.push('it shows exfiltration tells');
  if (!container.isMain) because.push(`it is ${NOT_MAIN[container.ref.kind]}`);
  const foreignToken = token.node !== undefined || token.sources.some((source) => source.kind === 'secret');
  if (foreignToken) because.push(token.node ? 'it reads credentials from the node' : 'it reads a long-lived token Secret');
  let severity: Severity | undefined;
  if (token.powerful) {
    if (container.exfiltration || (!container.isMain && token.reachesOtherSecrets && !isCompanion(container, token))) severity = 'critical';
    else if (!container.isMain || foreignToken) severity = 'high';
  } else if (container.exfiltration) severity = 'high';
  else if (!container.isMain || foreignToken) severity = 'medium';
  if (severity === 'high' && !container.isMain && token.reachesOtherSecrets) because.push('though only automount gives it the token, and its image is the main container\'s own, pinned');
  return severity ? { container, token, severity, because } : undefined;
}

/**
 * The chart's own helper rather than a stowaway: an init container or sidecar that gets the token only
 * because automount gives it to every container, running a pinned image of the main container's own
 * registry and owner (kyverno's `kyverno-pre`). The trojan's sidecar comes from elsewhere, moves, or is
 * handed the token on purpose (a projected token with automount off).
 */
function isCompanion(container: ContainerAnalysis, token: HeldToken): boolean {
  if (!token.sources.every((source) => source.kind === 'automount')) return false;
  return !container.tells.some((tell) => tell.kind === 'foreign-image' || tell.kind === 'moving-tag');
}
