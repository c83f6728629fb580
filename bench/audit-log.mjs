// The synthetic audit log the benchmarks share (`detect`, `rbac-generate`): line i of a cluster's
// Metadata-level audit log, seeded so every run reads the same lines. The generator lives in
// src/detect/synthetic.ts, where `kubeward drill` uses it for background traffic.
import { syntheticAuditLog } from '../dist/detect/synthetic.js';

/** A Metadata-level event as the log backend writes it (~700 bytes), ~10,000 events per second of cluster time. */
export const auditLine = syntheticAuditLog();
