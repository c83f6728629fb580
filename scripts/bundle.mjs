// `npm run build` (after tsc): bundles the CLI (dist/cli/main.js and everything it imports) into one
// CommonJS file, dist/bundle/kubeward.cjs, and the loader that compiles it with V8's code cache
// (src/cli/code-cache.ts) into dist/bundle/code-cache.cjs; bin/kubeward.js runs them (issue 9;
// `npm run bench process` measures it). Node 20 spends most of a short run finding, reading, compiling
// and linking ES modules, one file at a time; one file costs one read, and as CommonJS it can be
// compiled with V8's code cache (Node 20 has none for ES modules).
// What a command imports when it runs (`await import`) stays unevaluated until then: esbuild wraps such
// modules in a function called on first import. Commander and js-yaml are bundled; the other packages
// stay in node_modules and are required where they are used: most load only for some inputs
// (core/lazy-require.ts), the Kubernetes client only for a live cluster.
// dist/bundle sits two levels under the package, like dist/cli, so paths from import.meta.url
// (package.json, rules/, policies/) resolve the same. The library (dist/**) is unchanged.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const BUNDLED_PACKAGES = ['commander', 'js-yaml'];

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(manifest.dependencies).filter((name) => !BUNDLED_PACKAGES.includes(name));

rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: { kubeward: 'dist/cli/main.js', 'code-cache': 'dist/cli/code-cache.js' },
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external,
  logLevel: 'warning',
  // Whitespace and syntax only: names stay, so a stack trace (KUBEWARD_DEBUG=1) still reads; 9 % less CPU per run than unminified.
  minifyWhitespace: true,
  minifySyntax: true,
  // `import('tar')` becomes a require: V8 loses the dynamic-import callback of functions it reads from
  // the code cache (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), and every package kubeward uses can be required.
  supported: { 'dynamic-import': false },
  // import.meta does not exist in CommonJS: the modules' import.meta.url becomes the bundle's own URL.
  define: { 'import.meta.url': 'kubewardBundleUrl' },
  banner: { js: "const kubewardBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
