// `npm run bench`: runs every bench/*.bench.mjs in its own Node process (so one's heap does not
// colour another's numbers) and prints their lines. Each bench measures its own floor in the same run
// and prints ratios against it: absolute times vary by machine, ratios much less.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((name) => name.endsWith('.bench.mjs'))
  .filter((name) => only.length === 0 || only.some((filter) => name.includes(filter)))
  .sort();
let failed = false;
for (const name of benches) {
  console.log(`\n== ${name.replace('.bench.mjs', '')}`);
  const run = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', here + name], { stdio: 'inherit' });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
