import { describe, expect, it } from 'vitest';
import { writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';

const VALUE = 'c3VwZXItc2VjcmV0LXByb2QtZGItcGFzc3dvcmQ=';
const PLAIN = 'super-secret-prod-db-password';

const manifests = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: payments-api
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"${VALUE}"}}'
type: Opaque
data:
  password: ${VALUE}
stringData:
  url: postgres://admin:${PLAIN}@db:5432/prod
---
apiVersion: v1
kind: Pod
metadata: {name: leaky, namespace: payments-api}
spec:
  containers:
  - name: app
    image: app:latest
    securityContext: {privileged: true}
    env:
    - {name: DB_PASSWORD, value: "${PLAIN}"}
`;

/** Whatever kubeward prints about a Secret, its value is not in it: findings, warnings, errors, every format. */
describe('never print a Secret value', () => {
  it.each(['table', 'json', 'sarif', 'junit', 'markdown'])('scan --format %s', async (format) => {
    const tree = writeTree({ 'm.yaml': manifests });
    const result = await runCli(['scan', 'm.yaml', '--format', format], { cwd: tree });
    expect(result.code).toBe(1);
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain(VALUE);
      expect(text).not.toContain(PLAIN);
    }
  });

  it('a parse error next to a Secret value names the line, not the value', async () => {
    const broken = `${manifests}---\napiVersion: v1\nkind: Secret\nmetadata: {name: broken}\ndata:\n  token: ${VALUE}\n  token: [${PLAIN}\n`;
    const tree = writeTree({ 'm.yaml': broken, 'm.json': `{"kind":"Secret","data":{"password":"${VALUE}"},,}` });
    for (const file of ['m.yaml', 'm.json']) {
      const result = await runCli(['scan', file], { cwd: tree });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^kubeward: ${file.replace('.', '\\.')}:\\d+: invalid`));
      expect(result.stderr).not.toContain(VALUE);
      expect(result.stderr).not.toContain(PLAIN);
    }
  });

  it('rbac and netpol reports on a namespace holding the Secret stay clean', async () => {
    const tree = writeTree({ 'm.yaml': manifests });
    for (const args of [['rbac', 'risks', 'm.yaml', '--format', 'json'], ['netpol', 'coverage', 'm.yaml', '--format', 'json'], ['audit', 'm.yaml', '--format', 'markdown']]) {
      const result = await runCli(args, { cwd: tree });
      expect(result.stdout + result.stderr).not.toContain(VALUE);
      expect(result.stdout + result.stderr).not.toContain(PLAIN);
    }
  });
});
