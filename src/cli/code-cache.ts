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

/** How many bundles' caches the folder keeps: each checkout or install of kubeward has its own (≈ 1.5 MB). */
const KEPT_CACHES = 8;
/** A `.partial` file older than this was left by a run that died while writing it. */
const ABANDONED_MS = 10 * 60 * 1000;

/**
 * Writes the cache atomically (concurrent runs never read half of one), removes this bundle's older
 * ones, and keeps the folder from filling up with the caches of checkouts and installs long gone:
 * only the KEPT_CACHES most recently written stay (a bundle whose cache went writes it again on its
 * next run).
 */
function writeCodeCache(file: string, script: Script): void {
  const temporary = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
    renameSync(temporary, file);
    pruneCaches(dirname(file), basename(file));
  } catch {
    rmSync(temporary, { force: true });
  }
}

function pruneCaches(folder: string, kept: string): void {
  const prefix = kept.slice(0, kept.indexOf('-') + 1);
  const others: { name: string; written: number }[] = [];
  for (const name of readdirSync(folder)) {
    if (name === kept) continue;
    const path = join(folder, name);
    let written: number;
    try {
      written = statSync(path).mtimeMs;
    } catch {
      continue; // removed by a run pruning at the same time
    }
    if (name.endsWith('.partial')) {
      if (Date.now() - written > ABANDONED_MS) rmSync(path, { force: true });
    } else if (name.startsWith(prefix)) rmSync(path, { force: true });
    else if (name.endsWith('.bin')) others.push({ name, written });
  }
  others.sort((a, b) => b.written - a.written);
  for (const { name } of others.slice(KEPT_CACHES - 1)) rmSync(join(folder, name), { force: true });
}
