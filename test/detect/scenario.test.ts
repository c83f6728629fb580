import { describe, expect, it } from 'vitest';
import { atOrAbove } from '../../src/core/severity.js';
import { PodIndex } from '../../src/core/pods.js';
import { DetectPipeline } from '../../src/detect/pipeline.js';
import { loadKubewardRules } from '../../src/detect/rules.js';
import { builtinDetectRuleFiles } from '../../src/load/detect-rules.js';
import type { KubeObject } from '../../src/core/object.js';
import { ATTACK, attackAudit, attackDns, benignAudit, benignDns, byTime, eventTime, EXFIL_DOMAIN, lineTime, podList } from './scenario.js';

/**
 * The scenario: a chart is installed, its ServiceAccount sweeps Secrets across namespaces,
 * its pod leaks them over DNS, all amid thousands of benign controller and kubelet events. The
 * attack must raise its alerts within one minute of event time; the benign traffic no high alert.
 */
const rules = loadKubewardRules(builtinDetectRuleFiles());
const pods = new PodIndex((podList().items as KubeObject[]));

function run(audit: Record<string, unknown>[], dns: string[], ruleSet = rules) {
  const pipeline = new DetectPipeline({ rules: ruleSet, pods });
  byTime(dns, lineTime).forEach((line, index) => pipeline.dnsLine(line, `dns.log:${index + 1}`));
  for (const event of byTime(audit, eventTime)) pipeline.auditLine(JSON.stringify(event));
  pipeline.flushDns();
  return pipeline;
}

describe('scenario: trojan chart amid benign traffic', () => {
  const benign = { audit: benignAudit(6000), dns: benignDns(3000) };

  it('raises no high alert on benign controller, kubelet and operator traffic', () => {
    const pipeline = run(benign.audit, benign.dns);
    const summary = pipeline.summary();
    expect(summary.audit.events).toBeGreaterThan(6000);
    expect(summary.detector.stagesMerged).toBeGreaterThan(0);
    expect(summary.dns.searchExpansions).toBeGreaterThan(1000);
    const high = pipeline.alerts().filter(({ alert }) => atOrAbove(alert.priority, 'high'));
    expect(high.map(({ alert }) => `${alert.rule}: ${alert.summary}`)).toEqual([]);
  });

  it('raises the attack alerts within one minute of event time, critical on the sweep, the probing and the tunnel, and still nothing high from benign events', () => {
    const pipeline = run([...benign.audit, ...attackAudit()], [...benign.dns, ...attackDns()]);
    const alerts = pipeline.alerts();
    const byRule = new Map<string, (typeof alerts)[number]>();
    for (const detected of alerts) if (!byRule.has(detected.alert.rule)) byRule.set(detected.alert.rule, detected);
    const expected = [
      ['rbac-binding-grants-powerful-role', ATTACK.installAt, 'high'],
      ['secrets-sweep-across-namespaces', ATTACK.sweepAt, 'critical'],
      // the sweeper's ServiceAccount was created 45 s before it swept
      ['secrets-read-across-namespaces', ATTACK.sweepAt, 'critical'],
      ['serviceaccount-reads-other-namespace-secrets', ATTACK.sweepAt, 'high'],
      ['new-serviceaccount-reads-secrets', ATTACK.sweepAt, 'medium'],
      // the forbidden binding attempt has no body, and three attempts within minutes are probing
      ['privilege-escalation-attempt', ATTACK.sweepAt, 'high'],
      ['privilege-probing', ATTACK.sweepAt, 'critical'],
      // the tunnel goes to a domain under a TLD not on the public suffix list, from a pod whose
      // ServiceAccount the log showed reading Secrets
      ['dns-long-random-labels', ATTACK.exfilAt, 'critical'],
      ['dns-many-unique-subdomains', ATTACK.exfilAt, 'critical'],
      ['secrets-read-then-dns-exfiltration', ATTACK.exfilAt, 'critical'],
    ] as const;
    for (const [rule, start, priority] of expected) {
      const detected = byRule.get(rule);
      expect(detected, rule).toBeDefined();
      expect(detected!.alert.priority, rule).toBe(priority);
      expect(detected!.alertTime - start, rule).toBeLessThanOrEqual(60_000);
      expect(detected!.alertTime - detected!.firstEventTime, rule).toBeLessThanOrEqual(60_000);
    }
    const sweeper = `system:serviceaccount:${ATTACK.namespace}:${ATTACK.serviceAccount}`;
    expect(byRule.get('secrets-read-across-namespaces')!.alert.principal).toBe(sweeper);
    const attempts = alerts.filter(({ alert }) => alert.rule === 'privilege-escalation-attempt');
    // the person installing the chart changed roles and bindings; the sweeper tried to bind, without a body
    expect(attempts.map(({ alert }) => [alert.principal, alert.evidence])).toEqual([
      ['alice@example.com', ['attack-role']],
      [sweeper, ['attack-probe-binding']],
    ]);
    expect(byRule.get('dns-many-unique-subdomains')!.alert.principal).toBe(`${ATTACK.namespace}/${ATTACK.pod}`);
    expect(byRule.get('dns-many-unique-subdomains')!.alert.domains).toEqual([EXFIL_DOMAIN]);
    // the correlation names both sides and cites every step: auditIDs and DNS lines
    const correlation = byRule.get('secrets-read-then-dns-exfiltration')!.alert;
    expect(correlation.serviceAccount).toMatchObject({ namespace: ATTACK.namespace, name: ATTACK.serviceAccount, pods: [{ namespace: ATTACK.namespace, name: ATTACK.pod, workload: 'Deployment/fast-trace-agent' }] });
    expect(correlation.pod).toMatchObject({ namespace: ATTACK.namespace, name: ATTACK.pod });
    expect(correlation.domains).toEqual([EXFIL_DOMAIN]);
    expect(correlation.evidence.some((id) => id.startsWith('attack-get-'))).toBe(true);
    expect(correlation.evidence.some((id) => id.startsWith('dns.log:'))).toBe(true);
    expect(correlation.objects?.length).toBeGreaterThanOrEqual(5);
    // every high alert rests on attack evidence only
    for (const { alert } of alerts.filter(({ alert }) => atOrAbove(alert.priority, 'high'))) {
      for (const id of alert.evidence) expect(id.startsWith('attack-') || id.startsWith('dns.log:'), `${alert.rule} ${id}`).toBe(true);
    }
    // throttling: the sweep of 500 gets is a handful of alerts, not hundreds
    expect(alerts.length).toBeLessThan(25);
    // the Secret in the sweep's first response never reaches an alert
    expect(JSON.stringify(alerts)).not.toContain('aHVudGVyMg==');
    // evaluating only the rules an event's resource can match changes nothing
    const everyRule = { ...rules, rules: rules.rules.map((rule) => ({ ...rule, resources: undefined })) };
    expect(run([...benign.audit, ...attackAudit()], [...benign.dns, ...attackDns()], everyRule).alerts().map(({ alert }) => alert)).toEqual(alerts.map(({ alert }) => alert));
  });
});
