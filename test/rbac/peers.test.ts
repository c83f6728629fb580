import { describe, expect, it } from 'vitest';
import { rbacRuleMetas } from '../../src/rbac/findings.js';
import { RISK_PEERS } from '../../src/rbac/peers.js';
import { builtinRules } from '../../src/rules/index.js';

describe('RBAC peers: the role rules and the engine findings name the same peers', () => {
  it('every risk given peers exists, and carries them before the Kubernetes docs', () => {
    const metas = new Map(rbacRuleMetas({ perGrant: true }).map((meta) => [meta.id, meta]));
    for (const [id, peers] of Object.entries(RISK_PEERS)) {
      expect(metas.has(id), id).toBe(true);
      expect(metas.get(id)?.references.slice(0, peers.length)).toEqual(peers);
      expect(metas.get(id)?.references.at(-1)?.tool).toBe('kubernetes-docs');
    }
  });

  it('a role rule and the engine finding for the same grant share their peers', () => {
    const role = (id: string) => builtinRules.find((rule) => rule.meta.id === id)?.meta.references;
    expect(role('role-reads-secrets')).toBe(RISK_PEERS['rbac-read-secrets']);
    expect(role('role-wildcard')).toBe(RISK_PEERS['rbac-wildcard']);
    expect(role('role-pod-exec')).toBe(RISK_PEERS['rbac-pod-exec']);
    expect(role('role-writes-webhooks')).toBe(RISK_PEERS['rbac-admission-control']);
  });
});
