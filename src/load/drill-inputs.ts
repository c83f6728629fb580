/**
 * The inputs of `kubeward drill score`: alert files (`kubeward detect --format json`, one alert per
 * line, or a JSON array), times, the developer-confidence survey, a kit's manifest, a drill's result.
 * Every mistake is one line naming the file (and line) and the field.
 */
import type { Alert } from '../core/alert.js';
import { InputError } from '../core/errors.js';
import { isRecord } from '../core/object.js';
import { isSeverity } from '../core/severity.js';
import type { KitManifest } from '../drill/kit.js';
import type { DrillResult } from '../drill/result.js';
import { readInput } from './input.js';
import { parseYamlDocument } from './yaml-document.js';

function alertOf(value: unknown, where: string): Alert {
  if (!isRecord(value)) throw new InputError(`${where}: not an alert (an object with rule, priority, time, principal, summary)`);
  for (const field of ['rule', 'time', 'principal', 'summary'] as const) {
    if (typeof value[field] !== 'string') throw new InputError(`${where}: ${field}: a string is required`);
  }
  if (!isSeverity(value.priority)) throw new InputError(`${where}: priority: one of critical, high, medium, low, info`);
  if (!Number.isFinite(Date.parse(value.time as string))) throw new InputError(`${where}: time: not an RFC 3339 time`);
  const alert: Alert = {
    rule: value.rule as string,
    priority: value.priority,
    time: value.time as string,
    principal: value.principal as string,
    summary: value.summary as string,
    evidence: Array.isArray(value.evidence) ? value.evidence.filter((id): id is string => typeof id === 'string') : [],
    stage: 'expose',
    id: typeof value.id === 'string' ? value.id : `${where}`,
  };
  // The names the alert carries (kubeward detect's pod and serviceAccount), when they have the right shape.
  if (isNamed(value.pod)) alert.pod = { namespace: value.pod.namespace, name: value.pod.name, ...(typeof value.pod.serviceAccount === 'string' ? { serviceAccount: value.pod.serviceAccount } : {}) };
  if (isNamed(value.serviceAccount)) {
    const pods = Array.isArray(value.serviceAccount.pods) ? value.serviceAccount.pods.filter(isNamed).map((pod) => ({ namespace: pod.namespace, name: pod.name })) : [];
    alert.serviceAccount = { namespace: value.serviceAccount.namespace, name: value.serviceAccount.name, pods };
  }
  return alert;
}

function isNamed(value: unknown): value is Record<string, unknown> & { namespace: string; name: string } {
  return isRecord(value) && typeof value.namespace === 'string' && typeof value.name === 'string';
}

/** A JSON file whole: a kit manifest, a drill result. */
async function readJson(file: string, what: string): Promise<unknown> {
  const text = await readInput(file, what);
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError(`${file}: not JSON`);
  }
}

/** Alerts as `kubeward detect --format json` prints them (JSON lines), or a JSON array of them. */
export async function readAlertsFile(file: string): Promise<Alert[]> {
  const text = await readInput(file, 'alerts');
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new InputError(`${file}: not JSON (a JSON array of alerts, or one alert per line)`);
    }
    return (parsed as unknown[]).map((value, index) => alertOf(value, `${file}: [${index}]`));
  }
  const alerts: Alert[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new InputError(`${file}:${index + 1}: not JSON (kubeward detect --format json prints one alert per line)`);
    }
    alerts.push(alertOf(parsed, `${file}:${index + 1}`));
  });
  return alerts;
}

/** An RFC 3339 time (as `date -u +%Y-%m-%dT%H:%M:%SZ` prints it), for a flag. */
export function parseTime(value: string, flag: string): number {
  const text = value.trim();
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(time)) throw new InputError(`${flag}: "${value}" is not an RFC 3339 time with a zone (e.g. 2026-03-01T10:05:00Z)`);
  return time;
}

/** The survey: a list of answers 1 to 5, `confidence: [...]`, or a list of `{confidence: N}` (YAML or JSON). */
export async function readSurvey(file: string): Promise<number[]> {
  const raw = parseYamlDocument(await readInput(file, 'survey'), { file, schema: 'core' });
  const list = isRecord(raw) ? raw.confidence : raw;
  if (!Array.isArray(list) || list.length === 0) throw new InputError(`${file}: confidence: a list of answers from 1 to 5 is required`);
  return list.map((entry, index) => {
    const value = isRecord(entry) ? entry.confidence : entry;
    const number = Number(value);
    if (typeof value === 'boolean' || !Number.isFinite(number) || number < 1 || number > 5) throw new InputError(`${file}: confidence[${index}]: an answer from 1 to 5 (got ${JSON.stringify(value)})`);
    return number;
  });
}

/** A kit's kit.json, for the names the alerts should carry. */
export async function readKitManifest(file: string): Promise<KitManifest> {
  const parsed = await readJson(file, 'kit manifest');
  if (!isRecord(parsed) || parsed.kubeward !== 'drill-kit' || typeof parsed.namespace !== 'string' || typeof parsed.serviceAccount !== 'string' || typeof parsed.workload !== 'string') {
    throw new InputError(`${file}: not a kit manifest written by kubeward drill kit`);
  }
  return parsed as unknown as KitManifest;
}

/** A `kubeward drill run --format json` result, for its gaps. */
export async function readDrillResult(file: string): Promise<DrillResult> {
  const parsed = await readJson(file, 'drill result');
  if (!isRecord(parsed) || !Array.isArray(parsed.stages) || typeof parsed.scenario !== 'string') throw new InputError(`${file}: not a result of kubeward drill run --format json`);
  return parsed as unknown as DrillResult;
}
