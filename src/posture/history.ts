import type { History, PostureReport } from './model.js';

/** An earlier run read from `--history DIR`. */
export interface HistoryRun {
  generatedAt: string;
  file: string;
  report: Pick<PostureReport, 'stages'>;
}

/** Each metric of this run, with its value in every earlier run (null where that run did not measure it). */
export function trendsOf(runs: readonly HistoryRun[], current: Pick<PostureReport, 'stages'>): History {
  const trends: History['trends'] = {};
  const valuesOf = (report: Pick<PostureReport, 'stages'>) => new Map(report.stages.flatMap((stage) => stage.metrics.map((metric) => [metric.id, metric.value] as const)));
  const earlier = runs.map((run) => valuesOf(run.report));
  for (const stage of current.stages) {
    for (const metric of stage.metrics) trends[metric.id] = [...earlier.map((values) => values.get(metric.id) ?? null), metric.value];
  }
  return { runs: runs.map((run) => ({ generatedAt: run.generatedAt, file: run.file })), trends };
}
