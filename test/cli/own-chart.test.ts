import { describe, expect, it } from 'vitest';
import { loadSources } from '../../src/load/sources.js';
import type { KubeObject } from '../../src/core/object.js';
import { runCli } from '../helpers/cli.js';

/** The project's own chart must pass its own scan: no finding at medium or above, whatever options are on. */
describe('deploy/chart/kubeward passes kubeward scan', () => {
  it.each([
    ['default values', []],
    ['token, client CA, persistence, API server CIDRs', ['--set', 'auditWebhook.tokenSecret=tok', '--set', 'auditWebhook.clientCASecret=ca', '--set', 'persistence.enabled=true', '--set', 'networkPolicy.apiServerCIDRs={10.0.0.0/28}']],
    ['admission webhook with cert-manager, rules, own policies and params', ['--set', 'admissionWebhook.certManager.enabled=true', '--set', 'admissionWebhook.rules=true', '--set', 'admissionWebhook.policiesConfigMap=p', '--set', 'admissionWebhook.paramsConfigMap=q']],
  ])('%s', async (_name, flags) => {
    const result = await runCli(['scan', 'deploy/chart/kubeward', '-n', 'kubeward', '--release', 'kubeward', '--format', 'json', '--fail-on', 'medium', ...flags]);
    const report = JSON.parse(result.stdout);
    const serious = report.findings.filter((finding: { severity: string; suppressed: boolean }) => !finding.suppressed && ['critical', 'high', 'medium'].includes(finding.severity));
    expect(serious).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });
});

describe('deploy/chart/kubeward: the admission webhook', () => {
  it('has its own ServiceAccount without a token, a PDB, a deny-all-egress NetworkPolicy, and a webhook configuration leaving out kube-system and its namespace', async () => {
    const { inventory } = await loadSources(['deploy/chart/kubeward'], { namespace: 'kubeward-system', release: 'kw', set: ['admissionWebhook.certManager.enabled=true'] });
    const webhook = inventory.get('ValidatingWebhookConfiguration', undefined, 'kw-kubeward-webhook') as KubeObject & { webhooks: Record<string, any>[] };
    expect(webhook.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe('kubeward-system/kw-kubeward-webhook');
    const [hook] = webhook.webhooks;
    expect(hook).toMatchObject({ failurePolicy: 'Fail', timeoutSeconds: 3, sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: { service: { name: 'kw-kubeward-webhook', namespace: 'kubeward-system', path: '/validate' } } });
    expect(hook.namespaceSelector.matchExpressions).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kubeward-system'] }]);
    const account = inventory.get('ServiceAccount', 'kubeward-system', 'kw-kubeward-webhook');
    expect(account?.automountServiceAccountToken).toBe(false);
    expect(inventory.byKind('RoleBinding', 'ClusterRoleBinding')).toEqual([]);
    expect(inventory.get('PodDisruptionBudget', 'kubeward-system', 'kw-kubeward-webhook')?.spec).toMatchObject({ minAvailable: 1 });
    expect(inventory.get('NetworkPolicy', 'kubeward-system', 'kw-kubeward-webhook')?.spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'], egress: [] });
    expect(inventory.get('Certificate', 'kubeward-system', 'kw-kubeward-webhook')?.spec).toMatchObject({ dnsNames: expect.arrayContaining(['kw-kubeward-webhook.kubeward-system.svc']) });
  });
});
