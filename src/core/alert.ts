import type { Severity } from './severity.js';

/** A pod as an alert names it. */
export interface AlertPod {
  namespace: string;
  name: string;
  /** `Deployment/web`: what to scale to zero. */
  workload?: string;
  serviceAccount?: string;
}

/** A detection: a rule matched events in an audit log, a DNS log or network flows. */
export interface Alert {
  rule: string;
  priority: Severity;
  /** RFC 3339 event time of the event that completed the match. */
  time: string;
  /** The username, or `namespace/pod` for DNS and flow alerts. */
  principal: string;
  summary: string;
  /** auditIDs, or `file:line` of DNS log lines and flow lines. */
  evidence: string[];
  stage: 'expose';
  /** Falco rules keep their own priority name here. */
  falcoPriority?: string;
  /** Stable: the same rule on the same evidence has the same id on every run (triage verdicts use it). */
  id: string;
  /** The pod whose behaviour raised the alert (or the pod side of a correlation). */
  pod?: AlertPod;
  /** The ServiceAccount involved, with the pods running as it (from --pods, --cluster, bound tokens). */
  serviceAccount?: { namespace: string; name: string; pods: AlertPod[] };
  /** Source IPs of the API requests in the evidence. */
  sourceIPs?: string[];
  /** Domains the pod resolved or reached. */
  domains?: string[];
  /** Objects the requests touched (`secrets payments-api/db-creds`): what to rotate or revert. */
  objects?: string[];
  /** What to do now. */
  respond?: string;
}
