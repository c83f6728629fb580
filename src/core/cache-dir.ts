import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * kubeward's cache folder (the helm and kubectl binaries it unpacks, the CLI's compiled code):
 * `$KUBEWARD_CACHE_DIR`, else `$XDG_CACHE_HOME/kubeward`, else `~/.cache/kubeward`.
 */
export function cacheDir(): string {
  if (process.env.KUBEWARD_CACHE_DIR) return process.env.KUBEWARD_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'kubeward');
}
