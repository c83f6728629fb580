import { mkdirSync, statSync } from 'node:fs';
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

/**
 * Makes `folder` (with its parents) when missing, and says whether kubeward may keep code there: a
 * folder of this user's that no one else can write to. kubeward runs what it keeps in its cache (the
 * helm it unpacks, the CLI's compiled code), so a folder another user made first (`/tmp/kubeward-cache-0`
 * is a name anyone can take) or can write to could hand it their program instead.
 */
export function isPrivateFolder(folder: string): boolean {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const stat = statSync(folder);
    if (!stat.isDirectory()) return false;
    // Windows has neither owners by number nor these mode bits.
    if (process.getuid === undefined) return true;
    return stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}
