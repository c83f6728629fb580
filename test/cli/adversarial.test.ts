import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { chartYaml, writeTree } from '../helpers/chart.js';
import { REPO, runCli } from '../helpers/cli.js';

/**
 * What a hostile new user tries first, through every command that reads the input: each case is
 * bad input, so the answer is exit code 2 and one line on stderr (`kubeward: …`), never an internal
 * error; or input kubeward reads with a warning, never a crash. Found by an adversarial sweep of
 * every command × hostile inputs.
 */

const WRONG_TYPES = {
  'name-number.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: 123, namespace: a}\nspec: {containers: [{name: c, image: i}]}\n',
  'namespace-nan.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: .nan}\nspec: {containers: [{name: c, image: i}]}\n',
  'name-mapping.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: {a: 1}, namespace: a}\n',
};

const tree = writeTree({
  ...WRONG_TYPES,
  'chart/Chart.yaml': chartYaml('plain'),
  'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n',
  'list-values.yaml': '- a\n- b\n',
  // a credential plugin that fails and prints nothing
  kubeconfig: 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/false}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  'audit.log': '',
  'config.yaml': 'failOn: critical\n',
  'empty.yaml': '# only a comment\n---\n',
  'coredns.log': '[INFO] plugin/reload: Running configuration SHA512 = 1234\n',
  'templates-only/deployment.yml.j2': 'apiVersion: apps/v1\nkind: Deployment\n',
  'off/Chart.yaml': chartYaml('off'),
  'off/templates/cm.yaml': '{{ if .Values.enabled }}apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n{{ end }}\n',
});

// Each case is a separate process: run them side by side.
describe.concurrent('objects with a metadata field of the wrong type are skipped with a warning, never an internal error', () => {
  it.for([
    ['scan', ['scan', 'name-number.yaml', 'namespace-nan.yaml', 'name-mapping.yaml']],
    ['audit', ['audit', 'name-number.yaml', 'namespace-nan.yaml', 'name-mapping.yaml']],
    ['report', ['report', 'name-number.yaml', 'namespace-nan.yaml', 'name-mapping.yaml', '-o', '-', '--format', 'json']],
    ['drill run --cluster', ['drill', 'run', 'trojan-chart', '--cluster', 'name-number.yaml', 'namespace-nan.yaml', 'name-mapping.yaml']],
  ] as [string, string[]][])('%s', async ([, args], { expect }) => {
    const result = await runCli(args, { cwd: tree });
    expect(result.stderr).not.toMatch(/internal error/);
    expect([0, 1]).toContain(result.code);
    for (const [file, field] of [['name-number.yaml', 'name is a number'], ['namespace-nan.yaml', 'namespace is a number'], ['name-mapping.yaml', 'name is a mapping']]) {
      expect(result.stderr).toContain(`kubeward: warning: ${file}:1: skipped a document that is not a Kubernetes object (metadata.${field}, not a string: the API server refuses it)`);
    }
  });

  it.for([['scan'], ['audit']])('%s: a pod spec whose serviceAccountName is not a string is read as unset', async ([command], { expect }) => {
    const input = 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: a}\nspec: {jobTemplate: {spec: {template: {spec: {serviceAccountName: 7, serviceAccount: [x], containers: [{name: c, image: i}]}}}}}\n';
    const result = await runCli([command, '-'], { cwd: tree, input });
    // and named in a warning: the API server refuses it
    expect(result.stderr).toBe('kubeward: warning: stdin:1: CronJob a/c: spec.jobTemplate.spec.template.spec.serviceAccountName is a number, not a string; spec.jobTemplate.spec.template.spec.serviceAccount is a list, not a string: the API server refuses this object (checked without those fields)\n');
    expect(result.code).toBe(0);
  });

  it('gate', async ({ expect }) => {
    const result = await runCli(['gate'], { cwd: tree, input: Object.values(WRONG_TYPES).join('---\n') });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: helm: unknown:1: skipped a document that is not a Kubernetes object \(metadata\.name is a number/);
  });
});

describe.concurrent('bad input is one line on stderr and exit code 2', () => {
  it.for([
    ['a manifest path that does not exist (not a chart of the repository "manifests")', ['scan', 'manifests/missing.yaml'], /^kubeward: manifests\/missing\.yaml: no such file or directory\n$/],
    ['a missing --params file', ['policy', 'test', '--resources', 'name-mapping.yaml', '--params', 'params/missing.yaml'], /^kubeward: params\/missing\.yaml: no such file or directory\n$/],
    ['a missing --cluster dump', ['drill', 'run', 'trojan-chart', '--cluster', 'dumps/cluster.json'], /^kubeward: dumps\/cluster\.json: no such file or directory\n$/],
    ['a values file that is a list (helm: cannot unmarshal array into Go value)', ['scan', 'chart', '-f', 'list-values.yaml'], /^kubeward: helm could not render chart: list-values\.yaml: values must be a mapping of keys \(it holds a list\)\n$/],
    ['a kubeconfig whose credential plugin fails silently', ['rbac', 'risks', '--kubeconfig', 'kubeconfig'], /^kubeward: cannot authenticate to context "x": the credential plugin failed without a message\n$/],
    ['netpol generate --pods without observed traffic to name (it was ignored in silence)', ['netpol', 'generate', 'chart', '--pods', 'name-mapping.yaml'], /^kubeward: --pods names the pods of observed traffic: give --from-dns-log or --from-flows too\n$/],
    ['detect serve: a --sink-header without a name is refused without quoting it (a header holds a credential)', ['detect', 'serve', '--insecure-http', '--listen', '127.0.0.1:0', '--journal', 'journal', '--sink', 'webhook:https://alerts.example/in', '--sink-header', 'Bearer Qz7xW4kP9mV2sR8tLc'], /^kubeward: --sink-header must be "Name: value" \(one has no name before a colon; its text is not printed, a header may hold a credential\)\n$/],
    ['detect serve: a webhook sink that is not http(s) is named without its user, password or query', ['detect', 'serve', '--insecure-http', '--listen', '127.0.0.1:0', '--journal', 'journal', '--sink', 'webhook:ftp://bot:Qz7xW4kP9mV2sR8tLc@alerts.example/in?token=Qz7xW4kP9mV2sR8tLc'], /^kubeward: --sink webhook:URL needs an http\(s\) URL, got ftp:\/\/alerts\.example\/in\n$/],
  ] as [string, string[], RegExp][])('%s', async ([, args, stderr], { expect }) => {
    const result = await runCli(args, { cwd: tree });
    expect(result.stderr).toMatch(stderr);
    expect(result.code).toBe(2);
  });
});

describe('a trojan chart that suppresses its own findings', () => {
  it('is still blocked: the annotation of its author never suppresses a critical finding (the attack pattern)', async ({ expect }) => {
    // the battlecard's chart, its author annotating the sidecar's Deployment and the binding with kubeward.io/ignore
    const trojan = join(writeTree({}), 'trojan');
    cpSync(join(REPO, 'test/fixtures/charts/recon/trojan'), trojan, { recursive: true });
    const annotation = '  annotations:\n    kubeward.io/ignore: "container-holds-powerful-token,rbac-read-secrets; vetted by the platform team"\n';
    for (const [file, name] of [['templates/deployment.yaml', '  name: {{ .Release.Name }}-agent\n'], ['templates/rbac.yaml', '  name: {{ .Release.Name }}-tracing\nroleRef']]) {
      const text = readFileSync(join(trojan, file), 'utf8');
      expect(text).toContain(name);
      writeFileSync(join(trojan, file), text.replace(name, name.replace('\n', `\n${annotation}`)));
    }
    const result = await runCli(['scan', trojan, '-n', 'checkout', '--release', 'fta', '--format', 'json']);
    expect(result.code).toBe(1);
    const { findings } = JSON.parse(result.stdout) as { findings: { ruleId: string; severity: string; suppressed: boolean; suppression?: { source: string } }[] };
    expect(findings.filter((finding) => finding.severity === 'critical').map((finding) => [finding.ruleId, finding.suppressed])).toEqual([['container-holds-powerful-token', false]]);
    // what is not the attack pattern the annotation still suppresses
    expect(findings.find((finding) => finding.ruleId === 'rbac-read-secrets')).toMatchObject({ severity: 'high', suppressed: true, suppression: { source: 'annotation' } });
  });
});

describe.concurrent('a missing or unknown command is one line, never the whole help on stderr', () => {
  it.for([
    [[], /^kubeward: a command is needed \(scan, gate, diff, rbac, audit, netpol, pss, detect, policy, report, webhook, drill\); run kubeward --help for usage\n$/],
    [['rbac'], /^kubeward: rbac needs a command \(can, who-can, risks, generate, diff\); run kubeward rbac --help for usage\n$/],
    [['drill'], /^kubeward: drill needs a command \(list, run, tabletop, kit, score\); run kubeward drill --help for usage\n$/],
    [['help', 'bogus'], /^kubeward: unknown command 'bogus'; run with --help for usage\n$/],
    [['scan', '--format', 'xml'], /^kubeward: option '--format <format>' argument 'xml' is invalid\. Allowed choices are table, json, sarif, junit, markdown; run with --help for usage\n$/],
  ] as [string[], RegExp][])('kubeward %s', async ([args, stderr], { expect }) => {
    const result = await runCli(args);
    expect(result.stderr).toMatch(stderr);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
  });
});

describe('detect --follow', () => {
  it('says so when a log it follows does not exist yet, instead of waiting in silence', async ({ expect }) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/kubeward.js'), 'detect', '--audit-log', 'audit.log', '--dns-log', 'coredns-typo.log', '--follow'], { cwd: tree, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        if (stderr.includes('interrupt to stop')) resolve();
      });
      child.on('close', () => resolve());
    });
    child.kill('SIGTERM');
    expect(stderr).toContain('kubeward: warning: coredns-typo.log does not exist (yet): waiting for it to appear\n');
    expect(stderr).not.toContain('audit.log does not exist');
  });
});

describe.concurrent('a source that holds no Kubernetes object is a warning, never a silent clean result', () => {
  it.for([
    ['an empty file', ['scan', 'empty.yaml'], 'empty.yaml: no Kubernetes objects in it'],
    ['a folder of files kubeward does not read', ['audit', 'templates-only'], 'templates-only: no Kubernetes objects in it (files read: .yaml, .yml, .json)'],
    ['a chart whose every template is switched off', ['pss', 'off', '--level', 'restricted'], 'off: no Kubernetes objects in it'],
    ['empty stdin', ['scan', '-', '--format', 'json'], 'stdin: no Kubernetes objects in it'],
  ] as [string, string[], string][])('%s', async ([, args, warning], { expect }) => {
    const result = await runCli(args, { cwd: tree });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`kubeward: warning: ${warning}\n`);
  });
});

describe('report', () => {
  it('warns when a log holds nothing of its kind (a DNS log given as --audit-log), so the Expose stage never reads garbage as a clean bill', async ({ expect }) => {
    const result = await runCli(['report', 'chart', '--audit-log', 'coredns.log', '--dns-log', 'name-number.yaml', '--flows', 'coredns.log', '--format', 'json', '-o', '-'], { cwd: tree });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('kubeward: warning: coredns.log: no audit events in it (1 lines read)\n');
    expect(result.stderr).toContain('kubeward: warning: name-number.yaml: no CoreDNS queries in it (4 lines read)\n');
    expect(result.stderr).toContain('kubeward: warning: coredns.log: no Hubble flows in it (1 lines read)\n');
    expect((JSON.parse(result.stdout) as { warnings: string[] }).warnings).toContain('coredns.log: no audit events in it (1 lines read)');
  });
});

describe.concurrent('outputs refuse a missing folder, --history too', () => {
  it('report --history DIR whose parent folder does not exist: one line, exit 2, nothing written (it made the whole tree)', async ({ expect }) => {
    const result = await runCli(['report', 'chart', '--history', 'missing/deeper/history', '-o', 'posture.html'], { cwd: tree });
    expect(result.stderr).toBe('kubeward: --history missing/deeper/history: cannot create: no such file or directory (ENOENT)\n');
    expect(result.code).toBe(2);
    expect(existsSync(join(tree, 'missing'))).toBe(false);
    expect(existsSync(join(tree, 'posture.html'))).toBe(false);
  });

  it('report --history DIR that does not exist yet, in a folder that does: created, with the run in it', async ({ expect }) => {
    const folder = writeTree({});
    const result = await runCli(['report', join(tree, 'chart'), '--history', 'history', '-o', 'posture.json'], { cwd: folder });
    expect(result.code).toBe(0);
    expect(readdirSync(join(folder, 'history'))).toEqual([expect.stringMatching(/^kubeward-report-.*\.json$/)]);
  });
});

describe.concurrent('--config FILE with --no-config is a usage error, on every command that has both (the last one won in silence)', () => {
  it.for([
    ['scan', ['scan', 'chart', '--config', 'config.yaml', '--no-config']],
    ['scan, the other order', ['scan', 'chart', '--no-config', '--config', 'config.yaml']],
    ['gate', ['gate', '--no-config', '--config', 'config.yaml']],
    ['audit', ['audit', 'chart', '--config', 'config.yaml', '--no-config']],
    ['report', ['report', 'chart', '--config', 'config.yaml', '--no-config', '-o', '-']],
    ['drill run', ['drill', 'run', 'trojan-chart', '--config', 'config.yaml', '--no-config']],
    ['netpol coverage', ['netpol', 'coverage', 'chart', '--no-config', '--config=config.yaml']],
  ] as [string, string[]][])('%s', async ([, args], { expect }) => {
    const result = await runCli(args, { cwd: tree, input: '' });
    expect(result.stderr).toBe("kubeward: option '--config <file>' cannot be used with option '--no-config'; run with --help for usage\n");
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
  });

  it('either alone still works', async ({ expect }) => {
    for (const flags of [['--config', 'config.yaml'], ['--no-config']]) {
      const result = await runCli(['scan', 'chart', ...flags], { cwd: tree });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
  });
});

describe.concurrent('a workload whose pod template holds a field of the wrong type is named in one warning, and the rest is still checked', () => {
  const privileged = 'apiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: a}\nspec: {containers: [{name: c, image: i:1, securityContext: {privileged: true}}]}\n';
  it.for([
    ['spec: {containers: 5}', 'spec.containers is a number, not a list'],
    ['spec: {containers: [5]}', 'spec.containers[0] is a number, not a mapping'],
    ['spec: {containers: [{name: c, image: i}], initContainers: {}}', 'spec.initContainers is a mapping, not a list'],
    ['spec: {containers: [{name: c, image: i}], volumes: "x"}', 'spec.volumes is a string, not a list'],
    ['spec: {containers: [{name: c, image: i, securityContext: {privileged: "true"}}], securityContext: []}', 'spec.containers[0].securityContext.privileged is a string, not a boolean; spec.securityContext is a list, not a mapping'],
  ] as [string, string][])('%s', async ([spec, fields], { expect }) => {
    const input = `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n${spec}\n---\n${privileged}`;
    const result = await runCli(['scan', '-', '--format', 'json'], { cwd: tree, input });
    const these = fields.includes(';') ? 'those fields' : 'that field';
    expect(result.stderr).toBe(`kubeward: warning: stdin:1: Pod a/p: ${fields}: the API server refuses this object (checked without ${these})\n`);
    expect(result.code).toBe(1);
    const { findings } = JSON.parse(result.stdout) as { findings: { ruleId: string; object: { name: string } }[] };
    expect(findings).toContainEqual(expect.objectContaining({ ruleId: 'privileged-container', object: expect.objectContaining({ name: 'q' }) }));
  });

  it.for([
    ['a Deployment whose template is a string', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec: {template: "x"}\n', 'Deployment a/d: spec.template is a string, not a mapping'],
    ['a CronJob whose jobTemplate spec is a list', 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: a}\nspec: {jobTemplate: {spec: []}}\n', 'CronJob a/c: spec.jobTemplate.spec is a list, not a mapping'],
  ] as [string, string, string][])('gate: %s', async ([, input, fields], { expect }) => {
    const result = await runCli(['gate'], { cwd: tree, input: `# Source: c/templates/x.yaml\n${input}` });
    expect(result.stderr).toContain(`: ${fields}: the API server refuses this object (checked without that field)\n`);
    expect(result.code).toBe(0);
  });

  it('a well-typed pod and fields set to null (absent, as Go reads them) warn nothing', async ({ expect }) => {
    const input = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a}\nspec: {template: {spec: {containers: [{name: c, image: "i:1", args: null, securityContext: {runAsUser: 1000, capabilities: {drop: [ALL]}}}], volumes: null, hostNetwork: false}}}\n';
    const result = await runCli(['scan', '-'], { cwd: tree, input });
    expect(result.stderr).toBe('');
  });
});

describe('a chart of many bindings and pods of one ServiceAccount', () => {
  it("lists at most 20 holders of the token in each finding's evidence (the report grew with bindings × pods: 2,000 of each made 1 GB)", async ({ expect }) => {
    const objects = Array.from({ length: 30 }, (_, index) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p${index}, namespace: a}\nspec: {serviceAccountName: s, containers: [{name: c, image: "i:1"}]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b${index}, namespace: a}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\nsubjects: [{kind: ServiceAccount, name: s, namespace: a}]\n`).join('');
    const result = await runCli(['scan', '-', '--format', 'json', '--fail-on', 'none'], { cwd: tree, input: objects });
    const findings = (JSON.parse(result.stdout) as { findings: { ruleId: string; evidence?: { heldBy?: unknown[]; heldByTotal?: number } }[] }).findings.filter((finding) => finding.evidence?.heldBy);
    expect(findings.length).toBe(30);
    for (const finding of findings) expect(finding.evidence).toMatchObject({ heldBy: expect.any(Array), heldByTotal: 30 });
    expect(findings.every((finding) => finding.evidence!.heldBy!.length === 20)).toBe(true);
  });
});
