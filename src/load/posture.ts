/**
 * The inputs of `kubeward report` beyond sources and logs: the runs kept in `--history DIR`, the
 * last drill's result (`--drill`). Each refuses what it cannot use
 * in one line; a history folder only warns about files that are not runs, and skips them.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { isRecord } from '../core/object.js';
import type { HistoryRun } from '../posture/history.js';
import { POSTURE_SCHEMA, type DrillSummary, type PostureReport } from '../posture/model.js';
import { readRegularFileSync } from './input.js';
import { systemErrorText } from '../core/sanitize.js';

const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** A history folder of years of daily runs is a few thousand files; more is a wrong folder. */
const MAX_HISTORY_RUNS = 5000;

function parseJson(text: string): unknown {
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

/** Earlier runs in `dir`, oldest first; files that are not kubeward posture reports are skipped with a warning. */
export function readHistory(dir: string): { runs: HistoryRun[]; warnings: string[] } {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(`--history ${dir} is not a directory`);
    entries = readdirSync(dir).sort();
  } catch (error) {
    if (error instanceof InputError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      checkParentFolder(dir);
      return { runs: [], warnings: [] };
    }
    throw new InputError(`--history ${dir}: cannot read: ${systemErrorText(error)}`);
  }
  const runs: HistoryRun[] = [];
  const warnings: string[] = [];
  for (const name of entries) {
    // our own temporary files of an atomic write in progress
    if (name.startsWith('.')) continue;
    const file = join(dir, name);
    const skip = (why: string) => warnings.push(`--history ${file}: ${why}: skipped`);
    if (!name.endsWith('.json')) {
      skip('not a kubeward report (.json)');
      continue;
    }
    if (runs.length >= MAX_HISTORY_RUNS) {
      skip(`more than ${MAX_HISTORY_RUNS} runs`);
      continue;
    }
    let body: unknown;
    try {
      body = parseJson(readRegularFileSync(file, MAX_JSON_BYTES, file));
    } catch (error) {
      skip(error instanceof InputError ? error.message.replace(`${file}: `, '') : 'not JSON');
      continue;
    }
    const run = historyRunOf(body, file);
    if (typeof run === 'string') skip(run);
    else runs.push(run);
  }
  return { runs, warnings };
}

function historyRunOf(body: unknown, file: string): HistoryRun | string {
  if (!isRecord(body) || body.schema !== POSTURE_SCHEMA) return `not a kubeward posture report (no "schema": "${POSTURE_SCHEMA}")`;
  if (typeof body.generatedAt !== 'string' || Number.isNaN(Date.parse(body.generatedAt))) return 'no valid "generatedAt" time';
  if (!Array.isArray(body.stages)) return 'no "stages" list';
  const stages: PostureReport['stages'] = [];
  for (const stage of body.stages) {
    if (!isRecord(stage) || !Array.isArray(stage.metrics)) return 'a stage without "metrics"';
    const metrics = stage.metrics.filter((metric): metric is Record<string, unknown> => isRecord(metric) && typeof metric.id === 'string');
    stages.push({ ...(stage as unknown as PostureReport['stages'][number]), metrics: metrics.map((metric) => ({ ...(metric as unknown as PostureReport['stages'][number]['metrics'][number]), value: typeof metric.value === 'number' && Number.isFinite(metric.value) ? metric.value : null })) });
  }
  return { generatedAt: new Date(Date.parse(body.generatedAt)).toISOString(), file, report: { stages } };
}

/**
 * A history folder that does not exist yet is created by the run, in a folder that must exist: as
 * every output of kubeward (`-o`, `drill kit --out`), a typo in the path is refused before any work,
 * never made into a tree of folders.
 */
function checkParentFolder(dir: string): void {
  const parent = dirname(resolve(dir));
  try {
    if (!statSync(parent).isDirectory()) throw new InputError(`--history ${dir}: cannot create: ${parent} is not a directory`);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`--history ${dir}: cannot create: ${systemErrorText(error)}`);
  }
}

/** Where this run is kept in the history folder (created if missing, in a folder that exists): one file per run, named by its time. */
export function historyFile(dir: string, generatedAt: string): string {
  try {
    if (!existsSync(dir)) mkdirSync(dir);
  } catch (error) {
    throw new InputError(`--history ${dir}: cannot create: ${systemErrorText(error)}`);
  }
  return join(dir, `kubeward-report-${generatedAt.replace(/[:.]/g, '-')}.json`);
}

/**
 * `--drill FILE` (repeatable): the JSON of `kubeward drill run` (the stages, gaps and time to detect) and/or of
 * `kubeward drill score` (`"kubeward": "drill-score"`: the mean time to remediate of live-fire drills and the
 * developer-confidence survey). Several files merge: the last of each kind counts.
 */
export function readDrillResults(files: readonly string[]): DrillSummary {
  let run: Omit<DrillSummary, 'timeToRemediateSeconds' | 'confidence' | 'scoreFile'> | undefined;
  let score: { file: string; mttr: number | null; confidence: DrillSummary['confidence'] } | undefined;
  for (const file of files) {
    const body = readDrillJson(file);
    if (body.kubeward === 'drill-score') score = drillScoreOf(body, file);
    else run = drillRunOf(body, file);
  }
  if (!run && !score) throw new InputError('--drill: no file given');
  return {
    file: run?.file ?? '',
    scenario: run?.scenario ?? '',
    namespace: run?.namespace ?? '',
    firstStop: run?.firstStop ?? null,
    timeToDetectSeconds: run?.timeToDetectSeconds ?? null,
    stages: run?.stages ?? [],
    gaps: run?.gaps ?? 0,
    hasRun: Boolean(run),
    timeToRemediateSeconds: score?.mttr ?? null,
    confidence: score?.confidence ?? null,
    ...(score ? { scoreFile: score.file } : {}),
  };
}

const notDrill = (file: string, why: string) => new InputError(`--drill ${file} is not a kubeward drill result or score (${why}); write one with kubeward drill run --format json or kubeward drill score --format json`);

function readDrillJson(file: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = parseJson(readRegularFileSync(file, MAX_JSON_BYTES, `--drill ${file}`));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw notDrill(file, 'not JSON');
  }
  if (!isRecord(body) || typeof body.kubeward !== 'string') throw notDrill(file, 'no "kubeward" key');
  return body;
}

function seconds(value: unknown, key: string, file: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw notDrill(file, `"${key}" is not a number of seconds`);
  return value;
}

function drillRunOf(body: Record<string, unknown>, file: string) {
  if (typeof body.scenario !== 'string' || typeof body.namespace !== 'string') throw notDrill(file, 'no "scenario" and "namespace"');
  if (!Array.isArray(body.stages) || body.stages.length === 0) throw notDrill(file, 'no "stages" list');
  const stages = body.stages.map((stage, index) => {
    if (!isRecord(stage) || typeof stage.stage !== 'string' || typeof stage.outcome !== 'string') throw notDrill(file, `stages[${index}] has no stage and outcome`);
    const gaps = Array.isArray(stage.gaps) ? stage.gaps.filter(isRecord).map((gap) => ({ title: String(gap.title ?? ''), fix: String(gap.fix ?? '') })) : [];
    return { stage: stage.stage, outcome: stage.outcome, summary: typeof stage.summary === 'string' ? stage.summary : '', gaps };
  });
  return {
    file,
    scenario: body.scenario,
    namespace: body.namespace,
    firstStop: typeof body.firstStop === 'string' ? body.firstStop : null,
    timeToDetectSeconds: seconds(body.timeToDetectSeconds, 'timeToDetectSeconds', file),
    stages,
    gaps: typeof body.gaps === 'number' ? body.gaps : stages.reduce((sum, stage) => sum + stage.gaps.length, 0),
    hasRun: true,
  };
}

function drillScoreOf(body: Record<string, unknown>, file: string) {
  if (!Array.isArray(body.drills)) throw notDrill(file, 'a drill score without "drills"');
  const confidence = isRecord(body.confidence) && typeof body.confidence.average === 'number' && typeof body.confidence.responses === 'number' ? { average: body.confidence.average, responses: body.confidence.responses } : null;
  return { file, mttr: seconds(body.meanTimeToRemediateSeconds, 'meanTimeToRemediateSeconds', file), confidence };
}
