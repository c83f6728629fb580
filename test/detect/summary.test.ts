import { describe, expect, it } from 'vitest';
import type { Severity } from '../../src/core/severity.js';
import type { DetectedAlert } from '../../src/detect/detector.js';
import { AlertTally, MAX_TIME_TO_DETECT } from '../../src/detect/summary.js';

const detected = (index: number, priority: Severity): DetectedAlert =>
  ({
    alert: { rule: `rule-${index % 3}`, priority, time: new Date(index * 1000).toISOString(), principal: 'p', summary: 's', evidence: [String(index)], stage: 'expose' },
    alertTime: index * 1000 + 500,
    firstEventTime: index * 1000,
  }) as DetectedAlert;

describe('AlertTally: bounded memory for runs that follow a log for weeks', () => {
  it('counts every alert by rule and priority, and keeps the first times to detect only', () => {
    const tally = new AlertTally();
    const total = MAX_TIME_TO_DETECT + 250;
    for (let index = 0; index < total; index++) tally.add([detected(index, index === total - 1 ? 'critical' : 'low')]);
    expect(tally.count).toBe(total);
    expect(Object.values(tally.byRule).reduce((sum, count) => sum + count, 0)).toBe(total);
    expect(tally.timeToDetect).toHaveLength(MAX_TIME_TO_DETECT);
    expect(tally.timeToDetect[0]).toMatchObject({ rule: 'rule-0', seconds: 0.5 });
    // The one critical alert came after the cap: the exit code still sees it.
    expect(tally.reached('critical')).toBe(true);
    expect(tally.reached('high')).toBe(true);
    const quiet = new AlertTally();
    quiet.add([detected(1, 'medium')]);
    expect(quiet.reached('high')).toBe(false);
    expect(quiet.reached('medium')).toBe(true);
  });
});
