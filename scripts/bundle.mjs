// `npm run build` (after tsc): bundles the CLI (dist/cli/main.js and everything it imports) into
// dist/bundle/, which bin/kubeward.js runs. Node 20 spends most of a short run finding, reading and
// linking ES modules, one file at a time: kubeward's own ~300 modules, commander and js-yaml become a
// few files here (issue 9; `npm run bench process` measures it). What a command imports when it runs
// (`await import`) stays a separate chunk, loaded only then. The other packages stay in node_modules:
// most load only for some inputs (core/lazy-require.ts), and the Kubernetes client only for a live cluster.
// dist/bundle sits two levels under the package, like dist/cli, so paths from import.meta.url
// (package.json, rules/, policies/) resolve the same. The library (dist/**) is unchanged.
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const BUNDLED_PACKAGES = ['commander', 'js-yaml'];

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(manifest.dependencies).filter((name) => !BUNDLED_PACKAGES.includes(name));

const { metafile } = await build({
  entryPoints: { main: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  metafile: true,
  logLevel: 'warning',
  // commander is CommonJS: its require() calls of node's modules need a require in an ES module.
  banner: { js: "import { createRequire as kubewardCreateRequire } from 'node:module';\nconst require = kubewardCreateRequire(import.meta.url);" },
});
// Which modules each chunk holds: test/speed maps the chunks a run loads back to modules.
const chunks = Object.fromEntries(Object.entries(metafile.outputs).map(([file, output]) => [file, Object.keys(output.inputs)]));
writeFileSync('dist/bundle/chunks.json', JSON.stringify(chunks, null, 1) + '\n');
