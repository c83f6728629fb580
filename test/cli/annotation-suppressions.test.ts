import { describe, it } from 'vitest';
import { writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';

/**
 * `--no-annotation-suppressions` and `annotationSuppressions: false` (.kubeward.yaml): the
 * `kubeward.io/ignore` annotation is written by the object's author, who in the trojan chart is the
 * attacker. Turned off, an annotated finding is reported and counted as if the annotation were not
 * there, by every command that applies suppressions; `ignore` entries of the configuration still apply.
 */
const AUTHOR = "vetted by the chart's author";
const APP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    kubeward.io/ignore: "image-latest-tag,workload-egress-to-internet; ${AUTHOR}"
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
  namespace: shop
  annotations:
    kubeward.io/ignore: "rbac-read-secrets; ${AUTHOR}"
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: operator, namespace: shop}]
`;
const tree = writeTree({
  'app.yaml': APP,
  'empty.yaml': '# nothing yet\n',
  'off.yaml': 'annotationSuppressions: false\n',
  // the user's own entry still suppresses
  'off-but-mine.yaml': 'annotationSuppressions: false\nignore:\n- {rule: image-latest-tag, match: {name: web}, reason: pinned by digest at deploy}\n',
  'on.yaml': 'annotationSuppressions: true\n',
  'bad.yaml': 'annotationSuppressions: "no"\n',
});

interface Finding {
  ruleId: string;
  suppressed: boolean;
  suppression?: { source: string; reason: string };
}

/** The finding of `ruleId` in a JSON report, whatever leads the JSON (gate writes its report to stderr). */
function findingOf(text: string, ruleId: string): Finding {
  const report = JSON.parse(text.slice(text.indexOf('{'))) as { findings: Finding[] };
  const finding = report.findings.find((candidate) => candidate.ruleId === ruleId);
  if (!finding) throw new Error(`no ${ruleId} finding in ${text.slice(0, 200)}`);
  return finding;
}

/** Each command family that applies suppressions: its arguments, the rule the annotation names, and where its JSON report is. */
const COMMANDS: [name: string, args: string[], ruleId: string, reportIn: 'stdout' | 'stderr'][] = [
  ['scan', ['scan', 'app.yaml', '--format', 'json'], 'image-latest-tag', 'stdout'],
  ['gate (the Helm post-renderer)', ['gate', '-n', 'shop', '--format', 'json'], 'image-latest-tag', 'stderr'],
  ['diff', ['diff', 'empty.yaml', 'app.yaml', '--format', 'json'], 'image-latest-tag', 'stdout'],
  ['audit', ['audit', 'app.yaml', '--format', 'json'], 'rbac-read-secrets', 'stdout'],
  ['rbac risks', ['rbac', 'risks', 'app.yaml', '--format', 'json'], 'rbac-read-secrets', 'stdout'],
  ['netpol coverage', ['netpol', 'coverage', 'app.yaml', '--format', 'json'], 'workload-egress-to-internet', 'stdout'],
];

describe.concurrent('the kubeward.io/ignore annotation can be turned off', () => {
  it.for(COMMANDS)('%s: on by default, off with --no-annotation-suppressions or annotationSuppressions: false', async ([, args, ruleId, reportIn], { expect }) => {
    const input = args[0] === 'gate' ? APP : '';
    const [byDefault, byFlag, byFile, fileThenFlag] = await Promise.all([
      runCli(args, { cwd: tree, input }),
      runCli([...args, '--no-annotation-suppressions'], { cwd: tree, input }),
      runCli([...args, '--config', 'off.yaml'], { cwd: tree, input }),
      runCli([...args, '--config', 'on.yaml', '--no-annotation-suppressions'], { cwd: tree, input }),
    ]);
    expect(findingOf(byDefault[reportIn], ruleId)).toMatchObject({ suppressed: true, suppression: { source: 'annotation', reason: AUTHOR } });
    // the flag overrides the file, as every flag does
    for (const result of [byFlag, byFile, fileThenFlag]) {
      const finding = findingOf(result[reportIn], ruleId);
      expect(finding.suppressed).toBe(false);
      expect(finding.suppression).toBeUndefined();
    }
  });

  it('an unsuppressed finding counts: scan --fail-on medium exits 1 only when the annotation is off', async ({ expect }) => {
    const [on, off] = await Promise.all([runCli(['scan', 'app.yaml', '--fail-on', 'medium', '--format', 'json'], { cwd: tree }), runCli(['scan', 'app.yaml', '--fail-on', 'medium', '--format', 'json', '--no-annotation-suppressions'], { cwd: tree })]);
    const blocking = (text: string) => (JSON.parse(text) as { findings: (Finding & { severity: string })[] }).findings.filter((finding) => !finding.suppressed && ['critical', 'high', 'medium'].includes(finding.severity)).map((finding) => finding.ruleId);
    expect(blocking(on.stdout)).not.toContain('image-latest-tag');
    expect(blocking(off.stdout)).toEqual(expect.arrayContaining(['image-latest-tag', 'rbac-read-secrets']));
    expect(off.code).toBe(1);
  });

  it('gate: an annotated finding at --fail-on blocks the install when the annotation is off (nothing passes through to helm)', async ({ expect }) => {
    const [on, off] = await Promise.all([runCli(['gate', '-n', 'shop', '--fail-on', 'medium', '--format', 'json'], { cwd: tree, input: APP }), runCli(['gate', '-n', 'shop', '--fail-on', 'medium', '--format', 'json', '--no-annotation-suppressions'], { cwd: tree, input: APP })]);
    expect(findingOf(on.stderr, 'rbac-read-secrets').suppressed).toBe(true);
    expect(off.code).toBe(1);
    expect(off.stdout).toBe('');
  });

  it("report: the finding is counted in the report's findings by rule", async ({ expect }) => {
    const counted = async (extra: string[]) => {
      const result = await runCli(['report', 'app.yaml', '--format', 'json', '-o', '-', ...extra], { cwd: tree });
      return (JSON.parse(result.stdout) as { findingsByRule: { ruleId: string }[] }).findingsByRule.map((entry) => entry.ruleId);
    };
    expect(await counted([])).not.toContain('image-latest-tag');
    expect(await counted(['--no-annotation-suppressions'])).toContain('image-latest-tag');
  });

  it("the configuration's own ignore entries still suppress", async ({ expect }) => {
    const result = await runCli(['scan', 'app.yaml', '--format', 'json', '--config', 'off-but-mine.yaml'], { cwd: tree });
    expect(findingOf(result.stdout, 'image-latest-tag')).toMatchObject({ suppressed: true, suppression: { source: 'config', reason: 'pinned by digest at deploy' } });
    expect(findingOf(result.stdout, 'rbac-read-secrets').suppressed).toBe(false);
  });

  it.for([['drill', 'run'], ['drill', 'tabletop']])('%s %s takes the flag', async (command, { expect }) => {
    const result = await runCli([...command, 'trojan-chart', '--no-annotation-suppressions'], { cwd: tree });
    expect(result.stderr).not.toMatch(/unknown option/);
    expect([0, 1]).toContain(result.code);
  });

  it('a value that is not true or false is one line and exit 2', async ({ expect }) => {
    const result = await runCli(['scan', 'app.yaml', '--config', 'bad.yaml'], { cwd: tree });
    expect(result.stderr).toBe('kubeward: bad.yaml: annotationSuppressions must be true or false\n');
    expect(result.code).toBe(2);
  });
});
