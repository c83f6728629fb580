import { createHash } from 'node:crypto';
import type { Alert, AlertPod } from '../core/alert.js';
import { parseServiceAccountUsername } from '../core/identity.js';
import { isRecord } from '../core/object.js';
import type { PodInfo } from '../core/pods.js';
import { POD_NAME_EXTRA } from './audit.js';
import type { DetectContext } from './context.js';
import { targetRef, type DetectEvent } from './fields.js';

/**
 * What a responder needs from the events behind an alert: the pod and workload that acted, the
 * ServiceAccount and the pods running as it, the source IPs of the API requests, the domains a pod
 * resolved, and the objects the requests touched (the Secrets to rotate). Each piece of evidence
 * keeps these facts from its own event, so a correlation names both sides.
 */

export interface EvidenceFacts {
  /** The pod that acted: the DNS client, the flow's local end, the pod a bound token was issued for. */
  pod?: PodInfo | { namespace: string; name: string; serviceAccount?: string; workload?: string };
  serviceAccount?: { namespace: string; name: string };
  sourceIPs?: readonly string[];
  domain?: string;
  /** `secrets payments-api/db-creds`: the object a request touched; `flow` evidence: the peer. */
  object?: string;
}

/** One piece of evidence: the event id (auditID or `file:line`), its time, and what it says. */
export interface Evidence {
  id: string;
  time: number;
  facts?: EvidenceFacts;
}

/** Caps, so a sweep of 500 reads does not make a 500-line alert. */
const MAX_OBJECTS = 50;
const MAX_LIST = 20;

function auditFacts(raw: Record<string, unknown>): EvidenceFacts {
  const facts: EvidenceFacts = {};
  const user = raw.user;
  const account = parseServiceAccountUsername(isRecord(user) ? user.username : undefined);
  if (account) {
    facts.serviceAccount = account;
    const podName = isRecord(user) && isRecord(user.extra) ? user.extra[POD_NAME_EXTRA] : undefined;
    // a bound token names the pod it was issued for: that pod made the request
    if (Array.isArray(podName) && typeof podName[0] === 'string') facts.pod = { namespace: account.namespace, name: podName[0], serviceAccount: account.name };
  }
  if (Array.isArray(raw.sourceIPs)) facts.sourceIPs = raw.sourceIPs.filter((ip): ip is string => typeof ip === 'string').slice(0, 5);
  const object = targetRef(raw);
  if (object) facts.object = object;
  return facts;
}

/** The facts one event contributes as evidence. */
export function factsOf(event: DetectEvent): EvidenceFacts {
  if (event.source === 'audit') return auditFacts(event.raw);
  if (event.source === 'dns') {
    const facts: EvidenceFacts = { domain: event.domain };
    if (event.pod) {
      facts.pod = event.pod;
      facts.serviceAccount = { namespace: event.pod.namespace, name: event.pod.serviceAccount };
    }
    return facts;
  }
  const facts: EvidenceFacts = { object: event.peerText };
  if (event.pod) {
    facts.pod = event.pod;
    facts.serviceAccount = { namespace: event.pod.namespace, name: event.pod.serviceAccount };
  }
  if (event.flow.destinationNames.length > 0) facts.domain = event.flow.destinationNames[0];
  return facts;
}

export function evidenceOf(event: DetectEvent): Evidence {
  return { id: event.id, time: event.time, facts: factsOf(event) };
}

/** Same rule, same evidence: same id, on every run over the same logs (triage verdicts stay attached). */
export function alertId(rule: string, evidenceIds: readonly string[]): string {
  const hash = createHash('sha256').update(rule);
  for (const id of evidenceIds) hash.update('\u0000').update(id);
  return hash.digest('hex').slice(0, 16);
}

function podOf(pod: NonNullable<EvidenceFacts['pod']>): AlertPod {
  return { namespace: pod.namespace, name: pod.name, ...(pod.workload ? { workload: pod.workload } : {}), ...(pod.serviceAccount ? { serviceAccount: pod.serviceAccount } : {}) };
}

function addUnique(list: string[], values: readonly string[] | string | undefined, cap: number): void {
  for (const value of typeof values === 'string' ? [values] : (values ?? [])) if (list.length < cap && !list.includes(value)) list.push(value);
}

/** The responder's view of the evidence: who, where from, what was touched. */
export function responderFields(evidence: readonly Evidence[], context: DetectContext | undefined): Pick<Alert, 'pod' | 'serviceAccount' | 'sourceIPs' | 'domains' | 'objects'> {
  let pod: AlertPod | undefined;
  let account: { namespace: string; name: string } | undefined;
  const sourceIPs: string[] = [];
  const domains: string[] = [];
  const objects: string[] = [];
  const pods: AlertPod[] = [];
  for (const { facts } of evidence) {
    if (!facts) continue;
    if (facts.pod) {
      const known = facts.pod.workload ? facts.pod : (context?.podsRunningAs(facts.pod.namespace, facts.pod.serviceAccount ?? '').find((p) => p.name === facts.pod!.name) ?? facts.pod);
      pod ??= podOf(known);
      if (!pods.some((p) => p.namespace === known.namespace && p.name === known.name)) pods.push(podOf(known));
    }
    account ??= facts.serviceAccount;
    addUnique(sourceIPs, facts.sourceIPs, MAX_LIST);
    addUnique(domains, facts.domain, MAX_LIST);
    addUnique(objects, facts.object, MAX_OBJECTS);
  }
  const out: Pick<Alert, 'pod' | 'serviceAccount' | 'sourceIPs' | 'domains' | 'objects'> = {};
  if (pod) out.pod = pod;
  if (account) {
    const running = [...pods.filter((p) => p.namespace === account!.namespace && p.serviceAccount === account!.name)];
    for (const p of context?.podsRunningAs(account.namespace, account.name) ?? []) {
      if (running.length >= MAX_LIST) break;
      if (!running.some((r) => r.name === p.name)) running.push(podOf(p));
    }
    out.serviceAccount = { namespace: account.namespace, name: account.name, pods: running.map(({ namespace, name, workload }) => ({ namespace, name, ...(workload ? { workload } : {}) })) };
  }
  if (sourceIPs.length > 0) out.sourceIPs = sourceIPs;
  if (domains.length > 0) out.domains = domains;
  if (objects.length > 0) out.objects = objects;
  return out;
}
