// The CLI from dist/cli, unbundled (bin/kubeward.js runs the same code bundled into one file): each
// ES module it loads is one the loader hook of loaded-modules.mjs sees, so lazy-loading.test.ts can
// tell which of kubeward's modules a command loads.
import { main } from '../../dist/cli/main.js';

await main(process.argv);
