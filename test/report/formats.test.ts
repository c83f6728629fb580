import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/finding.js';
import { buildReport, render } from '../../src/report/index.js';
import { builtinRules } from '../../src/rules/index.js';
import { sarifValidator } from '../helpers/sarif.js';


const findings: Finding[] = [
  {
    ruleId: 'privileged-container',
    severity: 'high',
    title: 'Privileged container',
    message: 'container "helper" runs privileged <& "quoted"> | piped',
    object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'checkout', name: 'agent' },
    location: { file: 'charts/fta/templates/deploy ment.yaml', line: 27 },
    stage: 'fortify',
    suppressed: false,
    remediation: 'Remove privileged.',
  },
  {
    ruleId: 'image-latest-tag',
    severity: 'medium',
    title: 'Container image without a pinned tag',
    message: 'container "helper" runs image "x:latest"',
    object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'checkout', name: 'agent' },
    location: { file: 'charts/fta/templates/deploy ment.yaml', line: 25 },
    stage: 'fortify',
    suppressed: true,
    suppression: { source: 'config', reason: 'pinned by digest in prod', expires: '2030-01-01' },
  },
  {
    ruleId: 'default-service-account',
    severity: 'low',
    title: 'Workload runs as the default ServiceAccount',
    message: 'runs as default',
    object: { apiVersion: 'v1', kind: 'Pod', namespace: 'x', name: 'p' },
    location: { file: '-', line: 3 },
    stage: 'evaluate',
    suppressed: true,
    suppression: { source: 'annotation', reason: '' },
  },
  {
    ruleId: 'engine-finding',
    severity: 'critical',
    title: 'A finding from an engine, not a rule module',
    message: 'no location at all',
    object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'b' },
    stage: 'evaluate',
    suppressed: false,
  },
];
const report = buildReport({ sources: ['charts/fta'], findings, rules: builtinRules.map((rule) => rule.meta), warnings: ['a warning'] });

describe('json', () => {
  it('follows the contract: kubeward, findings with the contract keys, summary of unsuppressed findings', () => {
    const json = JSON.parse(render(report, 'json'));
    expect(Object.keys(json).slice(0, 3)).toEqual(['kubeward', 'findings', 'summary']);
    expect(json.kubeward).toMatch(/^\d+\.\d+\.\d+/);
    expect(json.summary).toEqual({ critical: 1, high: 1, medium: 0, low: 0, info: 0 });
    expect(json.findings.map((finding: Finding) => finding.ruleId)).toEqual(['engine-finding', 'privileged-container', 'image-latest-tag', 'default-service-account']);
    for (const finding of json.findings) {
      expect(Object.keys(finding).slice(0, 5)).toEqual(['ruleId', 'severity', 'title', 'message', 'object']);
      expect(['critical', 'high', 'medium', 'low', 'info']).toContain(finding.severity);
      expect(['recon', 'evaluate', 'fortify', 'limit', 'expose', 'exercise']).toContain(finding.stage);
      expect(typeof finding.suppressed).toBe('boolean');
    }
    expect(json.findings[0].object).toEqual({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'b' });
    expect(json.findings[0].location).toBeUndefined();
    expect(json.findings[2].suppression).toEqual({ source: 'config', reason: 'pinned by digest in prod', expires: '2030-01-01' });
  });
});

describe('sarif', () => {
  const log = JSON.parse(render(report, 'sarif'));

  it('validates against the SARIF 2.1.0 JSON schema', () => {
    const validate = sarifValidator();
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the validator does reject a broken log (the schema check is not vacuous)', () => {
    const validate = sarifValidator();
    const broken = structuredClone(log);
    broken.runs[0].results[0].level = 'fatal';
    delete broken.version;
    expect(validate(broken)).toBe(false);
  });

  it('carries rule metadata, file and line, and suppressions', () => {
    const run = log.runs[0];
    const ruleIds = run.tool.driver.rules.map((rule: { id: string }) => rule.id);
    expect(ruleIds).toEqual(expect.arrayContaining(['privileged-container', 'default-service-account', 'image-latest-tag', 'engine-finding']));
    const privileged = run.results.find((result: { ruleId: string }) => result.ruleId === 'privileged-container');
    expect(privileged.level).toBe('error');
    expect(run.tool.driver.rules[privileged.ruleIndex].id).toBe('privileged-container');
    expect(run.tool.driver.rules[privileged.ruleIndex].properties['security-severity']).toBe('8.0');
    expect(privileged.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'charts/fta/templates/deploy%20ment.yaml', uriBaseId: 'SRCROOT' }, region: { startLine: 27 } });
    expect(privileged.locations[0].logicalLocations[0].fullyQualifiedName).toBe('Deployment/checkout/agent');
    const suppressed = run.results.filter((result: { suppressions?: unknown[] }) => result.suppressions);
    expect(suppressed.map((result: { suppressions: { kind: string }[] }) => result.suppressions[0].kind)).toEqual(['external', 'inSource']);
    // stdin has no file to point at: the result keeps its logical location only.
    const fromStdin = run.results.find((result: { ruleId: string }) => result.ruleId === 'default-service-account');
    expect(fromStdin.locations[0].physicalLocation).toBeUndefined();
  });
});

describe('junit', () => {
  const text = render(report, 'junit');
  it('is well-formed XML with a suite per rule, failures for open findings and skips for suppressed ones', () => {
    expect(XMLValidator.validate(text)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text);
    const suites = [parsed.testsuites.testsuite].flat();
    expect(parsed.testsuites.failures).toBe('2');
    expect(parsed.testsuites.skipped).toBe('2');
    const privileged = suites.find((suite: { name: string }) => suite.name === 'privileged-container');
    expect(privileged.testcase.failure.message).toBe('container "helper" runs privileged <& "quoted"> | piped');
  });
});

describe('markdown', () => {
  const text = render(report, 'markdown');
  it('has the counts, a findings table with escaped cells, and folds suppressed findings away', () => {
    expect(text).toContain('| 1 | 1 | 0 | 0 | 0 |');
    expect(text).toContain('| 🟧 high | `privileged-container` | Deployment checkout/agent | charts/fta/templates/deploy ment.yaml:27 | container "helper" runs privileged &lt;& "quoted"> \\| piped |');
    expect(text).toMatch(/<details><summary>2 suppressed<\/summary>/);
  });
});

describe('table', () => {
  it('groups findings by object and has no colour codes unless asked', () => {
    const plain = render(report, 'table');
    expect(plain).not.toMatch(/\u001b\[/);
    const lines = plain.split('\n');
    const header = lines.findIndex((line) => line.startsWith('Deployment checkout/agent'));
    expect(lines[header + 1]).toMatch(/:27\s+HIGH\s+privileged-container/);
    expect(lines[header + 2]).toMatch(/:25\s+MEDIUM\s+image-latest-tag .*\(suppressed: pinned by digest in prod\)/);
    expect(plain).toMatch(/2 findings: 1 critical, 1 high \(2 suppressed\)\.\n$/);
    expect(render(report, 'table', { color: true })).toMatch(/\u001b\[/);
  });
});
