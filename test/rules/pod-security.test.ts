import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryFromText } from '../../src/load/sources.js';
import { formatVersion, LATEST, POD_SECURITY_CHECKS, type Level } from '../../src/pss/index.js';
import { runRules } from '../../src/rules/engine.js';
import { builtinRules } from '../../src/rules/index.js';
import { corpusPath } from '../helpers/corpus.js';

/**
 * The scan's rules against the same upstream fixtures as `kubeward pss`, at the latest policy
 * version: a pod that meets a level gets no finding naming that level, a pod that fails gets a
 * finding naming the check its fixture exercises. So the rules and `pss` cannot drift apart.
 */
const VERSION = formatVersion(LATEST);

interface PodSecurityEvidence {
  level: Level;
  check: string;
}

function podSecurityFindings(file: string): PodSecurityEvidence[] {
  const { inventory } = inventoryFromText(readFileSync(file, 'utf8'), file);
  return runRules(inventory, builtinRules)
    .map((finding) => finding.evidence?.podSecurity as PodSecurityEvidence | undefined)
    .filter((evidence): evidence is PodSecurityEvidence => evidence !== undefined);
}

describe(`the rule pack agrees with the pod-security-admission fixtures at ${VERSION}`, () => {
  for (const level of ['baseline', 'restricted'] as const) {
    const root = corpusPath('pod-security', 'testdata', level, VERSION);

    it(`${level}: pods that pass get no finding naming ${level === 'baseline' ? 'baseline' : 'any level'}`, () => {
      const offending = readdirSync(join(root, 'pass')).flatMap((name) =>
        podSecurityFindings(join(root, 'pass', name))
          .filter((evidence) => level === 'restricted' || evidence.level === 'baseline')
          .map((evidence) => `${name}: ${evidence.check}`),
      );
      expect(offending).toEqual([]);
    });

    it(`${level}: pods that fail get a finding naming the check their fixture exercises`, () => {
      const missed = readdirSync(join(root, 'fail')).flatMap((name) => {
        const prefix = name.replace(/\d*\.yaml$/, '');
        const check = POD_SECURITY_CHECKS.find((candidate) => candidate.id.toLowerCase() === prefix);
        if (!check) return [`${name}: no check named ${prefix}`];
        // A field both a restricted check and the baseline check it replaces forbid is reported once, as the baseline fact.
        const accepted = [check.id, ...check.versions.flatMap((entry) => entry.overrides ?? [])];
        const found = podSecurityFindings(join(root, 'fail', name));
        return found.some((evidence) => accepted.includes(evidence.check)) ? [] : [`${name}: ${found.map((evidence) => evidence.check).join(', ') || 'nothing'}`];
      });
      expect(missed).toEqual([]);
    });
  }

  it('every check has a rule that reports it in a scan', () => {
    const referenced = new Set(builtinRules.flatMap((rule) => rule.meta.references.filter((ref) => ref.tool === 'pod-security').map((ref) => ref.id)));
    expect(POD_SECURITY_CHECKS.map((check) => check.id).filter((id) => !referenced.has(id))).toEqual([]);
    expect([...referenced].filter((id) => !POD_SECURITY_CHECKS.some((check) => check.id === id))).toEqual([]);
  });
});

describe('helm test pods', () => {
  it('get no hardening finding below medium, and still every finding at medium or above', () => {
    const pod = (annotations: string) => `apiVersion: v1
kind: Pod
metadata: {name: web-test, namespace: shop${annotations}}
spec:
  serviceAccountName: web-test
  restartPolicy: Never
  containers: [{name: curl, image: "curlimages/curl:8.10.1", securityContext: {capabilities: {add: [NET_ADMIN]}}}]
`;
    const severities = (text: string) =>
      runRules(inventoryFromText(text).inventory, builtinRules)
        .map((finding) => `${finding.severity} ${finding.ruleId}`)
        .sort();
    const plain = severities(pod(''));
    expect(plain).toEqual(expect.arrayContaining(['low bare-pod', 'low capabilities-drop-all', 'low read-only-root-filesystem', 'low run-as-non-root', 'medium capabilities-added']));
    const test = severities(pod(', annotations: {helm.sh/hook: test}'));
    expect(test.filter((entry) => entry.startsWith('low'))).toEqual([]);
    expect(test).toContain('medium capabilities-added');
  });
});
