import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { cacheDir, isPrivateFolder } from '../core/cache-dir.js';

/**
 * Loads the bundled CLI (one CommonJS file, scripts/bundle.mjs) as `require` would, but compiled with
 * V8's code cache: the bytecode V8 made of it in an earlier run. Compiling kubeward's code is a third
 * of a short run on Node 20 (issue 9). Node 22 does this itself (`module.enableCompileCache`); Node 20
 * offers only `vm.Script`'s `cachedData`, for CommonJS.
 *
 * The cache is one file in `<cache folder>/code-cache/`, named after the bundle (its path, size and
 * modification time) and the Node version, so that a rebuild or another Node never reads a stale one
 * (V8 also refuses data made by another V8 or with other flags). It is written at exit by a run that
 * found none, if that run ran a command (`--version` and `--help` compile a fraction of the code, and
 * functions the cache lacks are compiled as usual). The bytecode is run as kubeward's own code, so the
 * folder must be the user's and writable by no one else; otherwise, or when anything fails, the CLI
 * runs without a cache, never with an error.
 */
export function requireWithCodeCache(file: string, options: { writeCache: boolean }): unknown {
  const source = readFileSync(file, 'utf8');
  const cacheFile = codeCacheFile(file);
  const cachedData = cacheFile ? readIfPresent(cacheFile) : undefined;
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  // The bundle has no import(): functions read from the cache would lose the callback it needs (scripts/bundle.mjs).
  const script = new Script(wrapper, { filename: file, cachedData });
  if (cacheFile && options.writeCache && (!cachedData || script.cachedDataRejected)) {
    // At exit: the data then holds every function this run compiled, not only the top level.
    process.once('exit', () => writeCodeCache(cacheFile, script));
  }
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** The cache file for this bundle and this Node, or undefined when the cache folder is not safely the user's. */
function codeCacheFile(bundle: string): string | undefined {
  try {
    const folder = join(cacheDir(), 'code-cache');
    if (!isPrivateFolder(folder)) return undefined;
    const { size, mtimeMs } = statSync(bundle);
    return join(folder, `${cacheKeyOf(bundle)}-${size}-${Math.round(mtimeMs)}-node${process.versions.node}-${process.arch}.bin`);
  } catch {
    return undefined;
  }
}

/** The bundle's path as the start of a file name (no `-` in it): checkouts side by side keep their own caches. */
function cacheKeyOf(bundle: string): string {
  return bundle.replace(/[^A-Za-z0-9.]/g, '_').slice(-150);
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically (concurrent runs never read half of one) and removes this bundle's older ones. */
function writeCodeCache(file: string, script: Script): void {
  const temporary = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
    renameSync(temporary, file);
    const prefix = basename(file).slice(0, basename(file).indexOf('-') + 1);
    for (const name of readdirSync(dirname(file))) {
      if (name.startsWith(prefix) && name !== basename(file) && !name.endsWith('.partial')) rmSync(join(dirname(file), name), { force: true });
    }
  } catch {
    rmSync(temporary, { force: true });
  }
}
