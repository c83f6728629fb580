import type { Finding } from '../core/finding.js';
import { locationLabel, objectLabel, type Report } from './report.js';

/**
 * JUnit XML: one test suite per rule, one failing test case per finding, a skipped case per
 * suppressed finding, and one passing case for a rule with no finding, so CI shows what was checked.
 */
export function renderJunit(report: Report): string {
  const byRule = new Map<string, Finding[]>();
  for (const rule of report.rules) byRule.set(rule.id, []);
  for (const finding of report.findings) {
    const list = byRule.get(finding.ruleId);
    if (list) list.push(finding);
    else byRule.set(finding.ruleId, [finding]);
  }
  const titles = new Map(report.rules.map((rule) => [rule.id, rule.title]));
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const [ruleId, findings] of byRule) {
    const cases: string[] = [];
    if (findings.length === 0) {
      cases.push(`    <testcase classname="${xml(ruleId)}" name="${xml(titles.get(ruleId) ?? ruleId)}"/>`);
    }
    for (const finding of findings) {
      const name = `${objectLabel(finding)}${finding.location ? ` (${locationLabel(finding)})` : ''}`;
      if (finding.suppressed || finding.baselineState === 'unchanged') {
        skipped++;
        const why = finding.suppressed ? `suppressed: ${finding.suppression?.reason ?? ''}` : 'in the baseline';
        cases.push(`    <testcase classname="${xml(ruleId)}" name="${xml(name)}">\n      <skipped message="${xml(why)}"/>\n    </testcase>`);
      } else {
        failures++;
        const detail = [finding.message, finding.remediation ? `Remediation: ${finding.remediation}` : ''].filter(Boolean).join('\n');
        cases.push(
          `    <testcase classname="${xml(ruleId)}" name="${xml(name)}"${finding.location ? ` file="${xml(finding.location.file)}"` : ''}>\n` +
            `      <failure message="${xml(finding.message)}" type="${finding.severity}">${xml(detail)}</failure>\n    </testcase>`,
        );
      }
    }
    tests += cases.length;
    const suiteFailures = findings.filter((finding) => !finding.suppressed && finding.baselineState !== 'unchanged').length;
    const suiteSkipped = findings.length - suiteFailures;
    suites.push(`  <testsuite name="${xml(ruleId)}" tests="${cases.length}" failures="${suiteFailures}" skipped="${suiteSkipped}" errors="0">\n${cases.join('\n')}\n  </testsuite>`);
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="kubeward ${xml(report.version)}" tests="${tests}" failures="${failures}" skipped="${skipped}" errors="0">\n` +
    `${suites.join('\n')}\n</testsuites>\n`
  );
}

/** Escapes text for XML attributes and content, dropping characters XML 1.0 cannot carry. */
export function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
