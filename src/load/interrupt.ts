/**
 * What a run must undo when it is interrupted (SIGINT, SIGTERM, SIGHUP) before it ends: helm and
 * kubectl, which run in process groups of their own (so that their children are stopped with them;
 * a terminal's Ctrl-C does not reach such a group, and a template that loops would run on), and the
 * temporary folders of the run (a pulled chart, a drill's values). Node's default on these signals
 * ends the process at once and leaves all of them behind.
 *
 * Handlers are installed only while something is pending, so that the servers' own handling of
 * SIGTERM (`detect serve`, `webhook serve`) is untouched. After the cleanups the signal is raised
 * again with no handler left: the process ends by it, as every CLI does (a shell reports 130 for
 * SIGINT, 143 for SIGTERM).
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const pending = new Set<() => void>();
/** Set once an interrupt has run the cleanups: whatever starts after it is undone at once. */
let stopping = false;

/** Runs `cleanup` if the process is interrupted before the returned function is called (which forgets it). */
export function onInterrupt(cleanup: () => void): () => void {
  if (stopping) {
    cleanup();
    return () => undefined;
  }
  pending.add(cleanup);
  if (pending.size === 1) for (const signal of SIGNALS) process.on(signal, interrupted);
  return () => {
    if (!pending.delete(cleanup) || pending.size > 0) return;
    for (const signal of SIGNALS) process.off(signal, interrupted);
  };
}

function interrupted(signal: NodeJS.Signals): void {
  stopping = true;
  // the newest first: a folder is removed after the tool that was writing into it is stopped
  for (const cleanup of [...pending].reverse()) {
    try {
      cleanup();
    } catch {
      // the others still run
    }
  }
  pending.clear();
  for (const each of SIGNALS) process.off(each, interrupted);
  process.kill(process.pid, signal);
}
