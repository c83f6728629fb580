/**
 * Charts that render differently where scanners look: the comparison of a chart's render with its
 * second and third renders (another release namespace, another Kubernetes version; load/render-variants.ts
 * runs helm), and the templates that call `lookup`. Only what matters for security is compared:
 * RBAC objects, ServiceAccounts, token Secrets, webhook configurations, and the pod templates'
 * accounts, containers, images, commands, volumes and host settings; never annotations, replicas or
 * generated certificates, which legitimately differ from one render to the next.
 */
import type { Finding } from '../core/finding.js';
import { Inventory } from '../core/inventory.js';
import { describeRef, isRecord, refOf, type KubeObject } from '../core/object.js';
import type { Severity } from '../core/severity.js';
import { podTemplateOf, WORKLOAD_KINDS } from '../core/workload.js';
import type { ChartProbe, RenderVariant } from '../load/render-variants.js';
import { builtinRoleRules, risksOfRules } from '../rbac/reach.js';
import { parseRules } from '../rbac/model.js';
import { findingFor, type SuppressionOptions } from './engine.js';
import type { RuleMeta } from './rule.js';

export const RENDER_RULES = {
  environment: {
    id: 'chart-renders-differently',
    title: 'Chart renders differently by namespace or Kubernetes version',
    severity: 'critical',
    stage: 'recon',
    description:
      'The chart is rendered three times: as you asked, with the release namespace `default` (or another one when yours is `default`), and with another Kubernetes version. An object that appears, disappears or changes between the renders is one that scanners, which render in `default` with `helm template`\'s own version, do not see: "this chart renders its ClusterRoleBinding only when installed outside `default`". `critical` when what hides is a grant carrying a risky permission, a webhook configuration, or a workload\'s containers, images, commands, accounts or host settings; `medium` for ServiceAccounts and token Secrets; `low` for RBAC objects that grant nothing risky (a PodSecurityPolicy `use` role on old versions).',
    remediation: 'Read the template that decides on `.Release.Namespace` or `.Capabilities.KubeVersion` and ask why. Scan with `-n` and `--kube-version` set to where you will install.',
    references: [{ tool: 'kubernetes-docs', id: 'helm-built-in-objects', url: 'https://helm.sh/docs/chart_template_guide/builtin_objects/' }],
  },
  lookup: {
    id: 'chart-uses-lookup',
    title: 'Chart reads the live cluster with lookup',
    severity: 'low',
    stage: 'recon',
    description:
      'A template calls `lookup`, which reads objects from the cluster at install time and returns nothing to `helm template`: what the chart installs depends on the cluster, and no scan of the rendered chart sees that part. Charts commonly use it to keep a generated password across upgrades; it also lets a template render differently once it finds something worth taking.',
    remediation: 'Read what the template does with what it looks up. Scan the chart as the post-renderer gate (`helm install --post-renderer kubeward`), which sees the objects helm renders with the cluster\'s answers.',
    references: [{ tool: 'kubernetes-docs', id: 'helm-lookup', url: 'https://helm.sh/docs/chart_template_guide/functions_and_pipelines/#using-the-lookup-function' }],
  },
} satisfies Record<string, RuleMeta>;

export const RENDER_RULE_LIST: RuleMeta[] = Object.values(RENDER_RULES);

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const WEBHOOK_KINDS = new Set(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']);
const COMPARED_KINDS = new Set([...RBAC_KINDS, ...WEBHOOK_KINDS, ...WORKLOAD_KINDS, 'ServiceAccount', 'Secret']);
/** Pod template fields whose difference is the attack's (who runs, what runs, with what access). */
const CRITICAL_POD_FIELDS = /^(serviceAccountName|serviceAccount|automountServiceAccountToken|hostNetwork|hostPID|hostIPC|dnsPolicy|dnsConfig|hostAliases|volumes|(initContainers|containers|ephemeralContainers)(\.[^.]+)?(\.(name|image|command|args|env|envFrom|volumeMounts|securityContext\.privileged|securityContext\.capabilities))?)(\.|$)/;

/** Findings for every probe of a scan: objects that differ between renders, and `lookup` calls. */
export function renderVariantFindings(inventory: Inventory, probes: readonly ChartProbe[], options: SuppressionOptions = {}): Finding[] {
  const findings: Finding[] = [];
  for (const probe of probes) {
    const primary = inventory.objects.filter((object) => inventory.provenanceOf(object)?.source === probe.chart);
    // Loops, not push(...): a chart rendering 200,000 objects may differ in all of them.
    for (const variant of probe.variants) for (const finding of compare(inventory, primary, probe, variant, options)) findings.push(finding);
    for (const finding of lookupFindings(probe, options)) findings.push(finding);
  }
  return findings;
}

function compare(inventory: Inventory, primary: KubeObject[], probe: ChartProbe, variant: RenderVariant, options: SuppressionOptions): Finding[] {
  const findings: Finding[] = [];
  const same = equivalence(probe.namespace, variant.namespace);
  const variantInventory = new Inventory(variant.objects);
  const compared = (objects: KubeObject[]) => objects.filter((object) => COMPARED_KINDS.has(object.kind));
  const variantByKey = new Map<string, KubeObject>();
  for (const object of compared(variantInventory.objects as KubeObject[])) variantByKey.set(same.key(object, true), object);
  const matched = new Set<KubeObject>();
  const where = describeVariant(probe, variant);
  for (const object of compared(primary)) {
    const other = variantByKey.get(same.key(object, false)) ?? variantByKey.get(same.key(object, true));
    if (!other) {
      findings.push(findingFor(RENDER_RULES.environment, object, { message: `${describeRef(refOf(object))} is rendered ${where.here} but not ${where.there}: ${where.why}`, severity: severityOf(object, primary, []), evidence: { present: where.hereShort, absent: where.thereShort } }, inventory, options));
      continue;
    }
    matched.add(other);
    const differences = diff(projection(object), projection(other), '', same.equal);
    if (differences.length === 0) continue;
    findings.push(
      findingFor(RENDER_RULES.environment, object, {
        message: `${describeRef(refOf(object))} changes ${where.there}: ${differences.slice(0, 4).join(', ')}${differences.length > 4 ? ` and ${differences.length - 4} more` : ''}`,
        severity: severityOf(object, primary, differences),
        evidence: { changed: where.thereShort, fields: differences.slice(0, 50) },
      }, inventory, options),
    );
  }
  for (const other of compared(variantInventory.objects as KubeObject[])) {
    if (matched.has(other)) continue;
    findings.push(findingFor(RENDER_RULES.environment, other, { message: `${describeRef(refOf(other))} is rendered ${where.there} but not ${where.here}: ${where.why}`, severity: severityOf(other, variant.objects.map((entry) => entry.object), []), evidence: { present: where.thereShort, absent: where.hereShort } }, variantInventory, options));
  }
  return findings;
}

interface VariantWords {
  here: string;
  there: string;
  hereShort: string;
  thereShort: string;
  why: string;
}

function describeVariant(probe: ChartProbe, variant: RenderVariant): VariantWords {
  if (variant.kind === 'namespace') {
    const hiddenFromDefault = variant.namespace === 'default' || probe.namespace === 'default';
    return {
      here: `when installed in namespace ${probe.namespace} (this scan)`,
      there: `when installed in namespace ${variant.namespace}`,
      hereShort: `namespace ${probe.namespace}`,
      thereShort: `namespace ${variant.namespace}`,
      why: hiddenFromDefault ? 'the chart renders it only outside `default`, where scanners render' : 'the chart decides on its release namespace what it installs',
    };
  }
  const mine = probe.kubeVersion ?? "helm's default version";
  const theirs = variant.kubeVersion ?? "helm's default version";
  return {
    here: `with Kubernetes ${mine} (this scan)`,
    there: `with Kubernetes ${theirs}`,
    hereShort: `kube-version ${mine}`,
    thereShort: `kube-version ${theirs}`,
    why: 'the chart decides on the cluster\'s version what it installs; scan with --kube-version set to your cluster\'s',
  };
}

/** Two renders in two namespaces name the same thing differently: `ns-a-reader` is `ns-b-reader`. */
function equivalence(namespace: string, variantNamespace: string) {
  const swap = (text: string) => (namespace === variantNamespace ? text : text.split(variantNamespace).join(namespace));
  return {
    key(object: KubeObject, normalize: boolean): string {
      const name = object.metadata.name ?? '';
      const objectNamespace = object.metadata.namespace ?? '';
      return `${object.kind}\u0000${normalize ? swap(objectNamespace) : objectNamespace}\u0000${normalize ? swap(name) : name}`;
    },
    equal(a: unknown, b: unknown): boolean {
      return a === b || (typeof a === 'string' && typeof b === 'string' && a === swap(b));
    },
  };
}

/** The fields of an object that decide what it lets run or do. */
function projection(object: KubeObject): unknown {
  if (RBAC_KINDS.has(object.kind)) {
    const labels = Object.fromEntries(Object.entries(object.metadata.labels ?? {}).filter(([key]) => key.startsWith('rbac.authorization.k8s.io/aggregate-to-')));
    return { rules: object.rules, aggregationRule: object.aggregationRule, roleRef: object.roleRef, subjects: object.subjects, aggregateTo: labels };
  }
  if (WEBHOOK_KINDS.has(object.kind)) {
    const webhooks = Array.isArray(object.webhooks) ? object.webhooks : [];
    return webhooks.map((webhook) => (isRecord(webhook) && isRecord(webhook.clientConfig) ? { ...webhook, clientConfig: { ...webhook.clientConfig, caBundle: undefined } } : webhook));
  }
  if (object.kind === 'ServiceAccount') return { automountServiceAccountToken: object.automountServiceAccountToken };
  if (object.kind === 'Secret') return { type: object.type, account: object.metadata.annotations?.['kubernetes.io/service-account.name'] };
  const template = podTemplateOf(object);
  if (!template) return undefined;
  const { spec } = template;
  const container = (value: unknown) => (isRecord(value) ? { name: value.name, image: value.image, command: value.command, args: value.args, env: value.env, envFrom: value.envFrom, volumeMounts: value.volumeMounts, securityContext: value.securityContext, restartPolicy: value.restartPolicy } : value);
  const list = (value: unknown) => (Array.isArray(value) ? value.map(container) : undefined);
  return {
    serviceAccountName: spec.serviceAccountName ?? spec.serviceAccount,
    automountServiceAccountToken: spec.automountServiceAccountToken,
    hostNetwork: spec.hostNetwork,
    hostPID: spec.hostPID,
    hostIPC: spec.hostIPC,
    dnsPolicy: spec.dnsPolicy,
    dnsConfig: spec.dnsConfig,
    hostAliases: spec.hostAliases,
    securityContext: spec.securityContext,
    volumes: spec.volumes,
    initContainers: list(spec.initContainers),
    containers: list(spec.containers),
    ephemeralContainers: list(spec.ephemeralContainers),
  };
}

/** Field paths where two projections differ (list items of containers by name). */
function diff(a: unknown, b: unknown, path: string, equal: (a: unknown, b: unknown) => boolean): string[] {
  if (equal(a, b)) return [];
  if (Array.isArray(a) && Array.isArray(b)) {
    const named = [...a, ...b].every((item) => isRecord(item) && typeof item.name === 'string');
    if (named) {
      const out: string[] = [];
      const names = [...new Set([...a, ...b].map((item) => String((item as Record<string, unknown>).name)))];
      for (const name of names) {
        const left = a.find((item) => (item as Record<string, unknown>).name === name);
        const right = b.find((item) => (item as Record<string, unknown>).name === name);
        out.push(...(left && right ? diff(left, right, `${path}.${name}`, equal) : [`${path}.${name} (${left ? 'only in this scan' : 'only there'})`.slice(1)]));
      }
      return out;
    }
    if (a.length === b.length) return a.flatMap((item, index) => diff(item, b[index], `${path}.${index}`, equal));
    return [path.slice(1) || '(object)'];
  }
  if (isRecord(a) && isRecord(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) => diff(a[key], b[key], `${path}.${key}`, equal));
  }
  if (a === undefined && b === undefined) return [];
  return [path.slice(1) || '(object)'];
}

/** How bad it is that this object hides (see RENDER_RULES.environment). */
function severityOf(object: KubeObject, render: readonly KubeObject[], differences: string[]): Severity {
  if (RBAC_KINDS.has(object.kind)) return rbacCarriesRisk(object, render) ? 'critical' : 'low';
  if (WEBHOOK_KINDS.has(object.kind)) return 'critical';
  if (WORKLOAD_KINDS.includes(object.kind)) return differences.length === 0 || differences.some((field) => CRITICAL_POD_FIELDS.test(field)) ? 'critical' : 'low';
  return 'medium';
}

function rbacCarriesRisk(object: KubeObject, render: readonly KubeObject[]): boolean {
  let rules = parseRules(object.rules);
  if (object.kind.endsWith('Binding')) {
    const roleRef = isRecord(object.roleRef) ? object.roleRef : {};
    const name = String(roleRef.name ?? '');
    const role = render.find((candidate) => candidate.kind === roleRef.kind && candidate.metadata.name === name && (candidate.kind === 'ClusterRole' || candidate.metadata.namespace === object.metadata.namespace));
    rules = role ? parseRules(role.rules) : roleRef.kind === 'ClusterRole' ? (builtinRoleRules(name) ?? []) : [];
  }
  return risksOfRules(rules).length > 0 || (object.kind.endsWith('Binding') && ['cluster-admin', 'admin', 'edit'].includes(String((object.roleRef as Record<string, unknown> | undefined)?.name)));
}

function lookupFindings(probe: ChartProbe, options: SuppressionOptions): Finding[] {
  if (probe.lookups.length === 0) return [];
  const chart = { apiVersion: 'v2', kind: 'Chart', metadata: { name: probe.chart } } satisfies KubeObject;
  return probe.lookups.map((use) => {
    const inventory = new Inventory([{ object: chart, provenance: { origin: 'chart', file: use.file, line: use.line, source: probe.chart } }]);
    return findingFor(RENDER_RULES.lookup, chart, { message: `${use.file}:${use.line} calls ${use.call}: what it installs depends on the live cluster, which helm template does not see`, evidence: { file: use.file, line: use.line, call: use.call } }, inventory, options);
  });
}
