/**
 * IP addresses and CIDRs for the CEL `ip` and `cidr` libraries (Kubernetes 1.30+), strict as Go's
 * netip: no leading zeros in IPv4, no zones, and no IPv4-mapped IPv6 (the Kubernetes library refuses
 * it). Parsing and printing reuse the NetworkPolicy engine's address space.
 */
import { familyOf, formatAddress, parseAddress } from '../../netpol/ip.js';

const V4_SIZE = 1n << 32n;

export class IP {
  constructor(
    /** The address in the unified space of netpol/ip.ts (IPv6 offset by 2^32). */
    readonly address: bigint,
  ) {}

  static parse(text: string): IP | undefined {
    if (text.includes('%')) return undefined;
    if (!text.includes(':') && text.split('.').some((part) => part.length > 1 && part.startsWith('0'))) return undefined;
    const address = parseAddress(text);
    if (address === undefined) return undefined;
    if (familyOf(address) === 6 && (address - V4_SIZE) >> 32n === 0xffffn) return undefined;
    return new IP(address);
  }

  get family(): 4 | 6 {
    return familyOf(this.address);
  }

  /** The bits of the address within its family. */
  get bits(): bigint {
    return this.family === 4 ? this.address : this.address - V4_SIZE;
  }

  get width(): number {
    return this.family === 4 ? 32 : 128;
  }

  isUnspecified(): boolean {
    return this.bits === 0n;
  }

  isLoopback(): boolean {
    return this.family === 4 ? this.bits >> 24n === 127n : this.bits === 1n;
  }

  isMulticast(): boolean {
    return this.family === 4 ? this.bits >> 28n === 0xen : this.bits >> 120n === 0xffn;
  }

  isLinkLocalMulticast(): boolean {
    return this.family === 4 ? this.bits >> 8n === 0xe00000n : this.bits >> 112n === 0xff02n || (this.bits >> 120n === 0xffn && ((this.bits >> 112n) & 0x0fn) === 2n);
  }

  isLinkLocalUnicast(): boolean {
    return this.family === 4 ? this.bits >> 16n === 0xa9fen : this.bits >> 118n === 0x3fan;
  }

  isGlobalUnicast(): boolean {
    if (this.family === 4 && this.bits === 0xffffffffn) return false;
    return !this.isUnspecified() && !this.isLoopback() && !this.isMulticast() && !this.isLinkLocalUnicast();
  }

  equals(other: IP): boolean {
    return this.address === other.address;
  }

  toString(): string {
    return formatAddress(this.address);
  }
}

export class CIDR {
  constructor(
    readonly ip: IP,
    readonly prefixLength: number,
  ) {}

  static parse(text: string): CIDR | undefined {
    const slash = text.indexOf('/');
    if (slash < 0) return undefined;
    const ip = IP.parse(text.slice(0, slash));
    const prefix = text.slice(slash + 1);
    if (!ip || !/^(0|[1-9]\d{0,2})$/.test(prefix) || Number(prefix) > ip.width) return undefined;
    return new CIDR(ip, Number(prefix));
  }

  masked(): CIDR {
    const host = BigInt(this.ip.width - this.prefixLength);
    const base = this.ip.family === 4 ? 0n : V4_SIZE;
    return new CIDR(new IP(base + ((this.ip.bits >> host) << host)), this.prefixLength);
  }

  containsIP(ip: IP): boolean {
    if (ip.family !== this.ip.family) return false;
    const host = BigInt(this.ip.width - this.prefixLength);
    return ip.bits >> host === this.ip.bits >> host;
  }

  containsCIDR(other: CIDR): boolean {
    return other.prefixLength >= this.prefixLength && this.containsIP(other.ip);
  }

  equals(other: CIDR): boolean {
    return this.ip.equals(other.ip) && this.prefixLength === other.prefixLength;
  }

  toString(): string {
    return `${this.ip}/${this.prefixLength}`;
  }
}
