/**
 * `kubeward report` as one self-contained HTML file: styles, scripts (Chart.js) and data inline,
 * nothing fetched at view time, a Content-Security-Policy that allows only the page's own inline
 * code by hash. Every number is in the markup (tables), the charts draw the same numbers from the
 * JSON data island, and every foreign string (object names, messages, chart labels) is escaped.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { compareStrings } from '../core/order.js';
import { SEVERITIES, type Stage } from '../core/severity.js';
import { valueText } from '../posture/metrics.js';
import { ATTACK_STEPS, type PostureMetric, type PostureReport, type StageSection } from '../posture/model.js';
import { contentSecurityPolicy, html, jsonIsland } from './html.js';
import { rbacGraphSvg } from './posture-graph.js';
import { heightClass, PAGE_SCRIPT, PAGE_STYLE } from './posture-page.js';

/** The file never grows past this, whatever the cluster's size (caps in posture/model.ts keep the data bounded). */
export const HTML_BUDGET_BYTES = 1_048_576;

let chartLibrary: string | undefined;

/** Chart.js's UMD build, read once from the package. */
function chartJs(): string {
  // the package exports no subpath for its UMD build: it sits beside the CommonJS entry
  chartLibrary ??= readFileSync(join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  return chartLibrary;
}

export function renderPostureHtml(report: PostureReport): string {
  const body = [
    '<a class="skip" href="#main">Skip to the report</a>',
    header(report),
    '<main id="main">',
    overview(report),
    ...report.stages.map((stage, index) => stageSection(report, stage, index)),
    trends(report),
    warnings(report),
    '</main>',
    `<footer><p>kubeward ${html(report.kubeward)} · ${html(report.generatedAt)} · this file fetches nothing: everything it shows is inside it.</p></footer>`,
  ].join('\n');
  // The scripts' text is exactly what is hashed into the policy: keep the hash and the element in step.
  const data = jsonIsland(chartData(report));
  const library = chartJs();
  const policy = contentSecurityPolicy([library, PAGE_SCRIPT], [PAGE_STYLE]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${html(policy)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(report.title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
${body}
<script type="application/json" id="kubeward-data">${data}</script>
<script>${library}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

const STAGE_QUESTIONS: Record<Stage, string> = {
  recon: 'Where do our charts and images come from, and what do they grant?',
  evaluate: 'Who can do what, and who can become cluster-admin?',
  fortify: 'What would our pipeline and admission policies stop?',
  limit: 'If a pod is compromised, where can it reach?',
  expose: 'Would we see the attack, and how fast?',
  exercise: 'What did the last drill show?',
};

function header(report: PostureReport): string {
  const nav = report.stages.map((stage, index) => `<li><a href="#stage-${stage.stage}">${index + 1}. ${html(stage.title)}</a></li>`).join('');
  return `<header>
<h1>${html(report.title)}</h1>
<p class="meta">Generated ${html(report.generatedAt)} by kubeward ${html(report.kubeward)} from ${report.sources.map((source) => `<code>${html(source)}</code>`).join(', ') || 'no sources'}.</p>
<nav aria-label="Stages"><ul>${nav}<li><a href="#trends">Trends</a></li></ul></nav>
</header>`;
}

function overview(report: PostureReport): string {
  const rows = report.stages
    .map((stage) => {
      const counts = SEVERITIES.map((severity) => `<td data-count="${stage.stage}-${severity}">${stage.findings.bySeverity[severity]}</td>`).join('');
      return `<tr><th scope="row"><a href="#stage-${stage.stage}">${html(stage.title)}</a></th>${counts}<td data-count="${stage.stage}-total">${stage.findings.total}</td></tr>`;
    })
    .join('\n');
  return `<section id="overview" aria-labelledby="overview-title">
<h2 id="overview-title">Overview</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Findings by stage and severity">
<table class="counts"><caption>Unsuppressed findings by stage and severity</caption>
<thead><tr><th scope="col">stage</th>${SEVERITIES.map((severity) => `<th scope="col"><span class="sev sev-${severity}">${severity}</span></th>`).join('')}<th scope="col">total</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
</section>`;
}

function stageSection(report: PostureReport, stage: StageSection, index: number): string {
  const parts = [
    `<section id="stage-${stage.stage}" class="stage" aria-labelledby="stage-${stage.stage}-title">`,
    `<h2 id="stage-${stage.stage}-title">${index + 1}. ${html(stage.title)}</h2>`,
    `<p class="question">${html(STAGE_QUESTIONS[stage.stage])}</p>`,
    metricsTable(report, stage),
    ...stage.notes.map((note) => `<p class="note">${html(note)}</p>`),
    stagePictures(report, stage.stage),
    topFindings(stage),
    '</section>',
  ];
  return parts.join('\n');
}

function metricsTable(report: PostureReport, stage: StageSection): string {
  const rows = stage.metrics
    .map((metric) => {
      const trend = trendWords(report.history.trends[metric.id] ?? [], metric);
      return `<tr><th scope="row">${html(metric.name)}</th><td class="value" data-metric="${html(metric.id)}">${html(metric.display)}</td><td>${html(metric.goal ?? '')}</td><td>${html(trend)}</td><td class="detail">${html(metric.detail ?? '')}</td></tr>`;
    })
    .join('\n');
  return `<div class="scroll" tabindex="0" role="region" aria-label="${html(stage.title)} metrics">
<table class="metrics"><caption>Battlecard metrics: ${html(stage.title)}</caption>
<thead><tr><th scope="col">metric</th><th scope="col">this run</th><th scope="col">goal</th><th scope="col">trend</th><th scope="col">detail</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
}

/** The trend in words (colour is never the only carrier): `better than the last run (was 3)`. */
export function trendWords(values: readonly (number | null)[], metric: PostureMetric): string {
  const current = values.at(-1) ?? null;
  const earlier = values.slice(0, -1).filter((value): value is number => value !== null);
  if (current === null) return earlier.length ? `last measured: ${valueText(earlier.at(-1)!, metric.unit)}` : 'no trend yet';
  if (earlier.length === 0) return 'first measurement';
  const previous = earlier.at(-1)!;
  if (previous === current) return `unchanged over ${earlier.length + 1} runs`;
  const better = (metric.better === 'lower') === current < previous;
  return `${better ? '▲ better' : '▼ worse'} than the last run (was ${valueText(previous, metric.unit)})`;
}

function stagePictures(report: PostureReport, stage: Stage): string {
  switch (stage) {
    case 'recon':
      return reconPictures(report);
    case 'evaluate':
      return evaluatePictures(report);
    case 'fortify':
      return fortifyPictures(report);
    case 'limit':
      return limitPictures(report);
    case 'expose':
      return exposePictures(report);
    case 'exercise':
      return exercisePictures(report);
  }
}

function figure(id: string, caption: string, description: string, height = 260): string {
  return `<figure class="chart"><div class="canvas-box ${heightClass(height)}"><canvas id="${id}" role="img" aria-label="${html(description)}">${html(description)}</canvas></div><figcaption>${html(caption)}</figcaption></figure>`;
}

function table(caption: string, headers: string[], rows: string[][], attributes = ''): string {
  if (rows.length === 0) return `<p class="empty">${html(caption)}: none.</p>`;
  return `<div class="scroll" tabindex="0" role="region" aria-label="${html(caption)}"><table${attributes}><caption>${html(caption)}</caption><thead><tr>${headers.map((header) => `<th scope="col">${html(header)}</th>`).join('')}</tr></thead><tbody>
${rows.map((row) => `<tr>${row.join('')}</tr>`).join('\n')}
</tbody></table></div>`;
}

const td = (text: string | number, attributes = '') => `<td${attributes}>${html(text)}</td>`;

function reconPictures(report: PostureReport): string {
  const { charts, images } = report.recon;
  const registries = registryCounts(report);
  return [
    table('Charts', ['chart', 'version', 'repository'], charts.map((chart) => [td(chart.name), td(chart.version ?? ''), td(chart.repository ?? 'local')])),
    registries.length ? figure('chart-registries', 'Containers by image registry', `Bar chart: containers by image registry. ${registries.map(([registry, count]) => `${registry}: ${count}`).join('; ')}`, 220) : '',
    table('Images by registry and repository', ['registry', 'repository', 'containers'], images.map((image) => [td(image.registry), td(image.repository), td(image.containers, ' class="num"')])),
  ].join('\n');
}

export function registryCounts(report: Pick<PostureReport, 'recon'>): [string, number][] {
  const counts = new Map<string, number>();
  for (const image of report.recon.images) counts.set(image.registry, (counts.get(image.registry) ?? 0) + image.containers);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]));
}

function evaluatePictures(report: PostureReport): string {
  const graph = report.rbacGraph;
  const subjects = graph.nodes.filter((node) => node.type === 'subject');
  const risks = graph.nodes.filter((node) => node.type === 'permission');
  const escalating = subjects.filter((node) => node.escalation);
  if (subjects.length === 0) return '<p class="empty">RBAC graph: no subject holds a risky permission.</p>';
  const shown = graph.subjects > graph.shownSubjects ? ` The ${graph.shownSubjects} most severe of ${graph.subjects} subjects are drawn.` : '';
  const filter = `<form class="filters" id="rbac-filter" aria-controls="rbac-graph">
<label>Subject or namespace contains <input type="search" id="rbac-text" autocomplete="off"></label>
<label>Permission <select id="rbac-risk"><option value="">any</option>${risks.map((risk) => `<option value="n${graph.nodes.indexOf(risk)}">${html(risk.label)}</option>`).join('')}</select></label>
<label><input type="checkbox" id="rbac-escalation"> only subjects with an escalation path</label>
<output id="rbac-count" aria-live="polite">${subjects.length} subjects shown</output>
</form>`;
  const paths = escalating.map((node) => `<li><strong>${html(node.label)}</strong> → ${html(node.escalation!.goal)}: ${node.escalation!.steps.map(html).join(' → ')}</li>`).join('\n');
  return `<h3>RBAC graph</h3>
<p>Subjects → bindings → roles → the risky permissions they grant.${html(shown)} Subjects with an escalation path (to cluster-admin or to all Secrets) are marked <span class="esc-mark">⚠</span> and drawn with a heavy border; the links of the grant that starts the path are drawn thick and dashed.</p>
${filter}
<figure class="graph" id="rbac-graph">${rbacGraphSvg(graph)}<figcaption>RBAC graph of ${subjects.length} subjects; ${escalating.length} with an escalation path.</figcaption></figure>
${escalating.length ? `<h3>Escalation paths</h3><ul class="paths">${paths}</ul>` : '<p>No subject has an escalation path.</p>'}`;
}

function fortifyPictures(report: PostureReport): string {
  const rules = report.findingsByRule;
  const policy = report.policy;
  return [
    rules.length ? figure('chart-findings-by-rule', 'Findings by rule', `Bar chart: findings by rule. ${rules.slice(0, 30).map((rule) => `${rule.ruleId}: ${rule.count}`).join('; ')}`, Math.max(200, Math.min(30, rules.length) * 22 + 60)) : '',
    table('Findings by rule', ['rule', 'title', 'stage', 'worst severity', 'findings'], rules.map((rule) => [td(rule.ruleId, ' class="code"'), td(rule.title), td(rule.stage), `<td><span class="sev sev-${rule.severity}">${rule.severity}</span></td>`, td(rule.count, ` class="num" data-rule="${html(rule.ruleId)}"`)])),
    `<p>Admission policies (the built-in pack): <span data-policy="objects">${policy.objects}</span> objects admitted, <span data-policy="denied">${policy.denied}</span> denied, <span data-policy="warned">${policy.warned}</span> warned, ${policy.audited} audited, ${policy.allowed} allowed.</p>`,
    table('Policy decisions by policy', ['policy', 'denied', 'warned'], policy.byPolicy.map((entry) => [td(entry.policy, ' class="code"'), td(entry.denied, ' class="num"'), td(entry.warned, ' class="num"')])),
  ].join('\n');
}

function heatClass(allowed: number, possible: number): string {
  if (possible === 0) return 'heat-na';
  return `heat-${Math.round((10 * allowed) / possible)}`;
}

function limitPictures(report: PostureReport): string {
  const { namespaces, cells, folded, internet, internetTotal } = report.connectivity;
  let matrix = '<p class="empty">Connectivity matrix: no workloads.</p>';
  if (namespaces.length) {
    const head = namespaces.map((namespace) => `<th scope="col"><span>${html(namespace.name)}</span></th>`).join('');
    const rows = namespaces
      .map((source, i) => {
        const row = cells[i]
          .map((cell, j) => {
            const share = cell.possible ? Math.round((100 * cell.allowed) / cell.possible) : 0;
            // the row and column headers name the namespaces: the title only adds the share
            return `<td class="${heatClass(cell.allowed, cell.possible)}" data-cell="${i},${j}" title="${cell.allowed}/${cell.possible} (${share}%)">${cell.possible ? `${cell.allowed}` : '–'}</td>`;
          })
          .join('');
        return `<tr><th scope="row">${html(source.name)} <span class="muted">(${source.workloads})</span></th>${row}</tr>`;
      })
      .join('\n');
    const legend = `<p class="legend">Each cell: how many pairs of workloads (row → column) the NetworkPolicies let connect on some port; darker is more open. Hover or focus a cell for its share. ${folded ? `${folded} smaller namespaces are folded into the last row and column.` : ''}</p>`;
    matrix = `<h3>Connectivity matrix</h3>${legend}<div class="scroll" tabindex="0" role="region" aria-label="Namespace connectivity matrix"><table class="heatmap"><caption>Namespace × namespace: allowed workload pairs (source row → destination column)</caption><thead><tr><th scope="col">from \\ to</th>${head}</tr></thead><tbody>
${rows}
</tbody></table></div>`;
  }
  const more = internetTotal > internet.length ? ` (the first ${internet.length} of ${internetTotal})` : '';
  return [
    matrix,
    `<h3>Workloads that may reach the internet${html(more)}</h3>`,
    internet.length ? `<ul class="internet">${internet.map((entry) => `<li><code>${html(entry.workload)}</code>: ${entry.ranges.slice(0, 4).map(html).join('; ')}${entry.ranges.length > 4 ? '; …' : ''}</li>`).join('\n')}</ul>` : '<p class="empty">None: no workload may reach the internet.</p>',
  ].join('\n');
}

function exposePictures(report: PostureReport): string {
  const detection = report.detection;
  if (!detection) return '';
  const truncated = detection.timelineTruncated ? ` The first ${detection.timeline.length} alerts are drawn; ${detection.timelineTruncated} later ones are counted only.` : '';
  const steps = ATTACK_STEPS.map((step) => `${step}: ${detection.timeline.filter((alert) => alert.step === step).length}`).join('; ');
  return [
    `<p>Read ${detection.events.toLocaleString('en')} events from ${detection.logs.map((log) => `<code>${html(log)}</code>`).join(', ')}.</p>`,
    detection.alertsByRule.length ? figure('chart-alerts-by-rule', 'Alerts by rule', `Bar chart: alerts by rule. ${detection.alertsByRule.map((rule) => `${rule.rule}: ${rule.count}`).join('; ')}`, Math.max(180, detection.alertsByRule.length * 26 + 60)) : '',
    table('Alerts by rule', ['rule', 'priority', 'alerts'], detection.alertsByRule.map((rule) => [td(rule.rule, ' class="code"'), `<td><span class="sev sev-${rule.priority}">${rule.priority}</span></td>`, td(rule.count, ` class="num" data-alert-rule="${html(rule.rule)}"`)])),
    detection.timeline.length ? `<h3>Detection timeline</h3><p>Alerts on a time axis, on the attack step their rule's tags name. Marker shape shows priority (▲ critical, ◆ high, ■ medium, ● low).${html(truncated)}</p>${figure('chart-timeline', 'Detection timeline', `Timeline of ${detection.timeline.length} alerts by attack step. ${steps}`, 280)}` : '',
    table(
      'Timeline',
      ['time', 'attack step', 'priority', 'rule', 'principal', 'time to detect', 'summary'],
      detection.timeline.slice(0, 200).map((alert) => [td(alert.time), td(alert.step), `<td><span class="sev sev-${alert.priority}">${alert.priority}</span></td>`, td(alert.rule, ' class="code"'), td(alert.principal), td(`${alert.timeToDetectSeconds}s`, ' class="num"'), td(alert.summary)]),
    ),
  ].join('\n');
}

function exercisePictures(report: PostureReport): string {
  const drill = report.drill;
  if (!drill?.hasRun) return '';
  const mark: Record<string, string> = { stopped: '■ stopped', detected: '◆ detected', partial: '◐ partial', missed: '○ missed' };
  return [
    `<p>Scenario <code>${html(drill.scenario)}</code> in namespace <code>${html(drill.namespace)}</code> (from <code>${html(drill.file)}</code>). First stop: <strong>${html(drill.firstStop ?? 'none: the attack went through')}</strong>.</p>`,
    table(
      'Drill scorecard',
      ['stage', 'outcome', 'summary', 'gaps and fixes'],
      drill.stages.map((stage) => [
        td(stage.stage),
        `<td class="outcome outcome-${html(stage.outcome)}">${html(mark[stage.outcome] ?? stage.outcome)}</td>`,
        td(stage.summary),
        `<td>${stage.gaps.length ? `<ul>${stage.gaps.map((gap) => `<li><strong>${html(gap.title)}</strong>: ${html(gap.fix)}</li>`).join('')}</ul>` : 'none'}</td>`,
      ]),
      ' class="scorecard"',
    ),
  ].join('\n');
}

function topFindings(stage: StageSection): string {
  if (stage.topFindings.length === 0) return `<p class="empty">No findings in ${html(stage.title)}.</p>`;
  const more = stage.findings.total > stage.topFindings.length ? ` (the ${stage.topFindings.length} most severe of ${stage.findings.total})` : '';
  const items = stage.topFindings
    .map(
      (finding) => `<li class="finding"><p><span class="sev sev-${finding.severity}">${finding.severity}</span> <strong>${html(finding.title)}</strong> <code>${html(finding.ruleId)}</code></p>
<p>${html(finding.object)}${finding.location ? ` · <code>${html(finding.location)}</code>` : ''}</p>
<p>${html(finding.message)}</p>${finding.fix ? `<p class="fix"><strong>Fix:</strong> ${html(finding.fix)}</p>` : ''}</li>`,
    )
    .join('\n');
  return `<h3>Top findings${html(more)}</h3><ol class="findings">${items}</ol>`;
}

function trends(report: PostureReport): string {
  const metrics = report.stages.flatMap((stage) => stage.metrics.map((metric) => ({ stage, metric })));
  const runs = [...report.history.runs.map((run) => run.generatedAt), report.generatedAt];
  if (report.history.runs.length === 0) {
    return `<section id="trends" aria-labelledby="trends-title"><h2 id="trends-title">Trends</h2><p class="note">No earlier runs: give <code>--history DIR</code> to keep each run and draw trend lines across them.</p></section>`;
  }
  const figures = metrics
    .map(({ metric }, index) => {
      const values = report.history.trends[metric.id] ?? [];
      const description = `Trend of ${metric.name} over ${values.length} runs: ${values.map((value) => valueText(value, metric.unit)).join(', ')}`;
      return `<figure class="trend"><div class="canvas-box h140"><canvas id="trend-${index}" data-trend="${html(metric.id)}" role="img" aria-label="${html(description)}">${html(description)}</canvas></div><figcaption>${html(metric.name)}</figcaption></figure>`;
    })
    .join('\n');
  const head = runs.map((run) => `<th scope="col">${html(run.slice(0, 16).replace('T', ' '))}</th>`).join('');
  const rows = metrics
    .map(({ metric }) => `<tr><th scope="row">${html(metric.name)}</th>${(report.history.trends[metric.id] ?? []).map((value, index) => `<td class="num" data-trend-cell="${html(metric.id)}:${index}">${html(valueText(value, metric.unit))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<section id="trends" aria-labelledby="trends-title">
<h2 id="trends-title">Trends</h2>
<p>Each metric across the ${runs.length} runs (${report.history.runs.length} from the history folder, then this one).</p>
<div class="trend-grid">${figures}</div>
<div class="scroll" tabindex="0" role="region" aria-label="Metric values by run"><table class="trend-table"><caption>Metric values by run</caption><thead><tr><th scope="col">metric</th>${head}</tr></thead><tbody>
${rows}
</tbody></table></div>
</section>`;
}

function warnings(report: PostureReport): string {
  if (report.warnings.length === 0) return '';
  return `<section id="warnings" aria-labelledby="warnings-title"><h2 id="warnings-title">Warnings</h2><details><summary>${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}</summary><ul>${report.warnings.map((warning) => `<li>${html(warning)}</li>`).join('\n')}</ul></details></section>`;
}

/** What the page's script draws: the same numbers as the markup, nothing else. */
function chartData(report: PostureReport) {
  const metrics = report.stages.flatMap((stage) => stage.metrics);
  return {
    registries: registryCounts(report),
    findingsByRule: report.findingsByRule.slice(0, 30).map((rule) => [rule.ruleId, rule.count, rule.severity]),
    alertsByRule: report.detection?.alertsByRule.map((rule) => [rule.rule, rule.count, rule.priority]) ?? [],
    timeline: report.detection?.timeline.map((alert) => [Date.parse(alert.time), alert.step, alert.priority, alert.rule, alert.principal]) ?? [],
    steps: ATTACK_STEPS,
    runs: [...report.history.runs.map((run) => run.generatedAt), report.generatedAt],
    trends: report.history.runs.length ? metrics.map((metric) => [metric.name, metric.unit, report.history.trends[metric.id] ?? []]) : [],
    // links by node position, as the SVG names its nodes (n0, n1, …)
    graph: graphLinks(report),
  };
}

function graphLinks(report: PostureReport): [string, string][] {
  const position = new Map(report.rbacGraph.nodes.map((node, index) => [node.id, `n${index}`]));
  return report.rbacGraph.links.map((link) => [position.get(link.source)!, position.get(link.target)!]);
}
