import type { Severity } from './severity.js';

/** A detection: a rule matched events in an audit or DNS log. */
export interface Alert {
  rule: string;
  priority: Severity;
  /** RFC 3339 event time of the event that completed the match. */
  time: string;
  /** The username, or `namespace/pod` for DNS alerts. */
  principal: string;
  summary: string;
  /** auditIDs, or `file:line` of DNS log lines. */
  evidence: string[];
  stage: 'expose';
  /** Falco rules keep their own priority name here. */
  falcoPriority?: string;
}
