/**
 * `kubeward diff OLD NEW`: what an upgrade changes that matters for security. The findings the new
 * version adds (the scan of each version compared by fingerprint, as with --baseline), and the
 * changes behind them, each judged by its engine: permissions per subject by the RBAC authorizer,
 * exposure by the NetworkPolicy engine, containers, images, registries, hooks and tokens from the
 * pod templates. Supply-chain attacks arrive as upgrades of charts people already trust.
 */
import { baselineOf, compareWithBaseline, type BaselineFinding } from '../core/baseline.js';
import type { ChartSource } from '../core/chart.js';
import type { Config } from '../core/config.js';
import type { Finding } from '../core/finding.js';
import type { Inventory } from '../core/inventory.js';
import { exposureChanges, type ExposureChange } from '../netpol/diff.js';
import { permissionChanges, type SubjectPermissionChanges } from '../rbac/diff.js';
import { buildEngine } from '../rbac/engine.js';
import type { RuleMeta } from '../rules/rule.js';
import { scanInventory } from '../scan.js';
import { workloadChanges, type WorkloadChanges } from './workloads.js';

export type { ExposureChange } from '../netpol/diff.js';
export { describePermissionChanges, type PermissionChange, type SubjectPermissionChanges } from '../rbac/diff.js';
export type { FieldChange, ImageChange, ObjectChange, TokenChange, WorkloadChanges } from './workloads.js';

/** One side of the comparison: the sources as loaded. */
export interface DiffSide {
  /** As the user named it. */
  source: string;
  inventory: Inventory;
  charts?: readonly ChartSource[];
}

export interface DiffResult {
  old: string;
  new: string;
  /** Findings of the new version absent from the old one's (each `baselineState: new`). */
  findings: Finding[];
  /** Findings of the old version the new one no longer has. */
  resolved: BaselineFinding[];
  permissions: SubjectPermissionChanges[];
  workloads: WorkloadChanges;
  exposure: ExposureChange[];
  /** Metadata of every check that ran, for the reports. */
  rules: RuleMeta[];
  warnings: string[];
}

export function diffVersions(before: DiffSide, after: DiffSide, config: Pick<Config, 'disable' | 'ignore' | 'allowedRegistries' | 'allowedRepositories'>): DiffResult {
  const oldScan = scanInventory(before.inventory, config, { charts: before.charts });
  const newScan = scanInventory(after.inventory, config, { charts: after.charts });
  const comparison = compareWithBaseline(newScan.findings, baselineOf(before.source, oldScan.findings));
  const oldEngine = buildEngine(before.inventory);
  const newEngine = buildEngine(after.inventory);
  return {
    old: before.source,
    new: after.source,
    findings: comparison.findings.filter((finding) => finding.baselineState === 'new'),
    resolved: comparison.fixed,
    permissions: permissionChanges(oldEngine, newEngine),
    workloads: workloadChanges(before.inventory, after.inventory),
    exposure: exposureChanges(before.inventory, after.inventory),
    rules: newScan.rules,
    warnings: sideWarnings(oldScan.warnings, newScan.warnings),
  };
}

/** Warnings of both versions once; those of one version only say which. */
export function sideWarnings(before: readonly string[], after: readonly string[]): string[] {
  const old = new Set(before);
  const now = new Set(after);
  return [...new Set([...before, ...after])].map((warning) => (old.has(warning) && now.has(warning) ? warning : `${now.has(warning) ? 'new' : 'old'} version: ${warning}`));
}
