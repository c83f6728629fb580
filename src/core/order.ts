/**
 * The order of two strings for everything kubeward sorts (findings, rules, files, namespaces): by UTF-16
 * code unit, as `Array.prototype.sort()` orders strings. Unlike `localeCompare`, it is the same on every
 * machine whatever the user's locale (`ä` after `z` in Swedish, before it in German), so a report, a
 * baseline or a diff made in CI and on a laptop list things in one order; and it needs no ICU collation
 * data, whose loading cost 7–11 ms of every run that sorted findings (issue 9).
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
