import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { serveOptionsFromFlags } from '../../src/cli/detect-run.js';
import { isInputError } from '../../src/core/errors.js';
import { startAuditWebhook } from '../../src/serve/audit-webhook.js';
import { buildProgram } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';
import { batch, item, loadItem, makePki, post, spawnServe, tempDir, until, wholeJsonLines, writePki, type Pki } from './helpers.js';

/**
 * `kubeward detect serve`'s flags: every one `--help` shows reaches the code that uses it (the parent
 * `detect` has flags of the same names and must not take them), and a start that cannot succeed is
 * one line and exit 2, leaving no file behind.
 */
let pki: Pki;
let dir: string;
let files: { cert: string; key: string; ca: string };
const KUBEWARD_RULE = '- rule: custom-rule\n  desc: x\n  priority: medium\n  condition: ka.verb = list\n  summary: "custom %ka.auditid"\n';
const FALCO_RULES = `- rule: Falco One\n  desc: x\n  condition: ka.verb = list\n  output: "one %ka.auditid"\n  priority: WARNING\n  source: k8s_audit\n- rule: Falco Two\n  desc: x\n  condition: ka.verb = list\n  output: "two %ka.auditid"\n  priority: NOTICE\n  source: k8s_audit\n`;
const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop' }, spec: { containers: [{ name: 'web', image: 'nginx' }] }, status: { phase: 'Running', podIP: '10.1.2.3' } };

beforeAll(async () => {
  pki = await makePki();
  dir = tempDir();
  files = writePki(pki, dir);
  writeFileSync(join(dir, 'token'), 'serve-token\n');
  writeFileSync(join(dir, 'sink-token'), 'sink-secret\n');
  writeFileSync(join(dir, 'custom.yaml'), KUBEWARD_RULE);
  writeFileSync(join(dir, 'falco.yaml'), FALCO_RULES);
  writeFileSync(join(dir, 'pods.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [POD] }));
}, 60_000);

/** The flags commander hands to `detect serve`'s action (and what `detect` kept) for an argv. */
async function parsed(args: string[]): Promise<{ serve: Record<string, unknown>; detect: Record<string, unknown> }> {
  const program = buildProgram();
  const detect = program.commands.find((command) => command.name() === 'detect')!;
  const serve = detect.commands.find((command) => command.name() === 'serve')!;
  let flags: Record<string, unknown> = {};
  serve.action((options: Record<string, unknown>) => void (flags = options));
  await program.parseAsync(['node', 'kubeward', 'detect', 'serve', ...args]);
  return { serve: flags, detect: detect.opts() };
}

function serveCommand(): Command {
  return buildProgram()
    .commands.find((command) => command.name() === 'detect')!
    .commands.find((command) => command.name() === 'serve')!;
}

/** A value each flag accepts. */
function sampleArgs(option: Option): string[] {
  const flag = option.long ?? option.short!;
  if (option.negate || !(option.required || option.optional)) return [flag];
  if (option.argChoices) return [flag, option.argChoices[option.argChoices.length - 1]];
  return [flag, option.parseArg ? '7' : 'sample-value'];
}

const options = (args: string[]) => parsed(args).then(({ serve }) => serveOptionsFromFlags(serve as never, () => undefined));

describe('detect serve flags', () => {
  it('hands every flag --help shows to detect serve, none to detect', async () => {
    const flags = serveCommand().options.filter((option) => option.long !== '--help');
    expect(flags.length).toBeGreaterThan(20);
    const baseline = await parsed([]);
    for (const option of flags) {
      const { serve, detect } = await parsed(sampleArgs(option));
      const name = option.attributeName();
      expect({ flag: option.flags, value: serve[name] }).not.toEqual({ flag: option.flags, value: baseline.serve[name] });
      expect({ flag: option.flags, value: detect[name] }).toEqual({ flag: option.flags, value: baseline.detect[name] });
    }
  });

  const tls = () => ['--tls-cert', files.cert, '--tls-key', files.key];
  it.each<[string, () => string[], (o: Awaited<ReturnType<typeof options>>) => unknown, unknown]>([
    ['--listen host:port', () => ['--insecure-http', '--listen', '127.0.0.2:9443'], (o) => [o.host, o.port], ['127.0.0.2', 9443]],
    ['--listen [v6]:port', () => ['--insecure-http', '--listen', '[::1]:9443'], (o) => [o.host, o.port], ['::1', 9443]],
    ['--listen :port', () => ['--insecure-http', '--listen', ':9443'], (o) => [o.host, o.port], ['0.0.0.0', 9443]],
    ['--tls-cert, --tls-key', () => tls(), (o) => [String(o.tls?.cert), String(o.tls?.key)], () => [readFileSync(files.cert, 'utf8'), readFileSync(files.key, 'utf8')]],
    ['--client-ca', () => [...tls(), '--client-ca', files.ca], (o) => String(o.tls?.clientCa), () => readFileSync(files.ca, 'utf8')],
    ['--token-file', () => [...tls(), '--token-file', join(dir, 'token')], (o) => o.token, 'serve-token'],
    ['--insecure-http', () => ['--insecure-http'], (o) => o.tls, undefined],
    ['--max-body-bytes', () => ['--insecure-http', '--max-body-bytes', '4096'], (o) => o.maxBodyBytes, 4096],
    ['--max-backlog-bytes', () => ['--insecure-http', '--max-backlog-bytes', '8192'], (o) => o.maxBacklogBytes, 8192],
    ['--journal', () => ['--insecure-http', '--journal', '/var/x.jsonl'], (o) => o.journal, '/var/x.jsonl'],
    ['--journal-max-bytes', () => ['--insecure-http', '--journal-max-bytes', '1000'], (o) => o.journalMaxBytes, 1000],
    ['--sink (all kinds)', () => ['--insecure-http', '--sink', 'stdout', '--sink', 'file:/tmp/a', '--sink', 'webhook:https://siem.example/h'], (o) => o.sinks.map((s) => s.kind), ['stdout', 'file', 'webhook']],
    ['--sink-header, --sink-token-file, --sink-ca', () => ['--insecure-http', '--sink', 'webhook:https://siem.example/h', '--sink-header', 'X-Team: sec', '--sink-token-file', join(dir, 'sink-token'), '--sink-ca', files.ca], (o) => { const s = o.sinks[0] as { headers: Record<string, string>; ca: Buffer }; return [s.headers, String(s.ca)]; }, () => [{ 'x-team': 'sec', authorization: 'Bearer sink-secret' }, readFileSync(files.ca, 'utf8')]],
    ['--sink-spool-max-bytes', () => ['--insecure-http', '--sink-spool-max-bytes', '5000'], (o) => o.sinkSpoolMaxBytes, 5000],
    ['--max-connections, --max-connections-per-client, --idle-timeout', () => ['--insecure-http', '--max-connections', '10', '--max-connections-per-client', '3', '--idle-timeout', '2.5'], (o) => o.connections, { maxConnections: 10, maxConnectionsPerClient: 3, idleTimeoutMs: 2500 }],
    ['--shutdown-timeout', () => ['--insecure-http', '--shutdown-timeout', '4'], (o) => o.shutdownTimeoutMs, 4000],
    ['--rules', () => ['--insecure-http', '--rules', join(dir, 'custom.yaml')], (o) => o.pipeline.rules!.rules.some((r) => r.id === 'custom-rule') && o.pipeline.rules!.rules.some((r) => r.id === 'anonymous-request-allowed'), true],
    ['--no-builtin-rules', () => ['--insecure-http', '--no-builtin-rules', '--rules', join(dir, 'custom.yaml')], (o) => o.pipeline.rules!.rules.map((r) => r.id), ['custom-rule']],
    ['--falco-rules', () => ['--insecure-http', '--falco-rules', join(dir, 'falco.yaml')], (o) => o.pipeline.falco!.rules.map((r) => r.name), ['Falco One', 'Falco Two']],
    ['--falco-rule-matching', () => ['--insecure-http', '--falco-rules', join(dir, 'falco.yaml'), '--falco-rule-matching', 'all'], (o) => o.pipeline.falco!.matching, 'all'],
    ['--pods', () => ['--insecure-http', '--pods', join(dir, 'pods.json')], (o) => o.pipeline.pods!.get('10.1.2.3')?.name, 'web-1'],
  ])('%s reaches the receiver', async (_name, args, read, expected) => {
    expect(read(await options(args()))).toEqual(typeof expected === 'function' ? expected() : expected);
  });
});

describe('detect serve: starts that cannot succeed', () => {
  /** Parses the flags and starts the receiver as `detect serve` does, in this process. */
  async function startWith(args: string[]): Promise<unknown> {
    try {
      const server = await startAuditWebhook(await options(args));
      await server.close();
      return undefined;
    } catch (error) {
      return error;
    }
  }
  const common = (cwd: string) => ['--journal', join(cwd, 'journal.jsonl'), '--sink', `file:${join(cwd, 'alerts.jsonl')}`];
  it.each<[string, (cwd: string) => string[], RegExp]>([
    ['a missing --rules file', () => ['--insecure-http', '--listen', '127.0.0.1:0', '--rules', '/no/such/rules.yaml'], /^\/no\/such\/rules\.yaml: cannot read rules file: no such file or directory \(ENOENT\)$/],
    ['a missing --falco-rules file', () => ['--insecure-http', '--listen', '127.0.0.1:0', '--falco-rules', '/no/such/falco.yaml'], /cannot read rules file: no such file or directory \(ENOENT\)$/],
    ['a missing --pods file', () => ['--insecure-http', '--listen', '127.0.0.1:0', '--pods', '/no/such/pods.json'], /pods\.json/],
    ['a certificate that is not PEM', (cwd) => { writeFileSync(join(cwd, 'bad.crt'), 'not a certificate'); return ['--listen', '127.0.0.1:0', '--tls-cert', join(cwd, 'bad.crt'), '--tls-key', files.key]; }, /^--tls-cert: not a PEM certificate/],
    ['a key that is not the certificate\'s', (cwd) => { writeFileSync(join(cwd, 'other.key'), pki.clientKey); return ['--listen', '127.0.0.1:0', '--tls-cert', files.cert, '--tls-key', join(cwd, 'other.key')]; }, /^--tls-key is not the key of the certificate in --tls-cert$/],
    ['a key that is not PEM', (cwd) => { writeFileSync(join(cwd, 'junk.key'), 'junk'); return ['--listen', '127.0.0.1:0', '--tls-cert', files.cert, '--tls-key', join(cwd, 'junk.key')]; }, /^--tls-key: not a PEM private key/],
    ['a client CA that is not PEM', (cwd) => { writeFileSync(join(cwd, 'ca.crt'), 'junk'); return ['--listen', '127.0.0.1:0', '--tls-cert', files.cert, '--tls-key', files.key, '--client-ca', join(cwd, 'ca.crt')]; }, /^--client-ca: no PEM certificate in the file$/],
    ['a port out of range', () => ['--insecure-http', '--listen', '127.0.0.1:99999'], /^--listen: 99999 is not a TCP port \(0-65535\)$/],
    ['a --listen without a port', () => ['--insecure-http', '--listen', 'localhost'], /^--listen must be host:port/],
    ['an unknown host', () => ['--insecure-http', '--listen', 'no-such-host.invalid:0'], /^cannot listen on no-such-host\.invalid:0: unknown host \(ENOTFOUND\)$/],
    ['an address not on this host', () => ['--insecure-http', '--listen', '192.0.2.1:0'], /^cannot listen on 192\.0\.2\.1:0: no such address on this host \(EADDRNOTAVAIL\)$/],
    ['a sink file in a missing directory', () => ['--insecure-http', '--listen', '127.0.0.1:0', '--sink', 'file:/no/such/dir/alerts.jsonl'], /^cannot open sink file \/no\/such\/dir\/alerts\.jsonl: no such file or directory \(ENOENT\)$/],
    ['a journal that is a directory', (cwd) => ['--insecure-http', '--listen', '127.0.0.1:0', '--journal', cwd], /must be a regular file/],
    ['an idle timeout past what a timer holds', () => ['--insecure-http', '--listen', '127.0.0.1:0', '--idle-timeout', '3000000'], /^--idle-timeout must be at most 86400 seconds$/],
  ])('%s: one clear input error, no file left', async (_name, args, message) => {
    const cwd = tempDir();
    const error = await startWith([...common(cwd), ...args(cwd)]);
    expect(isInputError(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(readdirSync(cwd).filter((name) => /journal|alerts/.test(name))).toEqual([]);
  });

  it('a port in use, a missing --rules file: one line on stderr, exit 2, no file left (the command as users run it)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      const cases: [string[], RegExp][] = [
        [['--insecure-http', '--listen', `127.0.0.1:${port}`], /^kubeward: cannot listen on 127\.0\.0\.1:\d+: the address is in use \(EADDRINUSE\)\n$/],
        [['--insecure-http', '--listen', '127.0.0.1:0', '--rules', '/no/such/rules.yaml'], /^kubeward: \/no\/such\/rules\.yaml: cannot read rules file: no such file or directory \(ENOENT\)\n$/],
      ];
      await Promise.all(
        cases.map(async ([args, message]) => {
          const cwd = tempDir();
          const result = await runCli(['detect', 'serve', ...common(cwd), ...args], { cwd, timeoutMs: 30_000 });
          expect(result.code).toBe(2);
          expect(result.stderr).toMatch(message);
          expect(readdirSync(cwd)).toEqual([]);
        }),
      );
    } finally {
      taken.close();
    }
  });
});

describe('detect serve: a run with the rule flags', () => {
  it('uses --rules, --falco-rules, --falco-rule-matching, --no-builtin-rules and --token-file; warns without credentials unless -q', async () => {
    const cwd = tempDir();
    const alerts = join(cwd, 'alerts.jsonl');
    const serve = await spawnServe(['--listen', '127.0.0.1:0', ...['--tls-cert', files.cert, '--tls-key', files.key], '--token-file', join(dir, 'token'), '--journal', join(cwd, 'j.jsonl'), '--sink', `file:${alerts}`,
      '--no-builtin-rules', '--rules', join(dir, 'custom.yaml'), '--falco-rules', join(dir, 'falco.yaml'), '--falco-rule-matching', 'all']);
    try {
      expect((await post(serve.url, batch(loadItem('listed'), item('anonymous-get')), pki)).status).toBe(401);
      expect((await post(serve.url, batch(loadItem('listed'), item('anonymous-get')), pki, { token: 'serve-token' })).status).toBe(200);
      await until(() => wholeJsonLines(alerts).length >= 3, 30_000, 'alerts');
      const rules = wholeJsonLines<{ rule: string }>(alerts).map((alert) => alert.rule).sort();
      // the custom rule and both Falco rules (all, not first); no built-in rule for the anonymous read
      expect(rules).toEqual(['Falco One', 'Falco Two', 'custom-rule']);
      expect(serve.stderr()).not.toContain('anyone who can reach');
    } finally {
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
    }
    const open = await spawnServe(['--insecure-http', '--listen', '127.0.0.1:0', '--journal', join(cwd, 'k.jsonl'), '--sink', `file:${alerts}`]);
    open.child.kill('SIGTERM');
    await open.exited;
    expect(open.stderr()).toContain('kubeward: warning: no --token-file and no --client-ca: anyone who can reach http://127.0.0.1:');
    const quiet = await spawnServe(['-q', '--insecure-http', '--listen', '127.0.0.1:0', '--journal', join(cwd, 'q.jsonl'), '--sink', `file:${alerts}`]);
    quiet.child.kill('SIGTERM');
    await quiet.exited;
    expect(quiet.stderr()).not.toContain('warning');
  }, 60_000);
});
