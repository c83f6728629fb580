import jsYaml from 'js-yaml';
import { InputError } from '../core/errors.js';
import { isRecord } from '../core/object.js';
import { compareStrings } from '../core/order.js';
import { escapeControl, oneLine } from '../core/sanitize.js';

/**
 * Alert fidelity, the battlecard's second Expose metric: what share of the alerts were actionable.
 * People give verdicts on alert ids (every alert has a stable `id`); `kubeward detect triage` counts
 * them per rule and overall and names the rules that make the noise.
 *
 * Verdicts file (YAML or JSON):
 *
 *     3f9c2a1b7d4e5f60: true-positive      # a mapping of alert id → verdict
 *     a1b2c3d4e5f60718: benign             # real, but expected (a break-glass admin)
 *
 * or a list of `{id, verdict}` (what a ticket system exports), or JSON lines of them.
 */

export const VERDICTS = ['true-positive', 'false-positive', 'benign'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface TriagedAlert {
  id: string;
  rule: string;
  priority: string;
}

export interface FidelityCounts {
  alerts: number;
  /** Alerts with a verdict. */
  triaged: number;
  truePositive: number;
  falsePositive: number;
  benign: number;
  /** true-positive / triaged, or null before any verdict. */
  actionableShare: number | null;
}

export interface TriageReport {
  overall: FidelityCounts;
  rules: ({ rule: string } & FidelityCounts)[];
  /** Rules whose triaged alerts were mostly not actionable, noisiest first. */
  noisy: { rule: string; notActionable: number; share: number }[];
  /** Verdicts naming alerts that are not in the alerts file. */
  unknownIds: string[];
}

function verdictOf(value: unknown, where: string): Verdict {
  const text = String(value ?? '').trim().toLowerCase();
  if (!(VERDICTS as readonly string[]).includes(text)) throw new InputError(`${where}: a verdict is one of ${VERDICTS.join(', ')} (got ${oneLine(JSON.stringify(String(value ?? '')), 60)})`);
  return text as Verdict;
}

/** Verdicts from a file's text: a mapping, a list of {id, verdict}, or JSON lines of those. */
export function parseVerdicts(text: string, file: string): Map<string, Verdict> {
  const entries: [string, unknown][] = [];
  const fromValue = (value: unknown, where: string) => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        if (!isRecord(item) || typeof item.id !== 'string') throw new InputError(`${where}: item ${index + 1} needs an id and a verdict`);
        entries.push([item.id, item.verdict]);
      });
    } else if (isRecord(value)) {
      if (typeof value.id === 'string' && 'verdict' in value) entries.push([value.id, value.verdict]);
      else for (const [id, verdict] of Object.entries(value)) entries.push([id, verdict]);
    } else if (value !== null && value !== undefined) {
      throw new InputError(`${where}: verdicts are a mapping of alert id to verdict, or a list of {id, verdict}`);
    }
  };
  let value: unknown;
  try {
    // every scalar a string: an id such as 0000000000000000 or 1e10000000000000 must not become a number
    value = jsYaml.load(text, { schema: jsYaml.FAILSAFE_SCHEMA, filename: file });
  } catch (error) {
    // JSON lines are not one YAML document: read them line by line
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    if (lines.length > 1 && lines.every((line) => line.trim().startsWith('{'))) {
      lines.forEach((line, index) => {
        try {
          fromValue(JSON.parse(line), `${file}:${index + 1}`);
        } catch (inner) {
          if (inner instanceof InputError) throw inner;
          throw new InputError(`${file}:${index + 1}: not JSON`);
        }
      });
      return toMap(entries, file);
    }
    const reason = error instanceof jsYaml.YAMLException ? `${error.reason} (line ${(error.mark?.line ?? 0) + 1})` : 'unreadable';
    throw new InputError(`${file}: not YAML or JSON: ${reason}`);
  }
  fromValue(value, file);
  return toMap(entries, file);
}

function toMap(entries: readonly [string, unknown][], file: string): Map<string, Verdict> {
  const out = new Map<string, Verdict>();
  for (const [id, verdict] of entries) out.set(id, verdictOf(verdict, `${file}: alert ${oneLine(id, 40)}`));
  return out;
}

function counts(alerts: readonly TriagedAlert[], verdicts: ReadonlyMap<string, Verdict>): FidelityCounts {
  const out: FidelityCounts = { alerts: alerts.length, triaged: 0, truePositive: 0, falsePositive: 0, benign: 0, actionableShare: null };
  for (const alert of alerts) {
    const verdict = verdicts.get(alert.id);
    if (!verdict) continue;
    out.triaged++;
    if (verdict === 'true-positive') out.truePositive++;
    else if (verdict === 'false-positive') out.falsePositive++;
    else out.benign++;
  }
  if (out.triaged > 0) out.actionableShare = Math.round((out.truePositive / out.triaged) * 1000) / 1000;
  return out;
}

export function triage(alerts: readonly TriagedAlert[], verdicts: ReadonlyMap<string, Verdict>): TriageReport {
  const byRule = new Map<string, TriagedAlert[]>();
  for (const alert of alerts) byRule.set(alert.rule, [...(byRule.get(alert.rule) ?? []), alert]);
  const rules = [...byRule.entries()].map(([rule, list]) => ({ rule, ...counts(list, verdicts) })).sort((a, b) => b.alerts - a.alerts || compareStrings(a.rule, b.rule));
  const known = new Set(alerts.map((alert) => alert.id));
  const noisy = rules
    .filter((rule) => rule.triaged > 0 && rule.falsePositive + rule.benign > rule.truePositive)
    .map((rule) => ({ rule: rule.rule, notActionable: rule.falsePositive + rule.benign, share: Math.round(((rule.falsePositive + rule.benign) / rule.triaged) * 1000) / 1000 }))
    .sort((a, b) => b.notActionable - a.notActionable || b.share - a.share);
  return { overall: counts(alerts, verdicts), rules, noisy, unknownIds: [...verdicts.keys()].filter((id) => !known.has(id)) };
}

/** The report for people. */
export function renderTriage(report: TriageReport): string {
  const share = (value: number | null) => (value === null ? 'n/a' : `${Math.round(value * 100)}%`);
  const lines = ['RULE  ALERTS  TRIAGED  TRUE-POSITIVE  FALSE-POSITIVE  BENIGN  ACTIONABLE'];
  for (const rule of report.rules) lines.push(`${escapeControl(rule.rule)}  ${rule.alerts}  ${rule.triaged}  ${rule.truePositive}  ${rule.falsePositive}  ${rule.benign}  ${share(rule.actionableShare)}`);
  const o = report.overall;
  lines.push(`overall  ${o.alerts}  ${o.triaged}  ${o.truePositive}  ${o.falsePositive}  ${o.benign}  ${share(o.actionableShare)}`);
  if (report.noisy.length > 0) {
    lines.push('', 'noise (rules whose triaged alerts were mostly not actionable):');
    for (const rule of report.noisy) lines.push(`  ${escapeControl(rule.rule)}: ${rule.notActionable} not actionable (${share(rule.share)} of its triaged alerts)`);
  }
  return `${lines.join('\n')}\n`;
}
