import { createRequire } from 'node:module';

/** kubeward's version, from package.json, so every report says which build made it. */
export const VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
