import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { findTool } from '../../src/load/tools.js';
import { chartYaml, writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';

/**
 * A canary Secret value in every input a command reads, each input broken so that its parser or
 * tool fails right next to the value: the error is one line, exit code 2, and no five characters of
 * the canary are in it.
 */
const CANARY = 'Qz7xW4kP9mV2sR8tLc';
function leaked(text: string): string | undefined {
  for (let start = 0; start + 5 <= CANARY.length; start++) if (text.includes(CANARY.slice(start, start + 5))) return CANARY.slice(start, start + 5);
  return undefined;
}

const FAILING_CHART = {
  'chart/Chart.yaml': chartYaml('leaky'),
  'chart/values.yaml': 'db: {}\nx: ""\n',
  'chart/templates/x.yaml': '{{ if .Values.db.password }}{{ fail (printf "password %s is rejected" .Values.db.password) }}{{ end }}{{ if .Values.x }}{{ fail .Values.x }}{{ end }}\n',
};

const tree = writeTree({
  ...FAILING_CHART,
  'bad.json': `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":${CANARY}}}`,
  'bad-anchor.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s, labels: &l {a: b}}\nstringData:\n  k: "${CANARY}\\U${CANARY}"\n`,
  'literal/kustomization.yaml': `secretGenerator:\n- name: db\n  literals:\n  - password${CANARY}\n`,
  'literals/kustomization.yaml': `secretGenerator:\n- name: db\n  literals:\n  - password=${CANARY}\n  - =x\n`,
  'values.yaml': `db:\n  password: ${CANARY}\n`,
  'file.txt': `${CANARY}\n`,
  'config.yaml': `failOn: high\nhelm:\n  set: ["db.password=${CANARY}\\q"]\n`,
  'rules.yaml': `- list: secrets\n  items: ["${CANARY}\\U${CANARY}"]\n`,
  'flows.yaml': `connections:\n- src: "${CANARY}\\x${CANARY}"\n`,
  'kubeconfig': `apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: "${CANARY}\\U${CANARY}"\n`,
  'empty.yaml': '',
  'defaults/Chart.yaml': chartYaml('defaults'),
  'defaults/values.yaml': `db:\n  password: ${CANARY}\nadminPw: ${CANARY}x\n`,
  'defaults/templates/x.yaml': '{{ fail (printf "%s or %s is rejected" .Values.db.password .Values.adminPw) }}\n',
  'values-anchor.yaml': `db:\n  password: *${CANARY}\n`,
  'values-key.yaml': `db:\n  ? [${CANARY}]\n  : x\n`,
  'parent/Chart.yaml': chartYaml('parent'),
  'parent/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: parent}\n',
});

// Each case is a separate process: run them side by side.
describe.concurrent('errors next to a Secret value never print it', () => {
  it.for([
    ['scan: malformed JSON', ['scan', 'bad.json'], undefined],
    ['scan: malformed YAML with an anchor', ['scan', 'bad-anchor.yaml'], undefined],
    ['scan -: malformed stdin', ['scan', '-'], `{"kind":"Secret","data":{"k":"${CANARY}\\q"}}`],
    ['gate: malformed stdin', ['gate'], `apiVersion: v1\nkind: Secret\nstringData: {k: "${CANARY}\\U"}\n`],
    ['kustomize: a literal without =', ['scan', 'literal'], undefined],
    ['kustomize: a list of literals with a bad one', ['scan', 'literals'], undefined],
    ['helm: a --set list kubectl cannot parse', ['scan', 'chart', '--set', `db.user=a,${CANARY}`], undefined],
    ['helm: a template that fails with a --set value', ['scan', 'chart', '--set', `db.password=${CANARY}`], undefined],
    ['helm: a template that fails with a values-file password', ['scan', 'chart', '-f', 'values.yaml'], undefined],
    ['helm: a template that fails with a --set-file value', ['scan', 'chart', '--set-file', 'x=file.txt'], undefined],
    ["helm: a template that fails with the chart's own default password (values.yaml, a `...Pw` key too)", ['scan', 'defaults'], undefined],
    ['helm: a values file whose alias names the value (go-yaml quotes the anchor)', ['scan', 'chart', '-f', 'values-anchor.yaml'], undefined],
    ['helm: a values file whose key is a list holding the value (go-yaml quotes the key)', ['scan', 'chart', '-f', 'values-key.yaml'], undefined],
    ['--config: malformed', ['scan', 'empty.yaml', '--config', 'config.yaml'], undefined],
    ['detect --rules: malformed', ['detect', '--audit-log', 'empty.yaml', '--rules', 'rules.yaml'], undefined],
    ['detect --falco-rules: malformed', ['detect', '--audit-log', 'empty.yaml', '--falco-rules', 'rules.yaml'], undefined],
    ['netpol generate --from: malformed', ['netpol', 'generate', 'empty.yaml', '--from', 'flows.yaml'], undefined],
    ['rbac --kubeconfig: malformed', ['rbac', 'risks', '--kubeconfig', 'kubeconfig'], undefined],
  ] as [string, string[], string | undefined][])('%s', async ([, args, input], { expect }) => {
    const result = await runCli(args, { cwd: tree, input });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kubeward: [^\n]+\n$/);
    expect(leaked(result.stdout + result.stderr)).toBeUndefined();
  });
});

// A packaged chart's default values, and those of a sub-chart packaged in a chart folder's charts/,
// are read from the archive to be redacted: helm quotes them no less for being packaged.
describe.concurrent('errors of packaged charts never print their default values', () => {
  beforeAll(async () => {
    const helm = await findTool('helm');
    execFileSync(helm, ['package', join(tree, 'defaults'), '--destination', tree]);
    mkdirSync(join(tree, 'parent/charts'), { recursive: true });
    execFileSync(helm, ['package', join(tree, 'defaults'), '--destination', join(tree, 'parent/charts')]);
  });

  it.for([
    ['a packaged chart (.tgz) whose template fails with its default password', ['scan', 'defaults-0.1.0.tgz']],
    ['a chart whose packaged sub-chart (charts/*.tgz) fails with its default password', ['scan', 'parent']],
  ] as [string, string[]][])('%s', async ([, args], { expect }) => {
    const result = await runCli(args, { cwd: tree });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kubeward: [^\n]+\n$/);
    expect(result.stderr).toContain('is rejected');
    expect(leaked(result.stdout + result.stderr)).toBeUndefined();
  });
});
