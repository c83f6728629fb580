// Preloaded (`node -r`) into each process the whole-process bench runs: on exit, writes the process's
// CPU time (user + system, from its start, node's own start-up included) and its peak resident memory
// on the last line of stderr, where process.bench.mjs reads them.
'use strict';
process.on('exit', () => {
  const usage = process.resourceUsage();
  process.stderr.write(`\nkubeward-bench-usage ${JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMiB: usage.maxRSS / 1024 })}\n`);
});
