import { InputError } from '../core/errors.js';
import { IntervalSet, NUMBER_STEP, type Domain } from './intervals.js';

/**
 * A set of connections: for each protocol NetworkPolicy knows, the set of destination ports. Printed
 * and parsed in netpol-analyzer's syntax: `All Connections`, `No Connections`, or
 * `SCTP 1-65535,TCP 80,UDP 1-52,54-65535` (protocols in string order, ports as maximal ranges).
 */
export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const PORT_DOMAIN: Domain<number> = { min: 1, max: 65535, ...NUMBER_STEP };
export type PortSet = IntervalSet<number>;
const NO_PORTS: PortSet = IntervalSet.empty(PORT_DOMAIN);
const ALL_PORTS: PortSet = IntervalSet.full(PORT_DOMAIN);

export const ALL_CONNECTIONS_TEXT = 'All Connections';
export const NO_CONNECTIONS_TEXT = 'No Connections';

export function isProtocol(value: unknown): value is Protocol {
  return typeof value === 'string' && (PROTOCOLS as readonly string[]).includes(value);
}

export class ConnectionSet {
  static readonly NONE = new ConnectionSet(NO_PORTS, NO_PORTS, NO_PORTS);
  static readonly ALL = new ConnectionSet(ALL_PORTS, ALL_PORTS, ALL_PORTS);

  private constructor(
    readonly sctp: PortSet,
    readonly tcp: PortSet,
    readonly udp: PortSet,
  ) {}

  /** Ports of one protocol: a single port, a range, or (no ports given) every port. */
  static of(protocol: Protocol, start?: number, end?: number): ConnectionSet {
    const ports = start === undefined ? ALL_PORTS : IntervalSet.range(PORT_DOMAIN, start, end ?? start);
    return ConnectionSet.make({ [protocol]: ports });
  }

  /** Many port ranges at once: each protocol's set built in one sort, not one union per range (a policy may list 30,000 ports). */
  static ofRanges(ranges: Iterable<{ protocol: Protocol; start?: number; end?: number }>): ConnectionSet {
    const byProtocol: Record<Protocol, [number, number][]> = { SCTP: [], TCP: [], UDP: [] };
    for (const { protocol, start, end } of ranges) byProtocol[protocol].push(start === undefined ? [PORT_DOMAIN.min, PORT_DOMAIN.max] : [start, end ?? start]);
    return ConnectionSet.make({
      SCTP: IntervalSet.of(PORT_DOMAIN, byProtocol.SCTP),
      TCP: IntervalSet.of(PORT_DOMAIN, byProtocol.TCP),
      UDP: IntervalSet.of(PORT_DOMAIN, byProtocol.UDP),
    });
  }

  private static make(ports: Partial<Record<Protocol, PortSet>>): ConnectionSet {
    const sctp = ports.SCTP ?? NO_PORTS;
    const tcp = ports.TCP ?? NO_PORTS;
    const udp = ports.UDP ?? NO_PORTS;
    if (sctp.isEmpty && tcp.isEmpty && udp.isEmpty) return ConnectionSet.NONE;
    if (sctp.isFull && tcp.isFull && udp.isFull) return ConnectionSet.ALL;
    return new ConnectionSet(sctp, tcp, udp);
  }

  ports(protocol: Protocol): PortSet {
    return protocol === 'TCP' ? this.tcp : protocol === 'UDP' ? this.udp : this.sctp;
  }

  get isEmpty(): boolean {
    return this === ConnectionSet.NONE;
  }

  get isAll(): boolean {
    return this === ConnectionSet.ALL;
  }

  contains(protocol: Protocol, port: number): boolean {
    return this.ports(protocol).contains(port);
  }

  equals(other: ConnectionSet): boolean {
    return this === other || (this.sctp.equals(other.sctp) && this.tcp.equals(other.tcp) && this.udp.equals(other.udp));
  }

  union(other: ConnectionSet): ConnectionSet {
    if (other.isEmpty || this.isAll || this === other) return this;
    if (this.isEmpty || other.isAll) return other;
    return ConnectionSet.make({ SCTP: this.sctp.union(other.sctp), TCP: this.tcp.union(other.tcp), UDP: this.udp.union(other.udp) });
  }

  intersect(other: ConnectionSet): ConnectionSet {
    if (this.isEmpty || other.isAll || this === other) return this;
    if (other.isEmpty || this.isAll) return other;
    return ConnectionSet.make({ SCTP: this.sctp.intersect(other.sctp), TCP: this.tcp.intersect(other.tcp), UDP: this.udp.intersect(other.udp) });
  }

  subtract(other: ConnectionSet): ConnectionSet {
    if (this.isEmpty || other.isEmpty) return this;
    if (other.isAll || this === other) return ConnectionSet.NONE;
    return ConnectionSet.make({ SCTP: this.sctp.subtract(other.sctp), TCP: this.tcp.subtract(other.tcp), UDP: this.udp.subtract(other.udp) });
  }

  /** The protocols with ports, with their port sets, in print order. */
  entries(): [Protocol, PortSet][] {
    return PROTOCOLS.map((protocol) => [protocol, this.ports(protocol)] as [Protocol, PortSet]).filter(([, ports]) => !ports.isEmpty);
  }

  toString(): string {
    if (this.isAll) return ALL_CONNECTIONS_TEXT;
    if (this.isEmpty) return NO_CONNECTIONS_TEXT;
    return this.entries()
      .map(([protocol, ports]) => `${protocol} ${ports.format()}`)
      .join(',');
  }

  /**
   * Reads what toString writes, so flows files and connlist lines share one syntax. Also accepts a
   * bare port list (`80,443`) as TCP, the protocol Kubernetes defaults to.
   */
  static parse(text: string): ConnectionSet {
    const trimmed = text.trim();
    if (trimmed === ALL_CONNECTIONS_TEXT) return ConnectionSet.ALL;
    if (trimmed === NO_CONNECTIONS_TEXT || trimmed === '') return ConnectionSet.NONE;
    const ranges: { protocol: Protocol; start?: number; end?: number }[] = [];
    let protocol: Protocol = 'TCP';
    for (const token of trimmed.split(',')) {
      let portText = token.trim();
      const match = /^(SCTP|TCP|UDP)(?:\s+(.*))?$/i.exec(portText);
      if (match) {
        protocol = match[1].toUpperCase() as Protocol;
        portText = (match[2] ?? '').trim();
        if (portText === '') {
          ranges.push({ protocol });
          continue;
        }
      }
      const range = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(portText);
      const start = range ? Number(range[1]) : NaN;
      const end = range?.[2] !== undefined ? Number(range[2]) : start;
      if (!range || start < 1 || end > 65535 || start > end) {
        throw new InputError(`"${text}" is not a connection set: "${token.trim()}" is not a port or port range 1-65535 (write e.g. "TCP 80,443,UDP 53" or "All Connections")`);
      }
      ranges.push({ protocol, start, end });
    }
    return ConnectionSet.ofRanges(ranges);
  }
}
