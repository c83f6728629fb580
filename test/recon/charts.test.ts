/**
 * The Recon stage on charts of our own (test/fixtures/charts/recon): the battlecard's trojan and its
 * variants must be critical, with the evidence quoted; clean charts and the shapes of popular ones
 * must not be. Each chart is rendered by the real helm, three times (see load/render-variants.ts).
 *
 * Only the checks of the attack pattern, the RBAC grants, posture and render comparison are
 * asserted finding by finding (rule packs elsewhere add hardening findings to the same charts);
 * "nothing critical" is asserted over every finding.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/finding.js';
import { loadSources } from '../../src/load/sources.js';
import { scanInventory } from '../../src/scan.js';

const CHARTS = 'test/fixtures/charts/recon';
const ATTACK_RULES = /^(rbac-|container-holds-powerful-token$|container-exfiltration-tells$|pod-dns-outside-cluster$|chart-|namespace-network-posture$)/;

async function scanChart(name: string, namespace = 'shop'): Promise<Finding[]> {
  const loaded = await loadSources([`${CHARTS}/${name}`], { namespace, release: 'rel', probeCharts: true });
  expect(loaded.probes?.[0].skipped).toEqual([]);
  return scanInventory(loaded.inventory, { disable: [], ignore: [] }, { releaseNamespace: namespace, probes: loaded.probes }).findings;
}

const summary = (findings: Finding[]) => findings.filter((finding) => ATTACK_RULES.test(finding.ruleId)).map((finding) => `${finding.severity} ${finding.ruleId} ${finding.object.kind}/${finding.object.name}`).sort();
const critical = (findings: Finding[]) => findings.filter((finding) => finding.severity === 'critical');

describe('the battlecard trojan and its variants: critical, with the evidence quoted', () => {
  it('trojan: the sidecar that loops with nslookup holds the token that lists every Secret', async () => {
    const findings = await scanChart('trojan');
    expect(summary(findings)).toEqual(['critical container-holds-powerful-token Deployment/rel-agent', 'high rbac-read-secrets ClusterRoleBinding/rel-tracing']);
    const [attack] = critical(findings);
    expect(attack.message).toMatch(
      /^container "collector" \(image docker\.io\/tr4ce\/collector:latest, not the main container's registry ghcr\.io\) runs a shell loop \(while true\), uses network tools \(nslookup\), encodes data \(base64\), calls the API server \(kubectl\), names addresses outside the cluster \(t\.fast-trace-cdn\.net\), and holds the token of ServiceAccount shop\/rel-tracing \(automounted\), which can list Secrets in every namespace; "agent" holds it too; reported because it shows exfiltration tells and it is not the main container/,
    );
    expect(attack.evidence).toMatchObject({ container: 'collector', mainContainer: 'agent', token: 'ServiceAccount shop/rel-tracing', secrets: 'cluster', exfiltration: true });
    expect((attack.evidence?.tells as { kind: string; quote: string }[]).map((tell) => `${tell.kind}: ${tell.quote}`)).toEqual(
      expect.arrayContaining(['shell-loop: while true', 'network-tool: nslookup', 'encoding: base64', 'outside-address: t.fast-trace-cdn.net', 'foreign-image: docker.io/tr4ce/collector:latest (registry docker.io, not ghcr.io)', 'moving-tag: docker.io/tr4ce/collector:latest']),
    );
    expect(attack.location).toEqual({ file: `${CHARTS}/trojan/templates/deployment.yaml`, line: 23 });
  });

  it('aggregation label: Secrets added to view are critical on the ClusterRole', async () => {
    const findings = await scanChart('trojan-aggregated');
    expect(summary(findings)).toEqual(['critical rbac-aggregates-into-default-roles ClusterRole/rel-trace-viewer', 'high rbac-read-secrets ClusterRoleBinding/rel-agent-view']);
    expect(critical(findings)[0].message).toBe('adds 1 rule (secrets) to ClusterRole view: every subject bound to view anywhere in the cluster silently gains what rbac-read-secrets reports');
  });

  it('hooks that delete themselves: the Secret-reading grant exists only while the hook runs', async () => {
    const findings = await scanChart('trojan-hook');
    expect(summary(findings)).toEqual(['critical rbac-read-secrets ClusterRoleBinding/rel-warmup']);
    expect(critical(findings)[0].message).toMatch(/It is a Helm hook that deletes itself after it runs \(hook-succeeded\): the grant will not be there when anyone looks\. Its token is held by container "warmup" of Job shop\/rel-warmup\./);
  });

  it('RoleBindings fanned out into other namespaces: one critical finding per binding, kube-system included', async () => {
    const findings = await scanChart('trojan-fanout');
    expect(summary(findings)).toEqual(['critical rbac-read-secrets RoleBinding/rel-span-reader', 'critical rbac-read-secrets RoleBinding/rel-span-reader']);
    expect(findings.filter((finding) => finding.ruleId === 'rbac-read-secrets').map((finding) => finding.object.namespace).sort()).toEqual(['kube-system', 'payments']);
    expect(critical(findings).map((finding) => finding.message).join('\n')).toMatch(/the RoleBinding grants in namespace payments, outside its account's namespace shop/i);
  });

  it.each(['shop', 'default'])('rendered only outside default: critical whether the scan renders in %s or not', async (namespace) => {
    const findings = await scanChart('trojan-not-default', namespace);
    const hidden = findings.find((finding) => finding.ruleId === 'chart-renders-differently');
    expect(hidden).toMatchObject({ severity: 'critical', object: { kind: 'ClusterRoleBinding', name: 'rel-agent' } });
    expect(hidden?.message).toMatch(/the chart renders it only outside `default`, where scanners render/);
    expect(hidden?.location?.file).toBe(`${CHARTS}/trojan-not-default/templates/rbac.yaml`);
  });

  it('another Kubernetes version: the collector appears only on v1.31', async () => {
    const findings = await scanChart('trojan-kube-version');
    expect(summary(findings)).toEqual(['critical chart-renders-differently Deployment/rel-agent']);
    expect(critical(findings)[0].message).toBe('Deployment shop/rel-agent changes with Kubernetes v1.31.0: containers.collector (only there)');
  });

  it('a native sidecar with a projected token, despite automount off', async () => {
    const findings = await scanChart('trojan-native-sidecar');
    expect(summary(findings)).toEqual(['critical container-holds-powerful-token Deployment/rel-agent', 'high rbac-read-secrets ClusterRoleBinding/rel-agent']);
    expect(critical(findings)[0].message).toMatch(/^native sidecar "span-cache" \(image ghcr\.io\/fast-trace\/span-cache:1\.4\.2\) holds the token of ServiceAccount shop\/rel-agent \(projected at \/var\/run\/secrets\/tokens\), which can list Secrets in every namespace; reported because it is a native sidecar/);
  });

  it('dnsPolicy: None to an outside resolver, from the container that holds the token', async () => {
    const findings = await scanChart('trojan-dns');
    expect(summary(findings)).toEqual(['critical container-holds-powerful-token Deployment/rel-agent', 'high rbac-read-secrets ClusterRoleBinding/rel-agent', 'medium pod-dns-outside-cluster Deployment/rel-agent']);
    expect(critical(findings)[0].message).toMatch(/sends DNS to resolvers outside the cluster \(dnsPolicy: None, nameserver 198\.51\.100\.53\)/);
  });
});

describe('clean charts: nothing critical', () => {
  it.each([
    ['clean-pinned', []],
    ['clean-secret-by-name', ['low rbac-get-secrets RoleBinding/rel-api']],
    ['clean-log-shipper', []],
    // An ingress controller reads Secrets cluster-wide for a living: high ("justify it"), not silent, not critical.
    // Its admission-webhook certificate jobs are hooks that delete themselves, updating webhook configurations: high, not critical.
    ['clean-ingress-like', ['high rbac-admission-control ClusterRoleBinding/rel-admission', 'high rbac-read-secrets ClusterRoleBinding/rel-controller', 'low rbac-get-secrets RoleBinding/rel-admission']],
    // cert-manager: Secrets cluster-wide (controller, cainjector), leader election in kube-system by name, its own resources into view/edit/admin.
    [
      'clean-cert-manager-like',
      [
        'high rbac-read-secrets ClusterRoleBinding/rel-cainjector',
        'high rbac-read-secrets ClusterRoleBinding/rel-controller-certificates',
        'info rbac-aggregates-into-default-roles ClusterRole/rel-edit',
        'info rbac-aggregates-into-default-roles ClusterRole/rel-view',
        'low rbac-binding-outside-namespace RoleBinding/rel-cainjector:leaderelection',
        'low rbac-binding-outside-namespace RoleBinding/rel-controller:leaderelection',
        'low rbac-get-secrets RoleBinding/rel-webhook:dynamic-serving',
      ],
    ],
  ])('%s', async (name, expected) => {
    const findings = await scanChart(name);
    expect(critical(findings)).toEqual([]);
    expect(summary(findings)).toEqual(expected);
  });
});

describe('the shapes of popular charts: one finding per grant, severity by scope (issue 15)', () => {
  it.each([
    // Gatekeeper's audit: get,list,watch on everything is one finding listing its risks, high.
    ['read-everything-audit', ['high rbac-wildcard ClusterRoleBinding/rel-audit']],
    // A level lower inside its own namespace.
    ['own-namespace-secret-reader', ['medium rbac-read-secrets RoleBinding/rel-operator']],
    // external-secrets updating its own two webhooks by name: a level lower than writing any webhook.
    ['webhook-updater', ['medium rbac-admission-control ClusterRoleBinding/rel-cert-controller']],
    // Every verb on the chart's own API groups is not `*` on everything.
    ['own-group-wildcard', ['low rbac-wildcard ClusterRoleBinding/rel-policies']],
    // argo-cd's redis-secret-init: creating Secrets in its own namespace beside a cluster-admin account stays low.
    ['own-namespace-escalation', ['high rbac-cluster-admin ClusterRoleBinding/rel-controller', 'low rbac-get-secrets RoleBinding/rel-secret-init']],
    // Aggregating the chart's own custom resources into view, edit and admin is harmless.
    ['aggregate-harmless', ['info rbac-aggregates-into-default-roles ClusterRole/rel-widgets-edit', 'info rbac-aggregates-into-default-roles ClusterRole/rel-widgets-view']],
  ])('%s', async (name, expected) => {
    const findings = await scanChart(name);
    expect(critical(findings)).toEqual([]);
    expect(summary(findings)).toEqual(expected);
  });

  it('read-everything-audit lists every risk of the one grant, worst first', async () => {
    const [grant] = (await scanChart('read-everything-audit')).filter((finding) => finding.ruleId.startsWith('rbac-'));
    expect((grant.evidence?.risks as { id: string }[]).map((risk) => risk.id)).toEqual(['rbac-wildcard', 'rbac-read-secrets', 'rbac-pod-exec', 'rbac-nodes-proxy']);
    expect(grant.message).toMatch(/^ServiceAccount shop\/rel-audit: wildcard permission cluster-wide: get,list,watch \* \(all API groups\) via ClusterRoleBinding rel-audit → ClusterRole rel-audit\. Also reads Secrets cluster-wide; may exec, attach or port-forward into pods cluster-wide; may use the nodes\/proxy subresource cluster-wide\./);
  });

  it('a helm test pod: its ServiceAccount and image tag findings are info', async () => {
    const findings = await scanChart('test-hook');
    const onTestPod = findings.filter((finding) => finding.object.name === 'rel-test-connection');
    expect(onTestPod.map((finding) => `${finding.severity} ${finding.ruleId}`).sort()).toEqual(['info default-service-account', 'info image-latest-tag']);
  });
});
