// Part of npm's `prepare` (`node scripts/already-built.mjs || npm run build`): exits 0, and so skips the
// build, only when npm runs `prepare` for `npx kubeward` and the build is there.
//
// `npx kubeward` in a checkout installs this very package into npx's cache on its first run there, and
// npm runs `prepare` for that install too (npm_command=exec): a second full build (tsc, then the
// bundle: 8–16 s on a 2-core machine) before the first verdict, right after the one `npm ci` made, and
// one that deletes dist/bundle while other runs may be reading it. `npm ci`, `npm install` and
// `npm run build` always build.
import { existsSync } from 'node:fs';

const BUILT = new URL('../dist/bundle/kubeward.cjs', import.meta.url);

process.exit(process.env.npm_command === 'exec' && existsSync(BUILT) ? 0 : 1);
