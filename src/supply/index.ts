/**
 * The supply chain (Recon and Fortify stages): where images and charts come from. Images against
 * `allowedRegistries`, charts and their dependencies against `allowedRepositories`, chart names
 * against the well-known charts they might imitate, and the battlecard's metric: the number of
 * allowed external chart repositories. Pure: the loaders read Chart.yaml and Chart.lock.
 */
import { isLocalRepository, normalizeRepository, repositoryUnder, type ChartDependency, type ChartSource } from '../core/chart.js';
import type { AllowedRepository } from '../core/config.js';
import { InputError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { imageName, parseImage, parseRegistryPattern, registryAllows, type RegistryPattern } from '../core/image.js';
import { Inventory } from '../core/inventory.js';
import type { KubeObject } from '../core/object.js';
import type { PathSegment } from '../core/provenance.js';
import { containersOf, hasControllerIn, isWorkload, WORKLOAD_KINDS } from '../core/workload.js';
import { findingFor, type SuppressionOptions } from '../rules/engine.js';
import type { RuleMeta, Violation } from '../rules/rule.js';
import { homesText, lookAlikeOf, WELL_KNOWN_CHARTS, type WellKnownChart } from './typosquat.js';

export { editDistance, lookAlikeOf, WELL_KNOWN_CHARTS, type LookAlike, type WellKnownChart } from './typosquat.js';

export const SUPPLY_RULES = {
  imageRegistry: {
    id: 'image-registry-not-allowed',
    title: 'Image from a registry that allowedRegistries does not list',
    severity: 'high',
    stage: 'fortify',
    description:
      'The container pulls its image from a registry (or a path of one) that `allowedRegistries` in `.kubeward.yaml` does not list. The allow-list is the organisation\'s decision about whose code runs in the cluster; an image from elsewhere, like the trojan chart\'s sidecar pulled from a public registry, bypasses the review of what was vetted. Reported only when `allowedRegistries` is set.',
    remediation: 'Pull the image through an approved registry (mirror it), or add the registry to `allowedRegistries` after a review, saying why in the commit.',
    references: [
      { tool: 'trivy', id: 'KSV-0125' },
      { tool: 'kubescape', id: 'C-0078' },
    ],
    kinds: undefined,
  },
  chartRepository: {
    id: 'chart-repository-not-allowed',
    title: 'Chart or dependency from a repository that allowedRepositories does not list',
    severity: 'high',
    stage: 'recon',
    description:
      'The chart, or one of its dependencies (Chart.yaml, Chart.lock, requirements.yaml), comes from a chart repository that `allowedRepositories` in `.kubeward.yaml` does not list. "Any request to add a new repository should trigger a security review": a dependency is a repository added quietly. Local dependencies (`file://`, vendored in `charts/`) travel with the chart and are not reported. Reported only when `allowedRepositories` is set.',
    remediation: 'Take the chart from an approved repository (mirror it into the internal one), or add the repository to `allowedRepositories` with a `reason` after a review.',
    references: [{ tool: 'kubernetes-docs', id: 'battlecard: approved Helm repositories' }],
    kinds: undefined,
  },
  typosquatting: {
    id: 'chart-typosquatting',
    title: 'Chart named like a well-known chart, from elsewhere',
    severity: 'high',
    stage: 'recon',
    description:
      'The chart (or a dependency) is named like a well-known public chart (one or two edits away, `ingress-ngnix`, or the same letters with other separators, `cert_manager`) but does not come from that chart\'s home repository, or has exactly its name and comes from another known repository. Attackers publish such look-alikes on public repositories and wait for a typo or a hurried search. kubeward ships the list of well-known charts and their home repositories; the same name from a repository in `allowedRepositories` (a vetted mirror) is not reported, and generic names many repositories package (redis, nginx) count only as near misses.',
    remediation: 'Install the chart from its home repository (the finding names it), or suppress the finding with the reason this chart is what it claims to be.',
    references: [{ tool: 'kubernetes-docs', id: 'battlecard: typosquatting popular chart names' }],
    kinds: undefined,
  },
} satisfies Record<string, RuleMeta>;

export const SUPPLY_RULE_LIST: RuleMeta[] = Object.values(SUPPLY_RULES);

export interface SupplyOptions extends SuppressionOptions {
  allowedRegistries?: readonly string[];
  allowedRepositories?: readonly AllowedRepository[];
  wellKnownCharts?: readonly WellKnownChart[];
}

export interface SupplyResult {
  findings: Finding[];
  metrics: { name: string; value: string | number; detail?: string }[];
}

/** The supply-chain findings and metrics of a scan: images in the inventory, charts as the loaders read them. */
export function supplyFindings(inventory: Inventory, charts: readonly ChartSource[], options: SupplyOptions = {}): SupplyResult {
  const findings = [...imageFindings(inventory, options), ...chartFindings(charts, options)];
  return { findings, metrics: supplyMetrics(inventory, charts, options) };
}

function registryPatterns(entries: readonly string[]): RegistryPattern[] {
  return entries.map((entry) => {
    const pattern = parseRegistryPattern(entry);
    if (typeof pattern === 'string') throw new InputError(`allowedRegistries: ${pattern}`);
    return pattern;
  });
}

function imageFindings(inventory: Inventory, options: SupplyOptions): Finding[] {
  if (!options.allowedRegistries) return [];
  const patterns = registryPatterns(options.allowedRegistries);
  const findings: Finding[] = [];
  for (const object of inventory.objects) {
    if (!isWorkload(object) || hasControllerIn(object, inventory)) continue;
    for (const { container, kind, path } of containersOf(object)) {
      if (typeof container.image !== 'string' || !container.image) continue;
      const reference = parseImage(container.image);
      if (patterns.some((pattern) => registryAllows(pattern, reference))) continue;
      findings.push(
        findingFor(SUPPLY_RULES.imageRegistry, object, {
          message: `${kind === 'container' ? 'container' : kind} "${container.name}" pulls ${imageName(reference)} from ${reference.registry}, which allowedRegistries does not list (${options.allowedRegistries.join(', ') || 'empty'})`,
          path: [...path, 'image'],
          evidence: { image: container.image, registry: reference.registry, repository: reference.repository },
        }, inventory, options),
      );
    }
  }
  return findings;
}

/** A chart as the object its findings name: `Chart <name>`, located in its Chart.yaml. */
function chartObject(chart: ChartSource): KubeObject {
  return { apiVersion: 'v2', kind: 'Chart', metadata: { name: chart.name } };
}

function chartFindings(charts: readonly ChartSource[], options: SupplyOptions): Finding[] {
  const findings: Finding[] = [];
  const allowed = options.allowedRepositories?.map((entry) => entry.url);
  for (const chart of charts) {
    const object = chartObject(chart);
    // One object per chart, located in its Chart.yaml, so findings carry the file and suppressions match `kind: Chart`.
    const add = (meta: RuleMeta, violation: Violation, line: number | undefined) => {
      const inventory = new Inventory([{ object, provenance: { origin: 'file', file: chart.file, line, locate: () => line } }]);
      const finding = findingFor(meta, object, violation, inventory, options);
      findings.push(chart.file ? finding : { ...finding, location: undefined });
    };
    const where = (repository: string | undefined) => (repository ? `from ${normalizeRepository(repository)}` : 'from a local folder or archive (origin unknown)');

    if (allowed && chart.repository && !allowed.some((entry) => repositoryUnder(chart.repository!, entry))) {
      add(SUPPLY_RULES.chartRepository, { message: `chart "${chart.name}" comes from ${normalizeRepository(chart.repository)}, which allowedRepositories does not list`, evidence: { chart: chart.name, repository: normalizeRepository(chart.repository) } }, chart.nameLine);
    }
    const own = lookAlikeOf(chart.name, chart.repository, allowed ?? [], options.wellKnownCharts);
    if (own) add(SUPPLY_RULES.typosquatting, typosquatViolation(`chart "${chart.name}"`, chart.name, where(chart.repository), own.chart, own.distance, ['name']), chart.nameLine);

    for (const dependency of chart.dependencies) {
      const repository = dependency.url ?? dependency.repository;
      const local = isLocalRepository(dependency.repository);
      const line = dependency.from === 'Chart.yaml' ? dependency.line : undefined;
      const path = dependency.from === 'Chart.yaml' ? dependency.path : undefined;
      if (allowed && !local && !(dependency.url && allowed.some((entry) => repositoryUnder(dependency.url!, entry)))) {
        const unresolved = dependency.url ? '' : ` (the helm repository name ${dependency.repository} is not configured here, so its URL is unknown)`;
        add(SUPPLY_RULES.chartRepository, {
          message: `dependency "${dependency.name}" of chart "${chart.name}" comes from ${normalizeRepository(repository ?? '')}, which allowedRepositories does not list${unresolved}`,
          path,
          evidence: dependencyEvidence(dependency),
        }, line);
      }
      const lookAlike = lookAlikeOf(dependency.name, local ? undefined : dependency.url, allowed ?? [], options.wellKnownCharts);
      if (lookAlike) {
        add(SUPPLY_RULES.typosquatting, typosquatViolation(`dependency "${dependency.name}" of chart "${chart.name}"`, dependency.name, where(local ? undefined : repository), lookAlike.chart, lookAlike.distance, path), line);
      }
    }
  }
  return findings;
}

function dependencyEvidence(dependency: ChartDependency): Record<string, unknown> {
  const evidence: Record<string, unknown> = { dependency: dependency.name, from: dependency.from };
  if (dependency.version) evidence.version = dependency.version;
  if (dependency.repository) evidence.repository = dependency.repository;
  if (dependency.url) evidence.url = normalizeRepository(dependency.url);
  return evidence;
}

function typosquatViolation(what: string, name: string, where: string, chart: WellKnownChart, distance: number, path: PathSegment[] | undefined): Violation {
  const likeness =
    distance === 0 && name === chart.name
      ? `has the name of the well-known chart of ${chart.project}`
      : distance === 0
        ? `is the well-known chart "${chart.name}" (${chart.project}) spelled with other separators`
        : `is ${distance === 1 ? 'one edit' : `${distance} edits`} from the well-known chart "${chart.name}" (${chart.project})`;
  return {
    message: `${what} ${likeness} but comes ${where}, not from its home ${homesText(chart)}: a look-alike, as typosquatting charts are`,
    path,
    evidence: { name, wellKnown: chart.name, project: chart.project, homes: chart.homes, distance },
  };
}

function supplyMetrics(inventory: Inventory, charts: readonly ChartSource[], options: SupplyOptions): SupplyResult['metrics'] {
  const metrics: SupplyResult['metrics'] = [];
  const external = options.allowedRepositories?.filter((entry) => !entry.internal);
  metrics.push(
    external
      ? { name: 'allowed external chart repositories', value: external.length, ...(external.length ? { detail: external.map((entry) => entry.url).join(', ') } : {}) }
      : { name: 'allowed external chart repositories', value: 'any', detail: 'no allowedRepositories in .kubeward.yaml' },
  );
  const repositories = new Set<string>();
  for (const chart of charts) {
    if (chart.repository) repositories.add(normalizeRepository(chart.repository));
    for (const dependency of chart.dependencies) if (!isLocalRepository(dependency.repository)) repositories.add(normalizeRepository(dependency.url ?? dependency.repository ?? ''));
  }
  if (repositories.size) metrics.push({ name: 'chart repositories used', value: repositories.size, detail: [...repositories].sort().join(', ') });
  const registries = new Set<string>();
  // Sorted below: the workloads are visited by kind, not in inventory order.
  for (const object of inventory.byKind(...WORKLOAD_KINDS)) {
    for (const { container } of containersOf(object)) if (typeof container.image === 'string' && container.image) registries.add(parseImage(container.image).registry);
  }
  if (registries.size) metrics.push({ name: 'image registries used', value: registries.size, detail: [...registries].sort().join(', ') });
  return metrics;
}
