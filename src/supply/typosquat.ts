/**
 * Typosquatting: a chart named like a well-known chart (one or two edits away, or the same name
 * spelled with other separators) that does not come from that chart's home repository. The list of
 * well-known charts is data (`well-known-charts.json`): the chart, its home repositories, its project.
 */
import { normalizeRepository, repositoryUnder } from '../core/chart.js';
import WELL_KNOWN from './well-known-charts.json' with { type: 'json' };

export interface WellKnownChart {
  name: string;
  /** Repositories the project publishes the chart from (`https://…`, `oci://…`). */
  homes: string[];
  project: string;
  /**
   * The name of a piece of software many repositories package (redis, nginx, vault): the same name
   * from another repository is normal; only a near miss counts.
   */
  generic?: boolean;
}

export const WELL_KNOWN_CHARTS: readonly WellKnownChart[] = WELL_KNOWN;

export interface LookAlike {
  chart: WellKnownChart;
  /** Edits between the names after folding case and separators; 0 means the same name (or the same letters with other separators). */
  distance: number;
}

/** Lower case, without `-`, `_` and `.`: `Ingress_Nginx` and `ingress-nginx` are one name to a reader. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[-_.]/g, '');
}

/** How many edits a name of this length may be from a well-known one and still look like it: short names are close to many others. */
function tolerance(length: number): number {
  if (length <= 5) return 0;
  return length <= 9 ? 1 : 2;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours (`ngnix`). */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2] + 1);
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length];
}

/**
 * The well-known chart a name imitates, judged with where the chart comes from (`repository`
 * undefined: a local chart, origin unknown) and the repositories the organisation vetted:
 *
 * - a near miss (`ingress-ngnix`, `cert_manager`, `cert-manger`) from anywhere but the well-known
 *   chart's home;
 * - the very same name from a known repository that is neither its home nor an allowed one
 *   (a look-alike repository), unless the name is generic (redis, nginx).
 *
 * A chart whose name is itself well known is only compared with that chart.
 */
export function lookAlikeOf(name: string, repository: string | undefined, allowed: readonly string[], charts: readonly WellKnownChart[] = WELL_KNOWN_CHARTS): LookAlike | undefined {
  const folded = fold(name);
  const fromHome = (chart: WellKnownChart) => repository !== undefined && chart.homes.some((home) => repositoryUnder(repository, home));
  const vetted = repository !== undefined && allowed.some((entry) => repositoryUnder(repository, entry));
  const exact = charts.find((chart) => chart.name === name);
  if (exact) {
    if (exact.generic || repository === undefined || fromHome(exact) || vetted) return undefined;
    return { chart: exact, distance: 0 };
  }
  let best: LookAlike | undefined;
  for (const chart of charts) {
    const target = fold(chart.name);
    const limit = tolerance(target.length);
    const distance = editDistance(folded, target, limit);
    if (distance > limit || fromHome(chart)) continue;
    if (!best || distance < best.distance) best = { chart, distance };
  }
  return best;
}

/** The home repositories as one readable list. */
export function homesText(chart: WellKnownChart): string {
  return chart.homes.map(normalizeRepository).join(' or ');
}
