import { describe, expect, it } from 'vitest';
import { parseServiceAccountUsername } from '../../src/core/identity.js';
import { emptyAuditStats, parseAuditBody, parseAuditLine, principalOf } from '../../src/detect/audit.js';
import { Detector } from '../../src/detect/detector.js';
import { loadKubewardRules } from '../../src/detect/rules.js';

const event = (overrides: Record<string, unknown> = {}) => ({
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: 'id-1',
  stage: 'ResponseComplete',
  verb: 'get',
  requestURI: '/api/v1/namespaces/a/secrets/s',
  user: { username: 'alice', groups: ['system:authenticated'] },
  objectRef: { resource: 'secrets', namespace: 'a', name: 's', apiVersion: 'v1' },
  responseStatus: { code: 200 },
  requestReceivedTimestamp: '2026-03-01T10:00:00.000001Z',
  stageTimestamp: '2026-03-01T10:00:00.000002Z',
  ...overrides,
});

describe('audit event parsing', () => {
  it('reads a JSON line, keeps the event time to the microsecond text', () => {
    const stats = emptyAuditStats();
    const [parsed] = parseAuditLine(JSON.stringify(event()), stats);
    expect(parsed.auditID).toBe('id-1');
    expect(parsed.timeText).toBe('2026-03-01T10:00:00.000002Z');
    expect(parsed.time).toBe(Date.parse('2026-03-01T10:00:00.000Z'));
    expect(stats).toMatchObject({ lines: 1, events: 1, truncated: 0, rejected: 0 });
  });

  it('counts a truncated line and goes on', () => {
    const stats = emptyAuditStats();
    const text = JSON.stringify(event());
    const lines = [text.slice(0, 80), JSON.stringify(event({ auditID: 'id-2' })), '', '   '];
    const events = lines.flatMap((line) => parseAuditLine(line, stats));
    expect(events.map((e) => e.auditID)).toEqual(['id-2']);
    expect(stats).toMatchObject({ lines: 2, events: 1, truncated: 1 });
  });

  it('reads an EventList whose items carry no kind or apiVersion (the webhook backend)', () => {
    const stats = emptyAuditStats();
    const { kind: _kind, apiVersion: _apiVersion, ...bare } = event();
    const body = JSON.stringify({ kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: [bare, { ...bare, auditID: 'id-2' }] });
    expect(parseAuditBody(body, stats).map((e) => e.auditID)).toEqual(['id-1', 'id-2']);
    expect(stats.rejected).toBe(0);
  });

  it.each([
    [{ kind: 0 }, 'data not recognized as a k8s audit event'],
    [{ ...event(), kind: 'Pod' }, 'data not recognized as a k8s audit event'],
    [{ ...event(), auditID: undefined }, 'event without auditID or stage'],
    [{ ...event(), stageTimestamp: 'yesterday', requestReceivedTimestamp: undefined }, "can't read stageTimestamp"],
    [{ kind: 'EventList' }, 'EventList without items'],
    ['a string', 'not a JSON object'],
  ])('rejects %j with a reason', (value, reason) => {
    const stats = emptyAuditStats();
    expect(parseAuditLine(JSON.stringify(value), stats)).toEqual([]);
    expect(stats.rejectReasons).toEqual({ [reason]: 1 });
  });

  it('counts unknown top-level fields and accepts the legacy v1beta1 ones', () => {
    const stats = emptyAuditStats();
    parseAuditLine(JSON.stringify(event({ timestamp: '2018-10-26T13:00:00Z', metadata: {}, clusterName: 'prod', shipper: { host: 'x' } })), stats);
    parseAuditLine(JSON.stringify(event({ auditID: 'id-2', clusterName: 'prod' })), stats);
    expect(stats.unknownFields).toEqual({ clusterName: 2, shipper: 1 });
  });

  it('falls back to requestReceivedTimestamp when stageTimestamp is missing', () => {
    const [parsed] = parseAuditLine(JSON.stringify(event({ stageTimestamp: undefined })), emptyAuditStats());
    expect(parsed.timeText).toBe('2026-03-01T10:00:00.000001Z');
  });

  it('reads service-account usernames and names the actor, not the impersonated user', () => {
    expect(parseServiceAccountUsername('system:serviceaccount:kube-system:replicaset-controller')).toEqual({ namespace: 'kube-system', name: 'replicaset-controller' });
    expect(parseServiceAccountUsername('system:serviceaccount:broken')).toBeUndefined();
    expect(parseServiceAccountUsername('alice')).toBeUndefined();
    const [parsed] = parseAuditLine(JSON.stringify(event({ impersonatedUser: { username: 'system:admin' } })), emptyAuditStats());
    expect(principalOf(parsed)).toBe('alice');
  });
});

describe('stage deduplication', () => {
  const rules = loadKubewardRules([{ name: 'r.yaml', text: '- rule: any-secret-read\n  desc: x\n  priority: low\n  condition: ka.target.resource=secrets\n' }]);
  const stages = (auditID: string, ...names: string[]) => names.map((stage) => JSON.stringify(event({ auditID, stage })));

  it.each([
    ['one request logged at every stage is one request', stages('r1', 'RequestReceived', 'ResponseStarted', 'ResponseComplete'), 1, { duplicates: 0, stagesMerged: 1 }],
    ['a retried batch (same auditID and stage) is dropped', [...stages('r1', 'ResponseComplete'), ...stages('r1', 'ResponseComplete')], 1, { duplicates: 1, stagesMerged: 0 }],
    ['RequestReceived alone has no outcome and raises nothing', stages('r1', 'RequestReceived'), 0, { duplicates: 0, stagesMerged: 0 }],
    ['two requests are two', [...stages('r1', 'ResponseComplete'), ...stages('r2', 'ResponseComplete')], 2, { duplicates: 0, stagesMerged: 0 }],
  ])('%s', (_name, lines, alerts, stats) => {
    const detector = new Detector({ rules });
    const stats0 = emptyAuditStats();
    const fired = lines.flatMap((line) => parseAuditLine(line, stats0)).flatMap((e) => detector.process(e));
    expect(fired).toHaveLength(alerts);
    expect(detector.stats).toMatchObject(stats);
  });
});
