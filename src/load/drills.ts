/**
 * Drill scenarios from disk: the built-in ones shipped in `drills/*.yaml`, or a user's file, and
 * the scenario's chart rendered by the real helm for the namespace it goes into.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import jsYaml from 'js-yaml';
import { InputError } from '../core/errors.js';
import { parseScenarioFile, type DrillScenario } from '../drill/scenario.js';
import { DEFAULT_TIMEOUT_MS } from './helm.js';
import { onInterrupt } from './interrupt.js';
import { readInput } from './input.js';
import { loadSources, type LoadOptions, type LoadResult } from './sources.js';
import { parseYamlDocument } from './yaml-document.js';

/** The built-in scenarios shipped in the package. */
export const BUILTIN_DRILLS_DIR = fileURLToPath(new URL('../../drills/', import.meta.url));

const MAX_SCENARIO_BYTES = 1024 * 1024;

/** Reads one scenario file: the scenario and its variants. */
export async function readScenarioFile(file: string): Promise<DrillScenario[]> {
  const text = await readInput(file, 'scenario', { maxBytes: MAX_SCENARIO_BYTES });
  return parseScenarioFile(parseYamlDocument(text, { file, schema: 'core' }), file);
}

/** Every built-in scenario, variants after the scenario they vary. */
export async function builtinScenarios(): Promise<DrillScenario[]> {
  const names = readdirSync(BUILTIN_DRILLS_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
  return (await Promise.all(names.map((name) => readScenarioFile(join(BUILTIN_DRILLS_DIR, name))))).flat();
}

/**
 * A scenario by name (a built-in one or one of its variants) or by path (a `.yaml` file, or
 * `FILE#NAME` for a variant in it). An unknown name lists the known ones.
 */
export async function findScenario(reference: string): Promise<DrillScenario> {
  const [path, variant] = reference.includes('#') ? reference.split('#', 2) : [reference, undefined];
  if (/\.ya?ml$/i.test(path) || path.includes('/') || existsSync(path)) {
    if (!existsSync(path)) throw new InputError(`${path}: no such scenario file`);
    const scenarios = await readScenarioFile(path);
    if (!variant) return scenarios[0];
    const found = scenarios.find((scenario) => scenario.name === variant);
    if (!found) throw new InputError(`${path}: no variant "${variant}" (has: ${scenarios.map((scenario) => scenario.name).join(', ')})`);
    return found;
  }
  const known = await builtinScenarios();
  const found = known.find((scenario) => scenario.name === reference);
  if (!found) throw new InputError(`unknown scenario "${reference}" (known: ${known.map((scenario) => scenario.name).join(', ')}; or a scenario file)`);
  return found;
}

/** The chart directory of a scenario: relative to its file. */
export function scenarioChartPath(scenario: DrillScenario): string {
  if (isAbsolute(scenario.chart.path)) return scenario.chart.path;
  return resolve(scenario.file ? dirname(scenario.file) : BUILTIN_DRILLS_DIR, scenario.chart.path);
}

/** Renders the scenario's chart for `namespace` with its values (and the probe renders recon compares). */
export async function renderScenarioChart(scenario: DrillScenario, namespace: string, options: Pick<LoadOptions, 'timeoutMs' | 'probeCharts'> = {}): Promise<LoadResult> {
  const chart = scenarioChartPath(scenario);
  if (!existsSync(join(chart, 'Chart.yaml'))) throw new InputError(`${scenario.file ?? scenario.name}: chart.path: ${chart} is not a chart directory (no Chart.yaml)`);
  // in place before the folder is made: with no handler, a signal ends the process at once
  let folder = '';
  const forget = onInterrupt(() => folder && rmSync(folder, { recursive: true, force: true }));
  try {
    folder = mkdtempSync(join(tmpdir(), 'kubeward-drill-'));
    const values = join(folder, 'values.yaml');
    writeFileSync(values, jsYaml.dump(scenario.chart.values));
    return await loadSources([chart], { namespace, release: scenario.chart.release, values: [values], timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, probeCharts: options.probeCharts });
  } finally {
    forget();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }
}
