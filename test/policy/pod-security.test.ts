import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Inventory } from '../../src/core/inventory.js';
import { loadPolicySet, type PolicySet } from '../../src/load/policies.js';
import { loadSources } from '../../src/load/sources.js';
import { admitInventory } from '../../src/policy/run.js';
import { corpusPath } from '../helpers/corpus.js';
import { REPO } from '../helpers/cli.js';

/**
 * The pack's Pod Security restricted policy against the upstream pod-security-admission fixtures:
 * every pass/ pod admitted without a warning, every fail/ pod warned.
 */
const VERSIONS = ['v1.30', 'v1.34', 'v1.35', 'v1.37'];
let set: PolicySet;

beforeAll(async () => {
  set = await loadPolicySet({ policyPaths: [join(REPO, 'policies/pod-security-restricted/policy.yaml')] });
});

describe.each(VERSIONS)('pod-security fixtures, restricted %s', (version) => {
  for (const expected of ['pass', 'fail'] as const) {
    it(`${expected}/ pods are ${expected === 'pass' ? 'admitted' : 'warned'}`, async () => {
      const dir = corpusPath('pod-security', 'testdata', 'restricted', version, expected);
      expect(readdirSync(dir).length).toBeGreaterThan(10);
      const { inventory } = await loadSources([dir]);
      const wrong: string[] = [];
      for (const object of inventory.objects) {
        const [{ result }] = admitInventory(set, Inventory.of([object]));
        expect(result.ignoredErrors).toEqual([]);
        const warned = result.violations.length > 0;
        if (warned !== (expected === 'fail')) wrong.push(`${object.metadata.name}: ${result.violations.map((violation) => violation.message).join('; ')}`);
      }
      expect(wrong).toEqual([]);
    });
  }
});
