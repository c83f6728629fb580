import { InputError } from '../core/errors.js';
import { FORMATS } from './formats.js';
import { jsonParts } from './json-parts.js';
import { jsonReport, renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { Report } from './report.js';
import { renderSarif, sarifLog } from './sarif.js';
import { renderTable } from './table.js';

export { FORMATS, isFormat, type Format } from './formats.js';

export function render(report: Report, format: string, options: { color?: boolean } = {}): string {
  return [...renderParts(report, format, options)].join('');
}

/**
 * The report as parts to write one after the other, made as they are written: JSON and SARIF of a
 * big report are longer than one string can be, and are never held whole (writeOutput writes them).
 */
/** jsonParts' depth below which the findings of the JSON report are written by JSON.stringify (many to a part). */
const JSON_FINDING_DEPTH = 2;

export function* renderParts(report: Report, format: string, options: { color?: boolean } = {}): Generator<string> {
  switch (format) {
    case 'json':
      // Down to the findings (root, findings): findings are written by JSON.stringify, not a part per field (issue 9).
      yield* jsonParts(jsonReport(report), JSON_FINDING_DEPTH);
      yield '\n';
      return;
    case 'sarif':
      yield* jsonParts(sarifLog(report));
      yield '\n';
      return;
    default:
      yield renderText(report, format, options);
  }
}

function renderText(report: Report, format: string, options: { color?: boolean }): string {
  switch (format) {
    case 'table':
      return renderTable(report, options);
    case 'json':
      return renderJson(report);
    case 'sarif':
      return renderSarif(report);
    case 'junit':
      return renderJunit(report);
    case 'markdown':
      return renderMarkdown(report);
    default:
      throw new InputError(`unknown format "${format}" (use ${FORMATS.join(', ')})`);
  }
}

export { buildReport, withBaseline, type Metric, type Report } from './report.js';
