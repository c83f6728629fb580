import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectPipeline } from '../../src/detect/pipeline.js';
import { TimeQueue } from '../../src/detect/queue.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';

describe('TimeQueue', () => {
  it('gives events back in time order, equal times in arrival order (a stable sort)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
        const queue = new TimeQueue<{ time: number; index: number }>();
        times.forEach((time, index) => queue.push({ time, index }));
        const out: { time: number; index: number }[] = [];
        for (let item = queue.pop(); item; item = queue.pop()) out.push(item);
        expect(out).toEqual(times.map((time, index) => ({ time, index })).sort((a, b) => a.time - b.time || a.index - b.index));
        expect(queue.size).toBe(0);
      }),
    );
  });
});

/**
 * Issue 16: `detect --dns-log` with distinct names was quadratic (10/30/60 MB took 3/24/100 s, 80% in
 * `Array.shift` of the DNS queue). Work per line must not grow with the log: eight times the lines
 * take about eight times as long. A quadratic path takes 64 times as long; the bound (24) leaves room
 * for a loaded machine and is still far from it.
 */
describe('DNS log scaling', () => {
  const rules = loadKubewardRules(builtinDetectRuleFiles());
  const T0 = Date.parse('2026-03-01T10:00:00Z');
  const line = (i: number) => `${new Date(T0 + i * 3).toISOString()} [INFO] 10.0.${i % 200}.1:5353 - ${i % 65536} "A IN host-${i}.example${i % 97}.com. udp 40 false 512" NOERROR qr,rd,ra 80 0.001s`;

  /**
   * Queues every line (as `detect` does with a whole DNS log), then drains the queue: the CPU time it
   * took (wall-clock time on a machine shared with other work measures the neighbours too).
   */
  function millisFor(count: number): number {
    const pipeline = new DetectPipeline({ rules, retainAlerts: false });
    const start = process.cpuUsage();
    // the log arrives slightly out of order, as logs merged from several CoreDNS replicas do
    for (let i = 0; i < count; i++) pipeline.dnsLine(line(i % 2 === 0 ? i + 1 : i - 1 < 0 ? 0 : i - 1), `coredns.log:${i + 1}`);
    pipeline.flushDns();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  }

  it('costs the same per line at 20,000 and at 160,000 lines', () => {
    millisFor(5_000); // warm up the JIT
    const small = Math.min(millisFor(20_000), millisFor(20_000));
    const large = millisFor(160_000);
    expect(large / small).toBeLessThan(24);
  });

  it('processes queued queries in event-time order', () => {
    const pipeline = new DetectPipeline({ rules: loadKubewardRules([{ name: 'r.yaml', text: '- rule: r\n  desc: every query\n  source: dns\n  priority: info\n  condition: dns.qtype=A\n' }]) });
    for (const i of [5, 1, 4, 2, 3]) pipeline.dnsLine(line(i), `coredns.log:${i}`);
    expect(pipeline.flushDns().map(({ alert }) => alert.evidence[0])).toEqual(['coredns.log:1', 'coredns.log:2', 'coredns.log:3', 'coredns.log:4', 'coredns.log:5']);
  });
});
