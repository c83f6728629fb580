import type { Command } from 'commander';

/** `kubeward rbac …` and `kubeward audit` (issue 3). */
export function registerRbac(_program: Command): void {}
