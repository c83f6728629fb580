/**
 * The attack pattern on one workload, computed once and read by the rules that report it: for each
 * container that holds a token, what the token can do (the RBAC engine), what the container looks
 * like it does (exfiltration tells), and whether it is the workload's main container. Then the
 * verdict of the severity model:
 *
 * | the token…                                  | plain main container | other container | shows exfiltration |
 * | reaches other namespaces' Secrets           | (the grant's finding) | critical        | critical           |
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
import type { ContainerRef } from '../core/workload.js';
import { coverage, workloadExposure, type CoverageResult, type WorkloadExposure } from '../netpol/index.js';
import { buildEngine, type RbacEngine } from '../rbac/index.js';
import { tokenReach, type TokenReach } from '../rbac/reach.js';
import type { RuleContext } from './rule.js';
import { containerTells, showsExfiltration, type Tell } from './tells.js';

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

/** The analysis of a workload, once per scan whichever rule asks first. */
export function analyzeWorkload(object: KubeObject, context: RuleContext): WorkloadAnalysis {
  const cache = context.shared('workload-analysis', () => new WeakMap<KubeObject, WorkloadAnalysis>());
  let analysis = cache.get(object);
  if (!analysis) {
    analysis = buildAnalysis(object, context);
    cache.set(object, analysis);
  }
  return analysis;
}

function buildAnalysis(object: KubeObject, context: RuleContext): WorkloadAnalysis {
  const main = mainContainerOf(object);
  const namespace = object.metadata.namespace ?? '';
  const containers = tokenHolders(object, context.inventory).map(({ ref, tokens: sources }): ContainerAnalysis => {
    // Reading a container's tells costs more than asking the engine about a token: only on demand.
    let tells: Tell[] | undefined;
    const read = () => (tells ??= containerTells(object, ref, main, sources.map((source) => source.where)));
    return {
      ref,
      isMain: main?.container === ref.container,
      tokens: heldTokens(sources, namespace, context),
      get tells() {
        return read();
      },
      get exfiltration() {
        return showsExfiltration(read());
      },
    };
  });
  const analysis: WorkloadAnalysis = { object, containers };
  if (main) analysis.main = main;
  return analysis;
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
export function tokenVerdict(container: ContainerAnalysis, token: HeldToken): TokenVerdict | undefined {
  if (!token.notable) return undefined;
  // A plain main container with its own account's token is the grant's finding: no need to read its tells unless the token is worth it.
  const because: string[] = [];
  if (container.exfiltration) because.push('it shows exfiltration tells');
  if (!container.isMain) because.push(`it is ${container.ref.kind === 'container' ? 'not the main container' : `a${container.ref.kind === 'initContainer' ? 'n init container' : container.ref.kind === 'sidecar' ? ' native sidecar' : 'n ephemeral container'}`}`);
  const foreignToken = token.node !== undefined || token.sources.some((source) => source.kind === 'secret');
  if (foreignToken) because.push(token.node ? 'it reads credentials from the node' : 'it reads a long-lived token Secret');
  let severity: Severity | undefined;
  if (token.powerful) {
    if (container.exfiltration || (!container.isMain && token.reachesOtherSecrets)) severity = 'critical';
    else if (!container.isMain || foreignToken) severity = 'high';
  } else if (container.exfiltration) severity = 'high';
  else if (!container.isMain || foreignToken) severity = 'medium';
  return severity ? { container, token, severity, because } : undefined;
}
