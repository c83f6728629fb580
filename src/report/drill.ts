/**
 * A drill's scorecard in four formats, all from the same DrillResult: json (the contract), table
 * (the terminal), markdown (a pull request, a wiki page) and html (one self-contained file with a
 * picture of the attack's path through the five stages).
 */
import { styleText } from 'node:util';
import { escapeControl } from '../core/sanitize.js';
import { DRILL_STAGES, type DrillResult, type DrillStage, type Outcome, type StageResult } from '../drill/result.js';
import { html } from './html.js';
import { cell } from './markdown.js';
import { alignColumns } from './table.js';
import { DRILL_FORMATS, type DrillFormat } from './formats.js';

export { DRILL_FORMATS, type DrillFormat };

type Style = Parameters<typeof styleText>[0];
const OUTCOME_STYLE: Record<Outcome, Style> = { stopped: ['bold', 'green'], detected: 'green', partial: 'yellow', missed: ['bold', 'red'] };
const STAGE_TITLE: Record<DrillStage, string> = { recon: 'Recon', evaluate: 'Evaluate', fortify: 'Fortify', limit: 'Limit', expose: 'Expose' };
const STAGE_QUESTION: Record<DrillStage, string> = {
  recon: 'does CI or the Helm gate block the install?',
  evaluate: 'does an RBAC audit flag the new account?',
  fortify: 'does admission deny an object of the chart?',
  limit: 'does NetworkPolicy stop the read or the leak?',
  expose: 'does detection alert in time?',
};

export function renderDrill(result: DrillResult, format: DrillFormat, options: { color?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'table':
      return drillTable(result, options.color ?? false);
    case 'markdown':
      return drillMarkdown(result);
    case 'html':
      return drillHtml(result);
  }
}

/** The verdict in one sentence: where the attack is first stopped or seen, or that it goes through. */
export function verdictOf(result: DrillResult): string {
  if (result.firstStop === null) return 'the attack goes through unstopped and unseen';
  const stage = result.stages.find((entry) => entry.stage === result.firstStop)!;
  const first = stage.outcome === 'detected' ? `detected first at ${STAGE_TITLE[stage.stage]}` : `stopped first at ${STAGE_TITLE[stage.stage]}`;
  return result.timeToDetectSeconds !== null ? `${first}; detected ${result.timeToDetectSeconds}s after the install` : `${first}; not detected in time`;
}

const text = (value: string) => escapeControl(value);

function drillTable(result: DrillResult, color: boolean): string {
  const paint = (style: Style, value: string) => (color ? styleText(style, value) : value);
  const out: string[] = [];
  out.push(paint('bold', `kubeward drill ${text(result.scenario)}: ${text(result.title ?? result.scenario)}`), `namespace ${text(result.namespace)}`, '');
  if (result.path?.length) {
    out.push(paint('bold', 'The attack'));
    out.push(alignColumns(result.path.map((step) => [`  +${step.at}s`, text(step.id), step.status, text(step.detail)])).trimEnd(), '');
  }
  out.push(paint('bold', 'Through the defences'));
  for (const stage of result.stages) {
    out.push(`  ${STAGE_TITLE[stage.stage].padEnd(9)} ${paint(OUTCOME_STYLE[stage.outcome], stage.outcome.toUpperCase().padEnd(8))}  ${text(stage.summary)}`);
    for (const evidence of stage.evidence.slice(0, 4)) out.push(`      ${paint('gray', text(evidence.text))}`);
    if (stage.evidence.length > 4) out.push(`      ${paint('gray', `… ${stage.evidence.length - 4} more (--format json)`)}`);
  }
  out.push('');
  if (result.gaps) {
    out.push(paint('bold', `Gaps (${result.gaps})`));
    for (const stage of result.stages) {
      for (const gap of stage.gaps) out.push(`  [${stage.stage}] ${text(gap.title)}`, `      fix: ${text(gap.fix)}`);
    }
    out.push('');
  }
  out.push(paint(result.firstStop === null ? ['bold', 'red'] : ['bold', 'green'], `Result: ${verdictOf(result)}`));
  return `${out.join('\n')}\n`;
}

function drillMarkdown(result: DrillResult): string {
  const out: string[] = [];
  out.push(`# Drill: ${cell(result.title ?? result.scenario)}`, '', `Scenario \`${result.scenario}\` in namespace \`${result.namespace}\`. **${cell(verdictOf(result))}.**`, '');
  out.push('## The path of the attack', '');
  out.push(`${DRILL_STAGES.map((stage) => {
    const entry = result.stages.find((candidate) => candidate.stage === stage)!;
    return `${STAGE_TITLE[stage]} **${entry.outcome}**`;
  }).join(' → ')}`, '');
  if (result.path?.length) {
    out.push('| At | Step | Status | What happens |', '|---|---|---|---|');
    for (const step of result.path) out.push(`| +${step.at}s | ${cell(step.title)} | ${step.status} | ${cell(step.detail)} |`);
    out.push('');
  }
  out.push('## Stages', '', '| Stage | Outcome | Summary |', '|---|---|---|');
  for (const stage of result.stages) out.push(`| ${STAGE_TITLE[stage.stage]} | ${stage.outcome} | ${cell(stage.summary)} |`);
  out.push('');
  for (const stage of result.stages) {
    out.push(`### ${STAGE_TITLE[stage.stage]}: ${stage.outcome}`, '', `_${STAGE_QUESTION[stage.stage]}_`, '', cell(stage.summary), '');
    if (stage.evidence.length) {
      out.push('Evidence:', '');
      for (const evidence of stage.evidence) out.push(`- ${cell(evidence.text)}`);
      out.push('');
    }
    if (stage.gaps.length) {
      out.push('| Gap | Fix |', '|---|---|');
      for (const gap of stage.gaps) out.push(`| ${cell(gap.title)} | ${cell(gap.fix)} |`);
      out.push('');
    }
  }
  out.push(`<sub>kubeward ${result.kubeward}: ${result.gaps} gap${result.gaps === 1 ? '' : 's'}${result.timeToDetectSeconds !== null ? `, time to detect ${result.timeToDetectSeconds}s` : ''}</sub>`, '');
  return out.join('\n');
}

const OUTCOME_COLOUR: Record<Outcome, string> = { stopped: '#1a7f37', detected: '#2f81f7', partial: '#bf8700', missed: '#cf222e' };

/**
 * The picture: the five stages as boxes left to right, the attack as a red arrow through them. It
 * ends in a bar at the first stage that stops it (or at Expose when detected in time); after that it
 * goes on dashed, since every stage is judged as if the ones before it had failed.
 */
export function pathSvg(result: DrillResult): string {
  const width = 920;
  const box = { width: 150, height: 88, gap: 42, top: 40 };
  const left = (index: number) => 24 + index * (box.width + box.gap);
  const stopIndex = result.firstStop === null ? -1 : DRILL_STAGES.indexOf(result.firstStop);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} 190" width="100%" role="img" aria-labelledby="path-title">`);
  parts.push(`<title id="path-title">${html(`The attack through the five stages: ${verdictOf(result)}`)}</title>`);
  parts.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#cf222e"/></marker></defs>');
  const y = box.top + box.height / 2;
  result.stages.forEach((stage, index) => {
    const x = left(index);
    const colour = OUTCOME_COLOUR[stage.outcome];
    parts.push(`<g class="stage" data-stage="${stage.stage}" data-outcome="${stage.outcome}">`);
    parts.push(`<rect x="${x}" y="${box.top}" width="${box.width}" height="${box.height}" rx="10" fill="${colour}" fill-opacity="0.12" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${x + box.width / 2}" y="${box.top + 30}" text-anchor="middle" font-weight="600" font-size="16">${STAGE_TITLE[stage.stage]}</text>`);
    parts.push(`<text x="${x + box.width / 2}" y="${box.top + 58}" text-anchor="middle" font-size="14" fill="${colour}" font-weight="700">${stage.outcome.toUpperCase()}</text>`);
    parts.push(`<text x="${x + box.width / 2}" y="${box.top + box.height + 22}" text-anchor="middle" font-size="11" fill="#57606a">${stage.gaps.length} gap${stage.gaps.length === 1 ? '' : 's'}</text>`);
    parts.push('</g>');
    if (index === 0) return;
    const from = left(index - 1) + box.width;
    const dashed = stopIndex >= 0 && index > stopIndex;
    parts.push(`<line x1="${from + 2}" y1="${y}" x2="${x - 4}" y2="${y}" stroke="#cf222e" stroke-width="3"${dashed ? ' stroke-dasharray="6 5" stroke-opacity="0.5"' : ''} marker-end="url(#arrow)"/>`);
  });
  parts.push(`<line x1="2" y1="${y}" x2="${left(0) - 4}" y2="${y}" stroke="#cf222e" stroke-width="3" marker-end="url(#arrow)"/>`);
  if (stopIndex >= 0) {
    const x = left(stopIndex) + box.width + 12;
    parts.push(`<g class="stop" data-stage="${DRILL_STAGES[stopIndex]}"><line x1="${x}" y1="${y - 22}" x2="${x}" y2="${y + 22}" stroke="#1a7f37" stroke-width="6"/></g>`);
  } else {
    const x = left(DRILL_STAGES.length - 1) + box.width;
    parts.push(`<line x1="${x + 2}" y1="${y}" x2="${width - 6}" y2="${y}" stroke="#cf222e" stroke-width="3" marker-end="url(#arrow)"/>`);
  }
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="13" fill="#24292f">${html(verdictOf(result))}</text>`);
  parts.push('</svg>');
  return parts.join('');
}

function stageSection(stage: StageResult): string {
  const colour = OUTCOME_COLOUR[stage.outcome];
  const evidence = stage.evidence.length ? `<details><summary>Evidence (${stage.evidence.length})</summary><ul>${stage.evidence.map((entry) => `<li>${html(entry.text)}</li>`).join('')}</ul></details>` : '';
  const gaps = stage.gaps.length
    ? `<table class="gaps"><thead><tr><th>Gap</th><th>Fix</th></tr></thead><tbody>${stage.gaps.map((gap) => `<tr><td>${html(gap.title)}</td><td>${html(gap.fix)}</td></tr>`).join('')}</tbody></table>`
    : '';
  return `<section class="stage" id="stage-${stage.stage}"><h3>${STAGE_TITLE[stage.stage]} <span class="badge" style="background:${colour}">${stage.outcome}</span></h3><p class="question">${html(STAGE_QUESTION[stage.stage])}</p><p>${html(stage.summary)}</p>${evidence}${gaps}</section>`;
}

function drillHtml(result: DrillResult): string {
  const steps = result.path?.length
    ? `<table class="steps"><thead><tr><th>At</th><th>Step</th><th>Status</th><th>What happens</th></tr></thead><tbody>${result.path
        .map((step) => `<tr class="${step.status.replace(' ', '-')}"><td>+${step.at}s</td><td>${html(step.title)}</td><td>${step.status}</td><td>${html(step.detail)}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const title = `kubeward drill: ${result.title ?? result.scenario}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${html(title)}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#24292f;max-width:1000px;margin:2em auto;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h3{margin:.2em 0}
.meta{color:#57606a;margin-top:0}
.verdict{font-size:1.15em;font-weight:600;padding:.6em 1em;border-radius:8px;border:2px solid}
.verdict.through{color:#cf222e;border-color:#cf222e}.verdict.held{color:#1a7f37;border-color:#1a7f37}
figure{margin:1.5em 0}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #d0d7de;padding:.35em .6em;text-align:left;vertical-align:top}th{background:#f6f8fa}
tr.blocked td{background:#dafbe1}tr.not-reached td{color:#8c959f}
section.stage{border:1px solid #d0d7de;border-radius:8px;padding:.6em 1em;margin:1em 0}
.badge{color:#fff;border-radius:1em;padding:.05em .6em;font-size:.8em;text-transform:uppercase;vertical-align:middle}
.question{color:#57606a;font-style:italic;margin:.2em 0}
footer{color:#57606a;font-size:.85em;margin-top:2em}
</style>
</head>
<body>
<h1>${html(title)}</h1>
<p class="meta">Scenario <code>${html(result.scenario)}</code>, namespace <code>${html(result.namespace)}</code>, ${result.gaps} gap${result.gaps === 1 ? '' : 's'}${result.timeToDetectSeconds !== null ? `, time to detect ${result.timeToDetectSeconds}s` : ''}</p>
<p class="verdict ${result.firstStop === null ? 'through' : 'held'}">${html(verdictOf(result))}</p>
<figure id="path">${pathSvg(result)}<figcaption>The attack (red) through the five stages; it ends at the first that stops it, and goes on dashed through the rest, each judged as if the earlier ones had failed.</figcaption></figure>
<h2>The attack, step by step</h2>
${steps}
<h2>Stages and gaps</h2>
${result.stages.map(stageSection).join('\n')}
<footer>kubeward ${html(result.kubeward)}</footer>
</body>
</html>
`;
}
