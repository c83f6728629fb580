import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A package that only some inputs need, loaded (synchronously, as `require` does) the first time it
 * is used rather than when kubeward starts: `yaml` is needed only by documents with anchors and by
 * the fallback locator, tldts only when a host name is judged. Loading such a package costs tens of
 * milliseconds, most of a short run (issue 9). Import its types with `import type`.
 */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(specifier) as T);
}
