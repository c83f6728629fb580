import { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { DEFAULT_KUBE_VERSION } from '../policy/cel/versions.js';
import { collect, positiveNumber } from './options.js';
import { serveUntilStopped, warn } from './output.js';
import { addPolicySetOptions } from './policy.js';

interface ServeFlags {
  policies?: string[];
  params?: string[];
  namespaces?: string[];
  rbac?: string[];
  rules?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  listen: string;
  maxBodyBytes: number;
  kubeVersion?: string;
  quiet?: boolean;
}

/** The largest AdmissionReview: an object and its old version, each up to the API server's 3 MiB, plus the envelope. */
export const DEFAULT_ADMISSION_BODY_BYTES = 7 * 1024 * 1024;

async function runServe(flags: ServeFlags): Promise<void> {
  if (!flags.tlsCert || !flags.tlsKey) throw new InputError('--tls-cert and --tls-key are required (the API server calls webhooks over HTTPS only)');
  const match = /^(.*):(\d+)$/.exec(flags.listen);
  if (!match) throw new InputError(`--listen must be host:port or :port (got ${flags.listen})`);
  const [{ Inventory }, { namespacesFrom, policySetFromFlags }, { loadSources }, { offlineContext }, { startAdmissionWebhook }] = await Promise.all([
    import('../core/inventory.js'),
    import('./policy-run.js'),
    import('../load/sources.js'),
    import('../policy/run.js'),
    import('../serve/admission-webhook.js'),
  ]);
  const set = await policySetFromFlags(flags);
  const rbac = flags.rbac?.length ? (await loadSources(flags.rbac)).inventory : Inventory.of([]);
  const context = offlineContext(set, rbac, await namespacesFrom(flags.namespaces));
  const log = (message: string) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg: message })}\n`);
  let server;
  try {
    server = await startAdmissionWebhook({
      host: match[1] || '0.0.0.0',
      port: Number(match[2]),
      tlsCert: flags.tlsCert,
      tlsKey: flags.tlsKey,
      set,
      context,
      rules: flags.rules,
      maxBodyBytes: flags.maxBodyBytes,
      log,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === 'EADDRINUSE' || code === 'EACCES' ? `cannot listen on ${flags.listen} (${code})` : `cannot start the webhook: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!flags.quiet) warn(`admission webhook listening on ${server.url}/validate with ${set.policies.length} policies and ${set.bindings.length} bindings`);
  await serveUntilStopped(server);
}

/** `kubeward webhook serve` (issue 11). */
export function registerWebhook(program: Command): void {
  const webhook = program.command('webhook').description('the validating admission webhook: ValidatingAdmissionPolicies (and kubeward rules) at admission');
  const serve = webhook.command('serve').description('serve AdmissionReview v1 at POST /validate over HTTPS, with /healthz, /readyz and /metrics');
  addPolicySetOptions(serve)
    .option('--namespaces <path>', 'Namespace objects for namespaceSelector labels and namespaceObject (repeatable)', collect)
    .option('--rbac <path>', 'roles and bindings the CEL authorizer answers from (repeatable)', collect)
    .option('--rules', "also apply kubeward's rule pack: findings at high or above deny, low and medium ones warn")
    .option('--tls-cert <file>', 'serving certificate (PEM), re-read when the file changes')
    .option('--tls-key <file>', 'serving key (PEM), re-read when the file changes')
    .option('--listen <host:port>', 'address to listen on', ':8443')
    .option('--max-body-bytes <bytes>', `largest AdmissionReview accepted (413 above; default ${DEFAULT_ADMISSION_BODY_BYTES})`, positiveNumber('--max-body-bytes'), DEFAULT_ADMISSION_BODY_BYTES)
    .option('--kube-version <version>', `Kubernetes version policies compile for (default ${DEFAULT_KUBE_VERSION})`)
    .option('-q, --quiet', 'do not print warnings')
    .addHelpText(
      'after',
      `
Configure the ValidatingWebhookConfiguration with failurePolicy: Fail, timeoutSeconds: 3, sideEffects: None,
and a namespaceSelector leaving out kube-system and kubeward's own namespace (the chart in deploy/chart/kubeward
does this). See docs/policy.md.`,
    )
    .action(async (flags: ServeFlags) => runServe(flags));
}
