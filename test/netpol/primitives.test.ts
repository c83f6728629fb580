import { describe, expect, it } from 'vitest';
import { ConnectionSet, PORT_DOMAIN } from '../../src/netpol/connections.js';
import { IntervalSet } from '../../src/netpol/intervals.js';
import { formatAddress, formatRange, parseAddress, parseCidr, rangeToCidrs } from '../../src/netpol/ip.js';
import { splitAddressSpace } from '../../src/netpol/peers.js';

const ports = (...intervals: [number, number][]) => IntervalSet.of(PORT_DOMAIN, intervals);

describe('IntervalSet', () => {
  it.each([
    ['merges overlapping and touching intervals', ports([5, 9], [1, 3], [4, 4], [20, 30], [25, 40]).format(), '1-9,20-40'],
    ['clips to the domain', IntervalSet.range(PORT_DOMAIN, 0, 70000).format(), '1-65535'],
    ['union', ports([1, 5]).union(ports([10, 12], [6, 6])).format(), '1-6,10-12'],
    ['intersect', ports([1, 10], [20, 30]).intersect(ports([5, 25])).format(), '5-10,20-25'],
    ['subtract a middle', ports([1, 100]).subtract(ports([53, 53])).format(), '1-52,54-100'],
    ['complement at both ends', ports([1, 10], [65535, 65535]).complement().format(), '11-65534'],
    ['complement of empty is full', IntervalSet.empty(PORT_DOMAIN).complement().format(), '1-65535'],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it('answers membership and containment', () => {
    const set = ports([1, 10], [20, 30], [40, 40]);
    expect([0, 1, 10, 11, 25, 40, 41].map((value) => set.contains(value))).toEqual([false, true, true, false, true, true, false]);
    expect([set.containsRange(2, 9), set.containsRange(9, 21), set.containsRange(40, 40)]).toEqual([true, false, true]);
    expect(ports([1, 65535]).isFull && IntervalSet.empty(PORT_DOMAIN).isEmpty).toBe(true);
  });
});

describe('ConnectionSet', () => {
  it.each([
    ['All Connections', 'All Connections'],
    ['No Connections', 'No Connections'],
    ['TCP 80', 'TCP 80'],
    ['UDP 53,TCP 80,443', 'TCP 80,443,UDP 53'],
    ['TCP 1-79,81-65535,UDP 1-65535,SCTP 1-65535', 'SCTP 1-65535,TCP 1-79,81-65535,UDP 1-65535'],
    ['80,443', 'TCP 80,443'],
    ['tcp 8000-8010,8005-8020', 'TCP 8000-8020'],
    ['TCP,UDP 53', 'TCP 1-65535,UDP 53'],
  ])('reads "%s" and prints it as "%s"', (text, printed) => {
    expect(ConnectionSet.parse(text).toString()).toBe(printed);
  });

  it('is All Connections only when every protocol has every port', () => {
    const allButSctp = ConnectionSet.of('TCP').union(ConnectionSet.of('UDP'));
    expect(allButSctp.isAll).toBe(false);
    expect(allButSctp.union(ConnectionSet.of('SCTP')).isAll).toBe(true);
    expect(ConnectionSet.ALL.subtract(ConnectionSet.of('UDP', 53)).toString()).toBe('SCTP 1-65535,TCP 1-65535,UDP 1-52,54-65535');
    expect(ConnectionSet.parse('TCP 80').intersect(ConnectionSet.parse('UDP 80')).isEmpty).toBe(true);
  });

  it.each(['TCP 0', 'TCP 70000', 'HTTP 80', 'TCP 90-80', 'TCP eighty'])('rejects "%s"', (text) => {
    expect(() => ConnectionSet.parse(text)).toThrow(/is not a connection set/);
  });
});

describe('IP addresses', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['010.001.000.001', '10.1.0.1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8:0:0:1::1', '2001:db8::1:0:0:1'],
    ['fe80:0:0:1:0:0:0:1', 'fe80:0:0:1::1'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
  ])('%s prints as %s', (text, printed) => {
    expect(formatAddress(parseAddress(text)!)).toBe(printed);
  });

  it.each(['1.2.3', '256.0.0.1', '1.2.3.4.5', ':::', '1::2::3', '12345::', 'fe80::1%eth0', 'host'])('%s is not an address', (text) => {
    expect(parseAddress(text)).toBeUndefined();
  });

  it.each([
    ['10.1.2.3/8', '10.0.0.0-10.255.255.255'],
    ['0.0.0.0/0', '0.0.0.0-255.255.255.255'],
    ['192.168.1.7/32', '192.168.1.7-192.168.1.7'],
    ['2001:db8::/32', '2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'],
  ])('CIDR %s covers %s (host bits masked, as the API server allows)', (text, range) => {
    const cidr = parseCidr(text);
    if (typeof cidr === 'string') throw new Error(cidr);
    expect(formatRange(cidr.start, cidr.end)).toBe(range);
  });

  it.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '::/129', 'x/8', '10.0.0.0/8/1'])('%s is not a CIDR', (text) => {
    expect(typeof parseCidr(text)).toBe('string');
  });

  it.each([
    ['10.0.0.0', '10.0.0.255', ['10.0.0.0/24']],
    ['10.0.0.1', '10.0.0.6', ['10.0.0.1/32', '10.0.0.2/31', '10.0.0.4/31', '10.0.0.6/32']],
    ['0.0.0.0', '255.255.255.255', ['0.0.0.0/0']],
    ['::', '::1', ['::/127']],
  ])('%s-%s as CIDRs is %j', (start, end, cidrs) => {
    expect(rangeToCidrs(parseAddress(start)!, parseAddress(end)!)).toEqual(cidrs);
  });

  it('splits the address space at every boundary of the ranges named', () => {
    const cidr = (text: string): [bigint, bigint] => {
      const parsed = parseCidr(text);
      if (typeof parsed === 'string') throw new Error(parsed);
      return [parsed.start, parsed.end];
    };
    const pieces = splitAddressSpace([cidr('0.0.0.0/0')], [cidr('10.0.0.0/8'), cidr('10.1.0.0/16'), cidr('10.0.0.0/8')]);
    expect(pieces.map((piece) => formatRange(piece.start, piece.end))).toEqual([
      '0.0.0.0-9.255.255.255',
      '10.0.0.0-10.0.255.255',
      '10.1.0.0-10.1.255.255',
      '10.2.0.0-10.255.255.255',
      '11.0.0.0-255.255.255.255',
    ]);
  });
});
