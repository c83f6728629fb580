import type { Command } from 'commander';

/** `kubeward detect …` (issue 5). */
export function registerDetect(_program: Command): void {}
