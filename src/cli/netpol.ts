import type { Command } from 'commander';

/** `kubeward netpol …` (issue 4). */
export function registerNetpol(_program: Command): void {}
