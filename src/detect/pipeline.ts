import { emptyAuditStats, parseAuditBody, parseAuditLine, type AuditEvent, type AuditParseStats } from './audit.js';
import { Detector, type DetectedAlert, type DetectorOptions } from './detector.js';
import { PodIndex } from '../core/pods.js';
import { emptyDnsStats, parseDnsLine, type DnsContext, type DnsEvent, type DnsParseStats } from './dns.js';
import { TimeQueue } from './queue.js';
import { AlertTally, buildSummary, type DetectSummary } from './summary.js';

/**
 * A detection run over an audit log and a DNS log: parses lines as they come and feeds the detector
 * in event-time order. DNS queries wait in a queue until an audit event at or after their time
 * passes (or the caller flushes), so correlations see both streams interleaved as they happened.
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
  private readonly dnsContext: DnsContext;
  private readonly dnsQueue = new TimeQueue<DnsEvent>();
  private readonly detected: DetectedAlert[] = [];
  private readonly retain: boolean;
  /** Counts of every alert raised, kept whether alerts are retained or not. */
  readonly tally = new AlertTally();

  constructor(options: PipelineOptions = {}) {
    this.retain = options.retainAlerts !== false;
    this.detector = new Detector(options);
    this.dnsContext = {
      pods: options.pods ?? new PodIndex(),
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
    const out: DetectedAlert[] = [];
    for (const event of events) {
      out.push(...this.flushDnsUntil(event.time));
      out.push(...this.keep(this.detector.process(event)));
    }
    return out;
  }

  /**
   * One CoreDNS log line; `id` is its evidence id (`file:line`). Queued until flushed by time.
   * Returns the query's time, or undefined for a line that is not a query.
   */
  dnsLine(line: string, id: string): number | undefined {
    const event = parseDnsLine(line, id, this.dnsContext, this.dnsStats);
    if (!event) return undefined;
    this.dnsQueue.push(event);
    return event.time;
  }

  /** Processes the queued DNS queries up to a time. */
  flushDnsUntil(time: number): DetectedAlert[] {
    const out: DetectedAlert[] = [];
    for (let next = this.dnsQueue.peekTime(); next !== undefined && next <= time; next = this.dnsQueue.peekTime()) {
      out.push(...this.detector.process(this.dnsQueue.pop()!));
    }
    return this.keep(out);
  }

  /** Processes every queued DNS query (end of input, or a quiet audit stream). */
  flushDns(): DetectedAlert[] {
    return this.flushDnsUntil(Number.POSITIVE_INFINITY);
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
    return buildSummary(this.auditStats, this.dnsStats, this.detector.stats, this.tally);
  }
}
