// Preloaded (`node --import`) by lazy-loading.test.ts: writes every module the process loads on
// stderr, one `kubeward-loaded URL` line each (ES modules from a load hook, CommonJS ones from
// require's cache on exit).
import { createRequire, register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
    export async function load(url, context, next) {
      process.stderr.write('kubeward-loaded ' + url + '\\n');
      return next(url, context);
    }
  `)}`,
);
process.on('exit', () => {
  for (const path of Object.keys(createRequire(import.meta.url).cache)) process.stderr.write(`kubeward-loaded file://${path}\n`);
});
