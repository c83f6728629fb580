/** `kubeward report --format markdown`: the same content as the HTML page, tables instead of pictures. */
import { SEVERITIES } from '../core/severity.js';
import { valueText } from '../posture/metrics.js';
import type { PostureReport, StageSection } from '../posture/model.js';
import { escapeControl } from '../core/sanitize.js';
import { cell, code as codeSpan } from './markdown.js';
import { registryCounts, trendWords } from './posture-html.js';

/** Inline code: markup inside a code span is not interpreted; controls are made visible. */
const code = (text: string) => codeSpan(escapeControl(text.replace(/[\r\n]+/g, ' ')).replace(/\|/g, '\\|'));

function table(headers: string[], rows: string[][]): string[] {
  if (rows.length === 0) return [];
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`), ''];
}

export function renderPostureMarkdown(report: PostureReport): string {
  const out: string[] = [`# ${cell(report.title)}`, '', `Generated ${report.generatedAt} by kubeward ${report.kubeward} from ${report.sources.map(code).join(', ') || 'no sources'}.`, ''];
  out.push('## Overview', '', ...table(['stage', ...SEVERITIES, 'total'], report.stages.map((stage) => [stage.title, ...SEVERITIES.map((severity) => String(stage.findings.bySeverity[severity])), String(stage.findings.total)])));
  report.stages.forEach((stage, index) => out.push(...stageSection(report, stage, index)));
  out.push(...trends(report));
  if (report.warnings.length) out.push('## Warnings', '', ...report.warnings.map((warning) => `- ${cell(warning)}`), '');
  return out.join('\n');
}

function stageSection(report: PostureReport, stage: StageSection, index: number): string[] {
  const out = [`## ${index + 1}. ${stage.title}`, ''];
  out.push(...table(['metric', 'this run', 'goal', 'trend', 'detail'], stage.metrics.map((metric) => [cell(metric.name), cell(metric.display), cell(metric.goal ?? ''), cell(trendWords(report.history.trends[metric.id] ?? [], metric)), cell(metric.detail ?? '')])));
  for (const note of stage.notes) out.push(`_${cell(note)}_`, '');
  out.push(...extras(report, stage));
  if (stage.topFindings.length) {
    const more = stage.findings.total > stage.topFindings.length ? ` (the ${stage.topFindings.length} most severe of ${stage.findings.total})` : '';
    out.push(`### Top findings${more}`, '');
    for (const finding of stage.topFindings) {
      out.push(`- **${finding.severity}** ${cell(finding.title)} (${code(finding.ruleId)}) on ${cell(finding.object)}${finding.location ? ` at ${code(finding.location)}` : ''}: ${cell(finding.message)}${finding.fix ? `<br>**Fix:** ${cell(finding.fix)}` : ''}`);
    }
    out.push('');
  } else {
    out.push(`No findings in ${stage.title}.`, '');
  }
  return out;
}

function extras(report: PostureReport, stage: StageSection): string[] {
  switch (stage.stage) {
    case 'recon':
      return [
        ...table(['chart', 'version', 'repository'], report.recon.charts.map((chart) => [cell(chart.name), cell(chart.version ?? ''), cell(chart.repository ?? 'local')])),
        ...table(['registry', 'containers'], registryCounts(report).map(([registry, count]) => [cell(registry), String(count)])),
        ...table(['registry', 'repository', 'containers'], report.recon.images.map((image) => [cell(image.registry), cell(image.repository), String(image.containers)])),
      ];
    case 'evaluate': {
      const escalating = report.rbacGraph.nodes.filter((node) => node.escalation);
      const out = [`RBAC graph: ${report.rbacGraph.subjects} subjects hold a risky permission${report.rbacGraph.subjects > report.rbacGraph.shownSubjects ? ` (the HTML draws ${report.rbacGraph.shownSubjects})` : ''}.`, ''];
      if (escalating.length) out.push('### Escalation paths', '', ...escalating.map((node) => `- **${cell(node.label)}** → ${cell(node.escalation!.goal)}: ${node.escalation!.steps.map(cell).join(' → ')}`), '');
      return out;
    }
    case 'fortify':
      return [
        ...table(['rule', 'title', 'stage', 'worst severity', 'findings'], report.findingsByRule.map((rule) => [code(rule.ruleId), cell(rule.title), rule.stage, rule.severity, String(rule.count)])),
        `Admission policies (the built-in pack): ${report.policy.objects} objects admitted, ${report.policy.denied} denied, ${report.policy.warned} warned, ${report.policy.audited} audited, ${report.policy.allowed} allowed.`,
        '',
        ...table(['policy', 'denied', 'warned'], report.policy.byPolicy.map((entry) => [code(entry.policy), String(entry.denied), String(entry.warned)])),
      ];
    case 'limit': {
      const { namespaces, cells, internet, internetTotal } = report.connectivity;
      const out = namespaces.length ? ['### Connectivity matrix (allowed workload pairs, row → column)', '', ...table(['from \\ to', ...namespaces.map((namespace) => cell(namespace.name))], namespaces.map((namespace, i) => [`${cell(namespace.name)} (${namespace.workloads})`, ...cells[i].map((entry) => (entry.possible ? `${entry.allowed}/${entry.possible}` : '–'))]))] : [];
      out.push(`### Workloads that may reach the internet (${internetTotal})`, '');
      out.push(...(internet.length ? internet.map((entry) => `- ${code(entry.workload)}: ${entry.ranges.slice(0, 4).map(cell).join('; ')}`) : ['None.']), '');
      return out;
    }
    case 'expose': {
      const detection = report.detection;
      if (!detection) return [];
      return [
        `Read ${detection.events} events from ${detection.logs.map(code).join(', ')}.`,
        '',
        ...table(['rule', 'priority', 'alerts'], detection.alertsByRule.map((rule) => [code(rule.rule), rule.priority, String(rule.count)])),
        ...(detection.timeline.length ? ['### Detection timeline', ''] : []),
        ...table(['time', 'attack step', 'priority', 'rule', 'principal', 'time to detect'], detection.timeline.slice(0, 200).map((alert) => [cell(alert.time), alert.step, alert.priority, code(alert.rule), cell(alert.principal), `${alert.timeToDetectSeconds}s`])),
      ];
    }
    case 'exercise': {
      const drill = report.drill;
      if (!drill?.hasRun) return [];
      return [
        `Scenario ${code(drill.scenario)} in ${code(drill.namespace)} (from ${code(drill.file)}); first stop: **${cell(drill.firstStop ?? 'none')}**.`,
        '',
        ...table(['stage', 'outcome', 'summary', 'gaps and fixes'], drill.stages.map((entry) => [cell(entry.stage), cell(entry.outcome), cell(entry.summary), entry.gaps.map((gap) => `**${cell(gap.title)}**: ${cell(gap.fix)}`).join('<br>') || 'none'])),
      ];
    }
  }
}

function trends(report: PostureReport): string[] {
  if (report.history.runs.length === 0) return ['## Trends', '', 'No earlier runs: give `--history DIR` to keep each run and compare.', ''];
  const runs = [...report.history.runs.map((run) => run.generatedAt), report.generatedAt];
  const metrics = report.stages.flatMap((stage) => stage.metrics);
  return ['## Trends', '', ...table(['metric', ...runs], metrics.map((metric) => [cell(metric.name), ...(report.history.trends[metric.id] ?? []).map((value) => valueText(value, metric.unit))]))];
}
