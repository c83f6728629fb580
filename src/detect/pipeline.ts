import { PodIndex } from '../core/pods.js';
import { emptyAuditStats, parseAuditBody, parseAuditLine, type AuditEvent, type AuditParseStats } from './audit.js';
import { Detector, type DetectedAlert, type DetectorOptions } from './detector.js';
import { emptyDnsStats, parseDnsLine, type DnsContext, type DnsEvent, type DnsParseStats } from './dns.js';
import { flowEvent, type FlowEvent } from './flow-events.js';
import { emptyFlowStats, parseFlowLine, type FlowParseStats } from './hubble.js';
import { TimeQueue } from './queue.js';
import { AlertTally, buildSummary, type DetectSummary } from './summary.js';

/**
 * A detection run over an audit log, a DNS log and network flows: parses lines as they come and
 * feeds the detector in event-time order. DNS queries and flows wait in a queue until an audit event
 * at or after their time passes (or the caller flushes), so correlations see the streams interleaved
 * as they happened.
 */

export interface PipelineOptions extends DetectorOptions {
  pods?: PodIndex;
  clusterDomain?: string;
  searchDomains?: readonly string[];
  /** Zones whose names never leave the cluster (`--internal-zone`). */
  internalZones?: readonly string[];
  /** Time of DNS lines before the first timestamped one (ms since the epoch). */
  dnsFallbackTime?: number;
  /** Keep every alert for alerts()/summary() (a batch run); a long-running receiver turns this off. */
  retainAlerts?: boolean;
}

export class DetectPipeline {
  readonly detector: Detector;
  readonly auditStats: AuditParseStats = emptyAuditStats();
  readonly dnsStats: DnsParseStats = emptyDnsStats();
  readonly flowStats: FlowParseStats = emptyFlowStats();
  private readonly dnsContext: DnsContext;
  private readonly pods: PodIndex;
  /** DNS queries and flows waiting for the audit stream to pass their time. */
  private readonly queue = new TimeQueue<DnsEvent | FlowEvent>();
  private readonly detected: DetectedAlert[] = [];
  private readonly retain: boolean;
  /** Counts of every alert raised, kept whether alerts are retained or not. */
  readonly tally = new AlertTally();

  constructor(options: PipelineOptions = {}) {
    this.retain = options.retainAlerts !== false;
    this.pods = options.pods ?? options.facts?.pods ?? new PodIndex();
    this.detector = new Detector({ ...options, facts: { ...options.facts, pods: this.pods } });
    this.dnsContext = {
      pods: this.pods,
      clusterDomain: options.clusterDomain ?? 'cluster.local',
      searchDomains: options.searchDomains ?? [],
      internalZones: options.internalZones ?? [],
      fallbackTime: options.dnsFallbackTime ?? 0,
    };
  }

  /** One line of a JSON-lines audit log. */
  auditLine(line: string): DetectedAlert[] {
    return this.auditEvents(parseAuditLine(line, this.auditStats));
  }

  /** One webhook body (an EventList). */
  auditBody(body: string): DetectedAlert[] {
    return this.auditEvents(parseAuditBody(body, this.auditStats));
  }

  auditEvents(events: readonly AuditEvent[]): DetectedAlert[] {
    let out: DetectedAlert[] | undefined;
    for (const event of events) {
      if (this.queue.size > 0) {
        const flushed = this.flushUntil(event.time);
        if (flushed.length > 0) (out ??= []).push(...flushed);
      }
      const alerts = this.detector.process(event);
      if (alerts.length > 0) (out ??= []).push(...this.keep(alerts));
    }
    return out ?? [];
  }

  /**
   * One CoreDNS log line; `id` is its evidence id (`file:line`). Queued until flushed by time.
   * Returns the query's time, or undefined for a line that is not a query.
   */
  dnsLine(line: string, id: string): number | undefined {
    const event = parseDnsLine(line, id, this.dnsContext, this.dnsStats);
    if (!event) return undefined;
    this.queue.push(event);
    return event.time;
  }

  /**
   * One line of Hubble flows (`hubble observe -o json`, the exporter's file); `id` is its evidence id
   * (`file:line`). Queued until flushed by time. Returns the time of its last flow, if it has one.
   */
  flowLine(line: string, id: string): number | undefined {
    let time: number | undefined;
    for (const flow of parseFlowLine(line, this.flowStats)) {
      const event = flowEvent(flow, id, this.pods);
      if (!event.pod) this.flowStats.unattributed++;
      this.queue.push(event);
      time = flow.time;
    }
    return time;
  }

  /** Processes the queued DNS queries and flows up to a time. */
  flushUntil(time: number): DetectedAlert[] {
    const out: DetectedAlert[] = [];
    for (let next = this.queue.peekTime(); next !== undefined && next <= time; next = this.queue.peekTime()) {
      out.push(...this.detector.process(this.queue.pop()!));
    }
    return this.keep(out);
  }

  /** Processes everything queued (end of input, or quiet audit stream). */
  flush(): DetectedAlert[] {
    return this.flushUntil(Number.POSITIVE_INFINITY);
  }

  /** `flush`, by the name the audit receiver calls it. */
  flushDns(): DetectedAlert[] {
    return this.flush();
  }

  private keep(alerts: DetectedAlert[]): DetectedAlert[] {
    this.tally.add(alerts);
    if (this.retain) this.detected.push(...alerts);
    return alerts;
  }

  /** Every alert so far, in event-time order. */
  alerts(): DetectedAlert[] {
    return [...this.detected].sort((a, b) => a.alertTime - b.alertTime);
  }

  summary(): DetectSummary {
    return buildSummary(this.auditStats, this.dnsStats, this.flowStats, this.detector.stats, this.tally);
  }
}
