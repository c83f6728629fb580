import { InputError } from '../core/errors.js';
import { BIGINT_STEP, IntervalSet, type Domain } from './intervals.js';

/**
 * IP addresses as one ordered space, so IPv4 and IPv6 ranges live in one IntervalSet: an IPv4 address
 * `a` is the integer `a`, an IPv6 address `b` is `2^32 + b`. A range never spans the two families.
 */
const V4_SIZE = 1n << 32n;
const V6_SIZE = 1n << 128n;

export const IP_DOMAIN: Domain<bigint> = { min: 0n, max: V4_SIZE + V6_SIZE - 1n, ...BIGINT_STEP };
export type IpSet = IntervalSet<bigint>;
export type IpFamily = 4 | 6;

export const IPV4_ALL: IpSet = IntervalSet.range(IP_DOMAIN, 0n, V4_SIZE - 1n);
export const IPV6_ALL: IpSet = IntervalSet.range(IP_DOMAIN, V4_SIZE, IP_DOMAIN.max);
export const NO_IPS: IpSet = IntervalSet.empty(IP_DOMAIN);

export interface Cidr {
  family: IpFamily;
  prefix: number;
  /** First and last address, in the unified space. */
  start: bigint;
  end: bigint;
}

export function familyOf(address: bigint): IpFamily {
  return address < V4_SIZE ? 4 : 6;
}

/** IPv4 dotted quad. Leading zeros are read as decimal, as Kubernetes' "sloppy" parser does. */
function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** IPv6 in any RFC 4291 text form (`::`, embedded IPv4), without a zone. Returns the 128-bit value. */
function parseIPv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    const pieces = part.split(':');
    for (let index = 0; index < pieces.length; index++) {
      const piece = pieces[index];
      if (index === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === undefined) return undefined;
        groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        groups.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** An IP address in the unified space, or undefined when `text` is not one. */
export function parseAddress(text: string): bigint | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return v4;
  const v6 = text.includes(':') ? parseIPv6(text) : undefined;
  return v6 === undefined ? undefined : V4_SIZE + v6;
}

/**
 * A CIDR as Kubernetes validates `ipBlock.cidr` (ParseCIDRSloppy): `address/prefix`, prefix within the
 * family's width; host bits are allowed and masked away. Returns an error message when invalid.
 */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  if (slash < 0) return `"${text}" is not a CIDR (address/prefix)`;
  const address = parseAddress(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (address === undefined) return `"${text}" is not a valid CIDR: bad address`;
  const family = familyOf(address);
  const width = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > width) return `"${text}" is not a valid CIDR: prefix must be 0-${width}`;
  const prefix = Number(prefixText);
  const base = family === 4 ? 0n : V4_SIZE;
  const hostBits = BigInt(width - prefix);
  const start = (((address - base) >> hostBits) << hostBits) + base;
  return { family, prefix, start, end: start + (1n << hostBits) - 1n };
}

export function cidrSet(cidr: Cidr): IpSet {
  return IntervalSet.range(IP_DOMAIN, cidr.start, cidr.end);
}

export function formatAddress(address: bigint): string {
  if (address < V4_SIZE) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 0xffn)).join('.');
  }
  const value = address - V4_SIZE;
  // RFC 5952 section 5: an IPv4-mapped address keeps its dotted quad.
  if (value >> 32n === 0xffffn) return `::ffff:${formatAddress(value & 0xffffffffn)}`;
  const groups = Array.from({ length: 8 }, (_, index) => Number((value >> BigInt(112 - 16 * index)) & 0xffffn));
  // RFC 5952: compress the longest run of two or more zero groups (the first one on a tie).
  let bestStart = -1;
  let bestLength = 1;
  for (let index = 0; index < 8; ) {
    if (groups[index] !== 0) {
      index++;
      continue;
    }
    let end = index;
    while (end < 8 && groups[end] === 0) end++;
    if (end - index > bestLength) {
      bestStart = index;
      bestLength = end - index;
    }
    index = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** `a.b.c.d-e.f.g.h`: the netpol-analyzer way to print an address range (a single address too). */
export function formatRange(start: bigint, end: bigint): string {
  return `${formatAddress(start)}-${formatAddress(end)}`;
}

/** The fewest CIDRs that cover exactly `[start, end]` (one family): what a generated ipBlock needs. */
export function rangeToCidrs(start: bigint, end: bigint): string[] {
  const family = familyOf(start);
  const base = family === 4 ? 0n : V4_SIZE;
  const width = family === 4 ? 32 : 128;
  const cidrs: string[] = [];
  let low = start - base;
  const high = end - base;
  while (low <= high) {
    let size = 0;
    // Grow the block while it stays aligned and inside the range.
    while (size < width && (low & ((1n << BigInt(size + 1)) - 1n)) === 0n && low + (1n << BigInt(size + 1)) - 1n <= high) size++;
    cidrs.push(`${formatAddress(low + base)}/${width - size}`);
    low += 1n << BigInt(size);
  }
  return cidrs;
}

/**
 * Addresses that are not the public internet: private, loopback, link-local, shared (CGNAT),
 * multicast and reserved ranges of both families. What "may reach the internet" subtracts.
 */
export const NON_PUBLIC_CIDRS: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  '::ffff:0:0/96',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
];

/** The union of a list of CIDRs; an invalid one is the user's mistake (a flag's value). */
export function setOfCidrs(cidrs: readonly string[]): IpSet {
  return IntervalSet.of(
    IP_DOMAIN,
    cidrs.map((text) => {
      const cidr = parseCidr(text);
      if (typeof cidr === 'string') throw new InputError(cidr);
      return [cidr.start, cidr.end] as const;
    }),
  );
}

let nonPublic: IpSet | undefined;

/** Whether an address is on the public internet: true or false for an IP, undefined for text that is not one. */
export function isPublicAddress(text: string): boolean | undefined {
  const address = parseAddress(text);
  if (address === undefined) return undefined;
  nonPublic ??= setOfCidrs(NON_PUBLIC_CIDRS);
  return !nonPublic.containsRange(address, address);
}
