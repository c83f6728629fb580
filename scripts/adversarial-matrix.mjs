#!/usr/bin/env node
// The adversarial matrix: every command × hostile inputs (missing, empty, binary, alias bombs, deep
// nesting, huge lines, scalars and lists, wrong field types, hostile .tgz, failing and looping charts,
// bad flags, garbage logs, unreachable kubeconfigs, a canary Secret value in every output format).
// Records each run's exit code and stderr shape and prints the runs that break a rule of the project:
// STACK, INTERNAL (an internal error), ERRLINES/ERRSHAPE (an error that is not one `kubeward: ` line),
// PARTIAL-OUTPUT (a failed run left its -o file), LEAK (the canary or its base64 in any output),
// TIMEOUT, RSS over 1.5 GB, an exit code other than 0, 1, 2; TMPDIR-LEFT (each run has a TMPDIR of its
// own, which must be empty when it ends, however it ends), DEVICE-REPLACED and FIFO-REPLACED (-o onto
// /dev/null, /dev/full, a FIFO), EPIPE-EXIT/EPIPE-MESSAGE (stdout closed after the first chunk, as by
// `| head -1`: status 141, 0 or 1 and no error), TOOL-LEFT-RUNNING and ENDED … NOT BY (SIGINT, SIGTERM or
// SIGHUP sent once kubeward has started helm: helm gone, kubeward ended by the signal).
//
//   npm run build && node scripts/adversarial-matrix.mjs [regexp over command and arguments]
//
// Fixtures and outputs go to $TMPDIR/kubeward-matrix; results.json there holds every run. About
// 3,500 runs: 15-25 minutes on 2 cores (CONC=3 by default). Not part of npm test.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const ROOT = process.env.MATRIX_DIR ?? path.join(os.tmpdir(), 'kubeward-matrix');
const FX = path.join(ROOT, 'fx');
const CANARY = 'Qz7xW4kP9mV2sR8tLc';

async function writeFixtures() {
  fs.rmSync(FX, { recursive: true, force: true });
  fs.mkdirSync(FX, { recursive: true });
  const B64 = Buffer.from(CANARY).toString('base64');
  const w = (p, c) => { const f = path.join(FX, p); fs.mkdirSync(path.dirname(f), { recursive: true }); fs.writeFileSync(f, c); };
  w('empty.yaml', '');
  w('ws.yaml', '   \n\n# only a comment\n---\n---\n');
  w('binary.yaml', fs.readFileSync('/bin/ls').subarray(0, 200000));
  w('nul.yaml', 'apiVersion: v1\nkind: Pod\x00\nmetadata: {name: a}\n');
  w('bom.yaml', '\ufeffapiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
  w('utf16.yaml', Buffer.from('\ufeffapiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', 'utf16le'));
  w('bomb.yaml', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n');
  w('deep.yaml', '['.repeat(50000) + ']'.repeat(50000) + '\n');
  w('deep-block.yaml', Array.from({ length: 3000 }, (_, i) => ' '.repeat(i) + 'a:').join('\n') + ' 1\n');
  w('deep.json', '['.repeat(200000) + ']'.repeat(200000));
  w('deep-obj.json', '{"a":'.repeat(100000) + '1' + '}'.repeat(100000));
  w('hugeline.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: "' + 'A'.repeat(20_000_000) + '"}\n');
  w('scalar.yaml', 'hello\n');
  w('number.yaml', '42\n');
  w('list.yaml', '- a\n- b\n');
  w('list-objs.yaml', '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n');
  w('null.yaml', 'null\n');
  w('nokind.yaml', 'apiVersion: v1\nmetadata: {name: x}\n');
  w('nometa.yaml', 'apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: i}]}\n');
  w('noname.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {containers: [{name: c, image: i}]}\n');
  w('noapiversion.yaml', 'kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: i}]}\n');
  const wrong = {
    'containers-5': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: 5}}}\n',
    'containers-str': 'apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec: {containers: "x"}\n',
    'containers-items': 'apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec: {containers: [5, null, "x", [1]]}\n',
    'container-fields': 'apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec: {containers: [{name: 5, image: [1], command: "sh", args: 7, env: {a: b}, ports: "x", securityContext: "x", volumeMounts: 3, resources: "x", envFrom: 1}], volumes: "x", securityContext: 7, hostNetwork: "yes", serviceAccountName: [1], automountServiceAccountToken: "x", initContainers: {}, ephemeralContainers: 1}\n',
    'env-weird': 'apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec: {containers: [{name: c, image: i, env: [5, null, {name: 5, value: 7}, {name: PASSWORD, value: {a: 1}}, {name: X, valueFrom: "x"}]}]}\n',
    'spec-list': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: []\n',
    'template-str': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: "x", selector: 5}\n',
    'metadata-str': 'apiVersion: v1\nkind: Pod\nmetadata: "x"\nspec: {containers: [{name: c, image: i}]}\n',
    'name-num': 'apiVersion: v1\nkind: Pod\nmetadata: {name: 123, namespace: 5, labels: "x", annotations: [1]}\nspec: {containers: [{name: c, image: i}]}\n',
    'name-nan': 'apiVersion: v1\nkind: Pod\nmetadata: {name: .nan, namespace: .inf}\nspec: {containers: [{name: c, image: i}]}\n',
    'name-obj': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: {a: 1}, namespace: [x]}\n',
    'name-proto': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: __proto__, namespace: constructor, labels: {__proto__: x, toString: y}}\n',
    'kind-num': 'apiVersion: 5\nkind: 7\nmetadata: {name: x}\n',
    'kind-obj': 'apiVersion: [v1]\nkind: {a: 1}\nmetadata: {name: x}\n',
    'role-rules-str': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: "x"\n',
    'role-rules-items': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: a}\nrules: [5, null, {verbs: "get", resources: "secrets", apiGroups: 1}, {verbs: [1, null], resources: [{}], apiGroups: [null]}]\n',
    'binding-subjects-obj': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}\nsubjects: {kind: User, name: x}\n',
    'binding-subjects-items': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: a}\nroleRef: "x"\nsubjects: [5, null, {kind: 5, name: [1]}, {kind: ServiceAccount}]\n',
    'binding-roleref-missing': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nsubjects: [{kind: ServiceAccount, name: s, namespace: a}]\n',
    'aggregation-weird': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\naggregationRule: {clusterRoleSelectors: [{matchLabels: 5}, {matchExpressions: [{key: a, operator: Bogus, values: 3}]}, 7]}\n',
    'netpol-weird': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n, namespace: a}\nspec: {podSelector: 5, policyTypes: "Ingress", ingress: [{from: [{ipBlock: {cidr: "999.1.1.1/99", except: 5}}, {podSelector: {matchExpressions: [{key: a, operator: In}]}}], ports: [{port: "x-y"}, {port: -5, endPort: 1}, {port: 70000}, {protocol: ICMP}]}], egress: {a: 1}}\n',
    'netpol-weird2': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n, namespace: a}\nspec: {podSelector: {}, ingress: [5, null, {from: "x", ports: 3}], egress: [{to: [{ipBlock: {cidr: "::/0"}}, {ipBlock: 5}, {namespaceSelector: "x"}]}]}\n',
    'service-weird': 'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {selector: "x", ports: [{port: "abc", targetPort: {a: 1}}, 5], type: 7}\n',
    'ns-labels': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {pod-security.kubernetes.io/enforce: bogus, pod-security.kubernetes.io/enforce-version: v1.99x}}\n',
    'list-items-str': 'apiVersion: v1\nkind: List\nitems: "x"\n',
    'list-items-weird': 'apiVersion: v1\nkind: List\nitems: [5, null, "x", {kind: List, items: [{kind: List, items: 3}]}]\n',
    'webhookcfg-weird': 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: w}\nwebhooks: "x"\n',
    'vap-weird': 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec: {validations: "x", matchConstraints: 5}\n',
    'pod-volumes-weird': 'apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec: {containers: [{name: c, image: i, volumeMounts: [5, {name: 5, mountPath: 7}]}], volumes: [5, null, {name: v, hostPath: "x"}, {name: w, projected: {sources: 5}}, {name: z, secret: 7}]}\n',
    'secctx-weird': 'apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec: {securityContext: {runAsUser: "x", seccompProfile: 5, sysctls: "x", seLinuxOptions: 1, windowsOptions: "x"}, containers: [{name: c, image: i, securityContext: {capabilities: {add: "ALL", drop: 5}, privileged: "true", runAsUser: -1, procMount: 5, appArmorProfile: "x"}}]}\n',
    'cronjob-weird': 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {template: 5}}}\n',
    'cronjob-weird2': 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: 5}\n',
    'sa-weird': 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: s, namespace: a}\nsecrets: 5\nimagePullSecrets: "x"\nautomountServiceAccountToken: "no"\n',
    'image-weird': 'apiVersion: v1\nkind: Pod\nmetadata: {name: d}\nspec: {containers: [{name: c, image: ""}, {name: e}, {name: f, image: "::::@@@sha256:"}, {name: g, image: "' + 'a'.repeat(100000) + '"}]}\n',
    'huge-ints': 'apiVersion: v1\nkind: Pod\nmetadata: {name: d, generation: 99999999999999999999999999}\nspec: {containers: [{name: c, image: i, ports: [{containerPort: 1e400}], resources: {limits: {cpu: 1e400, memory: -5}}}]}\n',
  };
  for (const [k, v] of Object.entries(wrong)) w(`wrong/${k}.yaml`, v);
  // Secret with canary
  w('secret.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\ndata:\n  password: ${B64}\nstringData:\n  token: ${CANARY}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec:\n  containers:\n  - name: c\n    image: i\n    env:\n    - {name: DB_PASSWORD, value: ${CANARY}}\n    - {name: AWS_SECRET_ACCESS_KEY, value: "${CANARY}"}\n    args: ["--password=${CANARY}", "--token", "${CANARY}"]\n    command: ["sh", "-c", "curl -H 'Authorization: Bearer ${CANARY}' http://x"]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: a, annotations: {kubectl.kubernetes.io/last-applied-configuration: '{"kind":"Secret","data":{"password":"${B64}"}}'}}\ndata: {password: ${CANARY}, "aws_secret_access_key": ${CANARY}}\n`);
  // secret followed by yaml errors of various kinds, the canary at the fault
  w('secret-err1.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  token: ${CANARY}: x\n`);
  w('secret-err2.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  token: "${CANARY}\n`);
  w('secret-err3.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  token: ${B64}\n   bad: indent ${CANARY}\n`);
  w('secret-err4.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  token: !!binary ${CANARY}!!\n`);
  w('secret-err5.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  token: ${CANARY}\n  token: ${CANARY}\n`);
  w('secret-err6.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  token: *${CANARY}\n`);
  w('secret-err7.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  ? [${CANARY}]\n  : x\n`);
  w('secret-err8.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {token: ${CANARY}, token: y}\n`);
  w('secret-err9.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  token: !custom ${CANARY}\n`);
  w('secret-err10.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: &a\n  token: ${CANARY}\n  <<: *a\n`);
  w('secret-err11.json', `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"token":"${CANARY}\u0001"}}`);
  w('secret-err12.json', `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"token":"${CANARY}","token":"x"}}`);
  w('secret-wrongtype.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\ndata: "${CANARY}"\nstringData: ["${CANARY}"]\n`);
  w('secret-wrongtype2.yaml', `apiVersion: v1\nkind: Secret\nmetadata: {name: ${CANARY}x, namespace: a}\ntype: kubernetes.io/service-account-token\ndata: {token: {nested: ${CANARY}}, ca.crt: [${CANARY}]}\n`);
  // directories
  fs.mkdirSync(path.join(FX, 'emptydir'), { recursive: true });
  w('dir-of-junk/a.yaml', 'hello\n'); w('dir-of-junk/b.json', '[1,2'); w('dir-of-junk/c.yml', '');
  fs.mkdirSync(path.join(FX, 'dir.yaml'), { recursive: true });
  try { fs.symlinkSync('/etc/shadow', path.join(FX, 'shadowlink.yaml')); } catch {}
  try { fs.symlinkSync('loop2.yaml', path.join(FX, 'loop1.yaml')); fs.symlinkSync('loop1.yaml', path.join(FX, 'loop2.yaml')); } catch {}
  fs.mkdirSync(path.join(FX, 'dirloop/sub'), { recursive: true }); try { fs.symlinkSync('..', path.join(FX, 'dirloop/sub/up')); } catch {}
  w('dirloop/sub/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
  // charts
  const chart = (dir, name, tpls, values = '') => { w(`${dir}/Chart.yaml`, `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`); w(`${dir}/values.yaml`, values); for (const [k, v] of Object.entries(tpls)) w(`${dir}/templates/${k}`, v); };
  chart('chart-fail', 'cf', { 'a.yaml': '{{ fail "boom" }}\n' });
  chart('chart-secretfail', 'cs', { 'a.yaml': `{{ fail (printf "bad %s" .Values.pw) }}\n` }, `pw: ${CANARY}\n`);
  chart('chart-loop', 'cl', { 'a.yaml': '{{ range $i := until 100000000 }}{{ end }}x: 1\n' });
  chart('chart-recurse', 'cr', { '_h.tpl': '{{ define "r" }}{{ include "r" . }}{{ end }}', 'a.yaml': '{{ include "r" . }}\n' });
  chart('chart-badyaml', 'cb', { 'a.yaml': `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  pw: {{ .Values.pw }}: x\n` }, `pw: ${CANARY}\n`);
  chart('chart-bigout', 'cbig', { 'a.yaml': '{{ range $i := until 300000 }}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c{{ $i }}}\n{{ end }}' });
  w('chart-badchartyaml/Chart.yaml', 'apiVersion: v2\nname: [x\n'); w('chart-badchartyaml/templates/a.yaml', 'a: 1\n');
  w('chart-emptychartyaml/Chart.yaml', ''); 
  w('chart-noname/Chart.yaml', 'apiVersion: v2\nversion: 1.0.0\n');
  chart('chart-scalar', 'csc', { 'a.yaml': 'hello\n' });
  chart('chart-ok', 'ok', { 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' });
  w('chart-ok/values-bad.yaml', `pw: [${CANARY}\n`);
  // tgz
  const tarEntry = (name, content, type = '0', linkname = '') => {
    const h = Buffer.alloc(512); h.write(name, 0, 100); h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116);
    const size = type === '0' ? content.length : 0; h.write(size.toString(8).padStart(11, '0') + '\0', 124); h.write('00000000000\0', 136);
    h.write('        ', 148); h.write(type, 156); h.write(linkname, 157, 100); h.write('ustar\0', 257); h.write('00', 263);
    let sum = 0; for (const b of h) sum += b; h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    const body = Buffer.alloc(Math.ceil(size / 512) * 512); if (size) Buffer.from(content).copy(body);
    return Buffer.concat([h, body]);
  };
  const tgz = (file, entries) => w(file, zlib.gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)])));
  const CH = 'apiVersion: v2\nname: t\nversion: 0.1.0\n';
  tgz('traversal.tgz', [tarEntry('t/Chart.yaml', CH), tarEntry('t/../../evil.yaml', 'x: 1\n')]);
  tgz('absolute.tgz', [tarEntry('t/Chart.yaml', CH), tarEntry('/tmp/qa-evil.yaml', 'x: 1\n')]);
  tgz('symlink.tgz', [tarEntry('t/Chart.yaml', CH), tarEntry('t/templates/a.yaml', '', '2', '/etc/passwd')]);
  tgz('hardlink.tgz', [tarEntry('t/Chart.yaml', CH), tarEntry('t/templates/a.yaml', '', '1', '/etc/passwd')]);
  tgz('notchart.tgz', [tarEntry('x/readme.txt', 'hi')]);
  tgz('emptytar.tgz', []);
  w('garbage.tgz', 'this is not gzip');
  w('truncated.tgz', fs.readFileSync(path.join(FX, 'traversal.tgz')).subarray(0, 40));
  w('empty.tgz', '');
  // gzip bomb: 2 GiB of a single tar entry declared huge
  { const h = tarEntry('t/templates/big.yaml', ''); const head = Buffer.from(h); head.write((3 * 1024 ** 3).toString(8).padStart(11, '0') + '\0', 124); head.write('        ', 148); let s = 0; for (const b of head) s += b; head.write(s.toString(8).padStart(6, '0') + '\0 ', 148);
    const gz = zlib.createGzip(); const out = fs.createWriteStream(path.join(FX, 'bomb.tgz')); gz.pipe(out);
    gz.write(tarEntry('t/Chart.yaml', CH)); gz.write(head); const z = Buffer.alloc(1 << 20); let n = 0; const pump = () => { while (n < 400) { n++; if (!gz.write(z)) { gz.once('drain', pump); return; } } gz.end(); }; pump();
    await new Promise((r) => out.on('close', r)); }
  // many entries
  tgz('many.tgz', [tarEntry('t/Chart.yaml', CH), ...Array.from({ length: 12000 }, (_, i) => tarEntry(`t/templates/f${i}.txt`, ''))]);
  // logs
  w('audit-garbage.log', 'not json\n{"kind":"Event"\n\x00\x01\x02\n[1,2,3]\n"str"\n5\nnull\n{}\n{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","auditID":5,"verb":["x"],"user":"x","objectRef":"x","requestReceivedTimestamp":"not a time","stageTimestamp":12}\n');
  w('audit-truncated.log', '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/secrets","verb":"list","user":{"username":"system:serviceaccount:a:b"},"objectRef":{"resource":"secrets"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2024-01-01T00:00:00Z","stageTimestamp":"2024-01-01T00:00:01Z"}\n{"kind":"Event","apiVersion":"au');
  w('audit-secret.log', JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID: 'x1', stage: 'ResponseComplete', requestURI: '/api/v1/namespaces/a/secrets/s', verb: 'get', user: { username: 'system:serviceaccount:a:b' }, objectRef: { resource: 'secrets', namespace: 'a', name: 's', apiVersion: 'v1' }, responseStatus: { code: 200 }, responseObject: { kind: 'Secret', apiVersion: 'v1', metadata: { name: 's', namespace: 'a' }, data: { password: B64 }, stringData: { x: CANARY } }, requestReceivedTimestamp: '2024-01-01T00:00:00.000000Z', stageTimestamp: '2024-01-01T00:00:00.100000Z' }) + '\n' + JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID: 'x2', stage: 'ResponseComplete', requestURI: '/api/v1/secrets', verb: 'list', user: { username: 'system:serviceaccount:a:b' }, objectRef: { resource: 'secrets', apiVersion: 'v1' }, responseStatus: { code: 200 }, responseObject: { kind: 'SecretList', items: [{ metadata: { name: 's', namespace: 'b' }, data: { password: B64 } }] }, requestObject: { kind: 'Secret', stringData: { password: CANARY } }, requestReceivedTimestamp: '2024-01-01T00:00:01.000000Z', stageTimestamp: '2024-01-01T00:00:01.100000Z' }) + '\n');
  w('audit-deep.log', '{"a":'.repeat(100000) + '1' + '}'.repeat(100000) + '\n');
  w('audit-hugeline.log', '{"kind":"Event","x":"' + 'A'.repeat(3_000_000) + '"}\n');
  w('dns-garbage.log', 'garbage\n\x00\x01\n[INFO] 10.0.0.1:5353 - 1 "A IN ' + 'a'.repeat(5000) + '. udp 40 false 512" NOERROR qr 0.000s\n[INFO] x:y - z "A IN" \n' + '[INFO] 10.0.0.1:53 - 1 "A IN ' + CANARY.toLowerCase() + '.evil.example. udp 40 false 512" NOERROR qr,rd 0.1s\n');
  w('flows-garbage.json', 'garbage\n{"flow": 5}\n{"flow": {"source": "x", "destination": [1], "l4": 7, "time": "nope"}}\n[1]\n');
  w('verdicts-bad.yaml', 'x: [\n');
  w('verdicts-weird.yaml', 'a: 5\nb: [1]\nc: bogus\n');
  w('alerts-bad.jsonl', 'garbage\n{"id": 5}\n');
  w('survey-bad.yaml', 'answers: "x"\n');
  w('flows-decl-bad.yaml', 'connections: 5\n');
  w('flows-decl-weird.yaml', 'connections: [5, {src: 5, dst: [1], conn: {}}]\n');
  w('pods-bad.json', '{"items": 5}');
  w('kubeconfig-bad', 'apiVersion: v1\nkind: Config\nclusters: 5\n');
  w('kubeconfig-unreach', 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: ' + CANARY + '}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
  w('kubeconfig-nocontext', 'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n');
  w('kubeconfig-exec', 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/false}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
  w('config-bad.yaml', 'failOn: bogus\nsuppressions: 5\n');
  w('config-weird.yaml', 'suppressions: [5, {rule: 5}, {ruleId: x, expires: "not a date"}]\nallowedRepositories: "x"\nallowedRegistries: 5\ndisabledRules: {a: 1}\nhelm: 5\n');
  w('config-scalar.yaml', 'hello\n');
  // policies
  w('pol-badcel.yaml', 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  failurePolicy: Fail\n  matchConstraints: {resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}]}\n  validations: [{expression: "object.spec.(("}]\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: p, validationActions: [Deny]}\n');
  w('pol-loopcel.yaml', 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints: {resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}]}\n  validations: [{expression: "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, [1,2,3,4,5,6,7,8,9,10].all(e, [1,2,3,4,5,6,7,8,9,10].all(f, [1,2,3,4,5,6,7,8,9,10].all(g, [1,2,3,4,5,6,7,8,9,10].all(h, true))))))))"}, {expression: "\'a\'.matches(\'(a+)+$\')"}, {expression: "string(object).size() > 0 && \'x\'.repeat(1000000000) == \'\'"}]\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: p, validationActions: [Deny]}\n');
  w('pol-weird.yaml', 'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec: {validations: "x", matchConstraints: 5, variables: 7, paramKind: "x"}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: 5, validationActions: "Deny", paramRef: 7}\n');
  w('pol-secretmsg.yaml', `apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints: {resourceRules: [{apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}]}\n  validations: [{expression: "false", messageExpression: "'leak ' + string(object.stringData)"}, {expression: "object.stringData.token == 'x'", message: "nope"}]\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: p, validationActions: [Deny]}\n`);
  w('suite-bad.yaml', 'cases: 5\n');
  w('suite-weird.yaml', 'apiVersion: kubeward.io/v1alpha1\nkind: PolicyTest\npolicies: [nonexistent.yaml]\ncases: [5, {object: "x", expect: bogus}]\n');
  w('rules-bad.yaml', '- rule: x\n  condition: "((("\n  output: x\n  priority: WARNING\n');
  w('rules-weird.yaml', 'rules: 5\n');
  w('rules-weird2.yaml', '- 5\n- rule: [1]\n- macro: x\n  condition: 7\n');
  w('scenario-bad.yaml', 'apiVersion: kubeward.io/v1alpha1\nkind: DrillScenario\nmetadata: {name: x}\nsteps: 5\n');
  w('drill-bad.json', '{"stages": 5}');
  w('baseline-bad.json', '{"findings": 5}');
  w('baseline-garbage.json', 'not json at all');
  w('baseline-ok-empty.json', '{}');
  w('history-file', 'x');
  w('many.yaml', Array.from({ length: 2000 }, (_, i) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: a}\nspec: {serviceAccountName: s, containers: [{name: c, image: nginx}]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b${i}, namespace: a}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\nsubjects: [{kind: ServiceAccount, name: s, namespace: a}]\n`).join(''));
  w('many-alerts.log', Array.from({ length: 3000 }, (_, i) => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `m${i}`, stage: 'ResponseComplete', verb: 'list', requestURI: '/api/v1/secrets', user: { username: `system:serviceaccount:a:s${i}` }, objectRef: { resource: 'secrets', apiVersion: 'v1' }, responseStatus: { code: 200 }, requestReceivedTimestamp: '2024-01-01T00:00:00.000000Z', stageTimestamp: '2024-01-01T00:00:00.100000Z' })).join('\n') + '\n');
  // wrong types of the fields every engine reads as text
  for (const [k, v] of Object.entries({
    'sa-name': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {serviceAccountName: 7, serviceAccount: [1], containers: [{name: c, image: i}]}\n',
    'subj-name': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: 5, namespace: 6}, {kind: User, name: [x]}, {kind: Group, name: {a: 1}}]\n',
    'roleref-name': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: a}\nroleRef: {apiGroup: 5, kind: 6, name: 7}\nsubjects: [{kind: ServiceAccount, name: s}]\n',
    'rule-strs': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: [{apiGroups: [5], resources: [6, [1]], verbs: [7, {a: 1}], resourceNames: [8], nonResourceURLs: [9]}]\n',
    'labels-vals': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: a, labels: {a: 5}, annotations: {b: 6, kubeward.io/ignore: 7, helm.sh/hook: 8}}\nspec: {selector: {matchLabels: {a: 5}}, template: {metadata: {labels: {a: 5}}, spec: {containers: [{name: c, image: i}]}}}\n',
    'cronjob-strs': 'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: a}\nspec: {schedule: 5, jobTemplate: {spec: {template: {spec: {serviceAccountName: 5, containers: [{name: c, image: i}]}}}}}\n',
  })) w(`wrong/${k}.yaml`, v);
  w('pods-weird.json', '{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{"name":5,"namespace":7},"status":{"podIP":"10.0.0.1"}},{"metadata":{"name":"a","namespace":"b"},"spec":{"serviceAccountName":7},"status":{"podIP":5}}]}');
  // the chart's own default password, quoted by a template's fail
  chart('chart-pw', 'cpw', { 'a.yaml': '{{ fail (printf "bad %s" .Values.db.password) }}\n' }, `db:\n  password: ${CANARY}\n`);
  // the battlecard's trojan chart, its author suppressing its own findings
  fs.cpSync(fileURLToPath(new URL('../test/fixtures/charts/recon/trojan', import.meta.url)), path.join(FX, 'trojan-annotated'), { recursive: true });
  for (const [file, name] of [['templates/deployment.yaml', '  name: {{ .Release.Name }}-agent\n'], ['templates/rbac.yaml', '  name: {{ .Release.Name }}-tracing\nroleRef']]) {
    const target = path.join(FX, 'trojan-annotated', file);
    fs.writeFileSync(target, fs.readFileSync(target, 'utf8').replace(name, name.replace('\n', '\n  annotations:\n    kubeward.io/ignore: "container-holds-powerful-token,rbac-read-secrets; vetted"\n')));
  }
}

await writeFixtures();

const BIN = fileURLToPath(new URL('../bin/kubeward.js', import.meta.url)); const OUT = path.join(ROOT, 'out');
const B64 = Buffer.from(CANARY).toString('base64');
const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
const leaks = (t) => { if (t.includes(B64.slice(0, 12))) return 'b64'; for (let i = 0; i + 6 <= CANARY.length; i++) if (t.includes(CANARY.slice(i, i + 6)) || t.toLowerCase().includes(CANARY.slice(i, i + 6).toLowerCase())) return CANARY.slice(i, i + 6); return ''; };
const inputs = fs.readdirSync(FX).filter((f) => !f.startsWith('history')).map((f) => `fx/${f}`).concat(fs.readdirSync(`${FX}/wrong`).map((f) => `fx/wrong/${f}`), ['fx/missing.yaml', 'fx/shadowlink.yaml']);
const SRC_INPUTS = inputs.filter((f) => !/\.(log|jsonl)$|kubeconfig|^fx\/(rules|suite|scenario|drill-|baseline|verdicts|survey|alerts|flows-decl|pods-bad|config-|pol-)/.test(f.replace(/^fx\//, 'fx/')));
const cases = [];
const add = (cmd, args, opts = {}) => cases.push({ cmd, args, n: cases.length, ...opts });
const srcCmds = {
  scan: (x) => ['scan', x, '--format', 'json'],
  'scan-table': (x) => ['scan', x],
  pss: (x) => ['pss', x, '--level', 'restricted'],
  audit: (x) => ['audit', x],
  'rbac-risks': (x) => ['rbac', 'risks', x],
  'rbac-can': (x) => ['rbac', 'can', 'ServiceAccount:a:b', 'list', 'secrets', x],
  'rbac-who-can': (x) => ['rbac', 'who-can', 'list', 'secrets', x, '-A'],
  'netpol-connlist': (x) => ['netpol', 'connlist', x],
  'netpol-coverage': (x) => ['netpol', 'coverage', x],
  'netpol-generate': (x) => ['netpol', 'generate', x],
  'netpol-reach': (x) => ['netpol', 'reach', 'a/p', 'a/q', x, '--port', '80'],
  'policy-test': (x) => ['policy', 'test', '--resources', x],
  report: (x) => ['report', x, '-o', '@OUT/r.html'],
  diff: (x) => ['diff', 'fx/chart-ok', x],
  'detect-cluster': (x) => ['detect', '--audit-log', 'fx/audit-secret.log', '--cluster', x],
  'drill-run': (x) => ['drill', 'run', 'trojan-chart', '--cluster', x],
  'rbac-diff': (x) => ['rbac', 'diff', x, '--audit-log', 'fx/audit-secret.log', '--subject', 'ServiceAccount:a:b'],
};
for (const [name, f] of Object.entries(srcCmds)) for (const x of SRC_INPUTS) add(name, f(x));
for (const x of SRC_INPUTS.filter((f) => !/tgz|chart|dir|missing|link/.test(f))) add('gate', ['gate'], { stdin: x });
for (const x of SRC_INPUTS.filter((f) => !/tgz|chart|dir|missing|link/.test(f))) add('scan-stdin', ['scan', '-'], { stdin: x });
// logs
const logs = ['fx/audit-garbage.log', 'fx/audit-truncated.log', 'fx/audit-secret.log', 'fx/audit-deep.log', 'fx/audit-hugeline.log', 'fx/dns-garbage.log', 'fx/binary.yaml', 'fx/empty.yaml', 'fx/missing.log', 'fx/emptydir', 'fx/deep.json', 'fx/flows-garbage.json'];
for (const l of logs) {
  add('detect-audit', ['detect', '--audit-log', l]);
  add('detect-audit-table', ['detect', '--audit-log', l, '--format', 'table', '--metrics', '@OUT/m.json']);
  add('detect-dns', ['detect', '--dns-log', l]);
  add('detect-flows', ['detect', '--flows', l]);
  add('detect-pods', ['detect', '--dns-log', 'fx/dns-garbage.log', '--pods', l]);
  add('rbac-generate', ['rbac', 'generate', '--audit-log', l, '--subject', 'ServiceAccount:a:b']);
  add('rbac-diff-log', ['rbac', 'diff', 'fx/chart-ok', '--audit-log', l, '--subject', 'ServiceAccount:a:b']);
  add('report-audit', ['report', 'fx/chart-ok', '--audit-log', l, '-o', '@OUT/r.md']);
  add('report-dns', ['report', 'fx/chart-ok', '--dns-log', l, '-o', '@OUT/r.json']);
  add('report-flows', ['report', 'fx/chart-ok', '--flows', l, '-o', '@OUT/r.html']);
  add('netpol-gen-flows', ['netpol', 'generate', 'fx/chart-ok', '--from-flows', l]);
  add('netpol-gen-dns', ['netpol', 'generate', 'fx/chart-ok', '--from-dns-log', l]);
  add('detect-triage', ['detect', 'triage', l, '--verdicts', 'fx/verdicts-weird.yaml']);
  add('drill-score', ['drill', 'score', '--alerts', l, '--started', '2024-01-01T00:00:00Z', '--remediated', '2024-01-01T01:00:00Z', '--pod', 'a/b']);
}
// file-typed options
const files = ['fx/missing.yaml', 'fx/emptydir', 'fx/empty.yaml', 'fx/binary.yaml', 'fx/bomb.yaml', 'fx/deep.yaml', 'fx/scalar.yaml', 'fx/list.yaml', 'fx/secret-err1.yaml', 'fx/secret-err8.yaml'];
const fileOpts = [
  ['scan-config', (f) => ['scan', 'fx/chart-ok', '--config', f]],
  ['scan-values', (f) => ['scan', 'fx/chart-ok', '-f', f]],
  ['scan-setfile', (f) => ['scan', 'fx/chart-ok', '--set-file', `x=${f}`]],
  ['scan-baseline', (f) => ['scan', 'fx/chart-ok', '--baseline', f]],
  ['detect-rules', (f) => ['detect', '--audit-log', 'fx/audit-secret.log', '--rules', f]],
  ['detect-falco', (f) => ['detect', '--audit-log', 'fx/audit-secret.log', '--falco-rules', f]],
  ['triage-verdicts', (f) => ['detect', 'triage', 'fx/alerts-bad.jsonl', '--verdicts', f]],
  ['netpol-from', (f) => ['netpol', 'generate', 'fx/chart-ok', '--from', f]],
  ['policy-test-pol', (f) => ['policy', 'test', '--resources', 'fx/chart-ok', '--policies', f]],
  ['policy-test-params', (f) => ['policy', 'test', '--resources', 'fx/chart-ok', '--params', f]],
  ['policy-test-ns', (f) => ['policy', 'test', '--resources', 'fx/chart-ok', '--namespaces', f]],
  ['policy-verify', (f) => ['policy', 'verify', f]],
  ['policy-export', (f) => ['policy', 'export', '--policies', f]],
  ['drill-run-scn', (f) => ['drill', 'run', f]],
  ['drill-run-pol', (f) => ['drill', 'run', 'trojan-chart', '--policies', f]],
  ['drill-run-rules', (f) => ['drill', 'run', 'trojan-chart', '--rules', f]],
  ['drill-run-config', (f) => ['drill', 'run', 'trojan-chart', '--config', f]],
  ['drill-tabletop', (f) => ['drill', 'tabletop', f]],
  ['drill-score-survey', (f) => ['drill', 'score', '--alerts', 'fx/empty.yaml', '--started', '2024-01-01T00:00:00Z', '--remediated', '2024-01-01T01:00:00Z', '--pod', 'a/b', '--survey', f]],
  ['drill-score-drill', (f) => ['drill', 'score', '--alerts', 'fx/empty.yaml', '--started', '2024-01-01T00:00:00Z', '--remediated', '2024-01-01T01:00:00Z', '--pod', 'a/b', '--drill', f]],
  ['report-drill', (f) => ['report', 'fx/chart-ok', '--drill', f, '-o', '@OUT/r.html']],
  ['report-verdicts', (f) => ['report', 'fx/chart-ok', '--audit-log', 'fx/audit-secret.log', '--verdicts', f, '-o', '@OUT/r.html']],
  ['kubeconfig', (f) => ['rbac', 'risks', '--kubeconfig', f]],
  ['audit-baseline', (f) => ['audit', 'fx/chart-ok', '--baseline', f]],
];
for (const [n, g] of fileOpts) for (const f of files) add(n, g(f));
for (const [n, g] of fileOpts) for (const f of ['fx/rules-bad.yaml', 'fx/rules-weird.yaml', 'fx/rules-weird2.yaml', 'fx/suite-bad.yaml', 'fx/suite-weird.yaml', 'fx/scenario-bad.yaml', 'fx/drill-bad.json', 'fx/baseline-bad.json', 'fx/baseline-garbage.json', 'fx/baseline-ok-empty.json', 'fx/verdicts-bad.yaml', 'fx/verdicts-weird.yaml', 'fx/survey-bad.yaml', 'fx/flows-decl-bad.yaml', 'fx/flows-decl-weird.yaml', 'fx/pods-bad.json', 'fx/kubeconfig-bad', 'fx/config-bad.yaml', 'fx/config-weird.yaml', 'fx/config-scalar.yaml', 'fx/pol-badcel.yaml', 'fx/pol-weird.yaml', 'fx/pol-loopcel.yaml', 'fx/pol-secretmsg.yaml']) add(n, g(f));
// kubeconfigs
for (const k of ['fx/kubeconfig-unreach', 'fx/kubeconfig-nocontext', 'fx/kubeconfig-exec', 'fx/kubeconfig-bad']) for (const c of [['scan'], ['audit'], ['rbac', 'risks'], ['rbac', 'can', 'User:x', 'get', 'pods'], ['report', '-o', '@OUT/r.html'], ['drill', 'run', 'trojan-chart'], ['rbac', 'generate', '--audit-log', 'fx/audit-secret.log', '--subject', 'User:x', '--cluster', 'fx/chart-ok']]) add('kubeconfig-' + c[0] + (c[1] ?? ''), [...c, '--kubeconfig', k, '--request-timeout', '3', '--cluster-timeout', '5']);
add('context-missing', ['scan', '--context', 'nope', '--kubeconfig', 'fx/kubeconfig-unreach']);
// flags
const flagCases = [
  ['scan', 'fx/chart-ok', '--format', 'xml'], ['scan', 'fx/chart-ok', '--fail-on', 'bogus'], ['pss', 'fx/chart-ok', '--level', 'bogus'], ['pss', 'fx/chart-ok'], ['pss', 'fx/chart-ok', '--level', 'baseline', '--version', 'v1.99x'], ['pss', 'fx/chart-ok', '--level', 'baseline', '--version', 'v1.99'], ['pss', 'fx/chart-ok', '--level', 'baseline', '--version', 'v2.0'],
  ['scan', 'fx/chart-ok', '--max-file-size', '-1'], ['scan', 'fx/chart-ok', '--max-file-size', 'abc'], ['scan', 'fx/chart-ok', '--max-file-size', '0'], ['scan', 'fx/chart-ok', '--max-file-size', 'NaN'], ['scan', 'fx/chart-ok', '--max-file-size', '1e400'], ['scan', 'fx/chart-ok', '--max-file-size', '0x10'],
  ['scan', 'fx/chart-ok', '--timeout', '0'], ['scan', 'fx/chart-ok', '--timeout', 'Infinity'], ['scan', 'fx/chart-ok', '--read-timeout', '-3'], ['scan', 'fx/chart-ok', '--max-render-memory', '1'],
  ['scan', 'fx/chart-ok', '-o', '/nonexistent/dir/x.json'], ['scan', 'fx/chart-ok', '-o', 'fx/emptydir'], ['scan', 'fx/chart-ok', '-o', ''], ['scan', 'fx/chart-ok', '--output', '/proc/version'],
  ['scan'], ['scan', ''], ['scan', 'fx/chart-ok', '--kube-version', 'banana'], ['scan', 'fx/chart-ok', '--kube-version', 'v1.99999999999999999999.0'], ['scan', 'fx/chart-ok', '--release', 'UPPER_bad!'], ['scan', 'fx/chart-ok', '--release', ''], ['scan', 'fx/chart-ok', '-n', 'Bad NS'], ['scan', 'fx/chart-ok', '-n', ''], ['scan', 'fx/chart-ok', '--set', 'noequals'], ['scan', 'fx/chart-ok', '--set', '=x'], ['scan', 'fx/chart-ok', '--set-file', 'x'], ['scan', 'fx/chart-ok', '--api-versions', '!!!'],
  ['scan', 'fx/chart-ok', '--config', 'fx/chart-ok/values.yaml', '--no-config'], ['scan', 'fx/chart-ok', '--context', 'x', '--kubeconfig', 'fx/missing'], ['scan', 'fx/scalar.yaml', '--repo', 'http://127.0.0.1:1'], ['scan', 'nonexistent/chart'], ['scan', 'oci://127.0.0.1:1/x'], ['scan', 'fx/chart-ok', '--repo', 'not a url'], ['scan', 'fx/chart-ok', '--chart-version', '1.0'],
  ['gate', '--format', 'xml'], ['gate', '--fail-on', 'bogus'], ['gate', 'extra-arg'], ['gate', '-o', '/nonexistent/x'],
  ['diff', 'fx/chart-ok'], ['diff', 'fx/chart-ok', 'fx/chart-ok', '--format', 'sarif'], ['diff', 'fx/missing', 'fx/chart-ok'], ['diff', '-', '-'],
  ['audit', '--builtin-roles', 'bogus', 'fx/chart-ok'], ['audit'], ['audit', 'fx/chart-ok', '--format', 'sarif'],
  ['rbac', 'can', 'bogus', 'get', 'pods', 'fx/chart-ok'], ['rbac', 'can', 'User:', 'get', 'pods', 'fx/chart-ok'], ['rbac', 'can', 'ServiceAccount:x', 'get', 'pods', 'fx/chart-ok'], ['rbac', 'can', 'User:x', '', 'pods', 'fx/chart-ok'], ['rbac', 'can', 'User:x', 'get', 'pods'], ['rbac', 'who-can', 'get', 'pods', 'fx/chart-ok', '-A', '-n', 'x'], ['rbac', 'who-can', 'get', '', 'fx/chart-ok'], ['rbac', 'who-can', 'get', 'pods/exec/extra', 'fx/chart-ok'],
  ['rbac', 'generate'], ['rbac', 'generate', '--audit-log', 'fx/audit-secret.log'], ['rbac', 'generate', '--audit-log', 'fx/audit-secret.log', '--subject', 'bogus'], ['rbac', 'generate', '--audit-log', 'fx/audit-secret.log', '--subject', 'User:x', '--since', 'yesterday'], ['rbac', 'generate', '--audit-log', 'fx/audit-secret.log', '--subject', 'User:x', '--since', '2025-01-01T00:00:00Z', '--until', '2024-01-01T00:00:00Z'], ['rbac', 'generate', '--audit-log', 'fx/audit-secret.log', '--subject', 'ServiceAccount:a:b', '--name', 'BAD NAME!'], ['rbac', 'generate', '--audit-log', 'fx/audit-secret.log', '--subject', 'ServiceAccount:a:b', '-o', '/nonexistent/x.yaml'],
  ['rbac', 'diff', 'fx/chart-ok'], ['rbac', 'diff', 'fx/chart-ok', '--audit-log', 'fx/audit-secret.log', '--subject', 'User:x', '--format', 'xml'],
  ['netpol', 'connlist'], ['netpol', 'connlist', 'fx/chart-ok', '--format', 'xml'], ['netpol', 'connlist', 'fx/chart-ok', '--host-network', 'bogus'], ['netpol', 'connlist', 'fx/chart-ok', '--node-traffic', 'bogus'], ['netpol', 'connlist', 'fx/chart-ok', '--node-traffic', 'policy'], ['netpol', 'connlist', 'fx/chart-ok', '--node-cidr', '999.0.0.0/8'],
  ['netpol', 'reach', 'x', 'y', 'fx/chart-ok'], ['netpol', 'reach', 'a/p', 'a/q', 'fx/chart-ok', '--port', '99999'], ['netpol', 'reach', 'a/p', 'a/q', 'fx/chart-ok', '--port', '-1'], ['netpol', 'reach', 'a/p', 'a/q', 'fx/chart-ok', '--protocol', 'ICMP'], ['netpol', 'reach', '999.1.1.1', 'a/q', 'fx/chart-ok'], ['netpol', 'reach', '0.0.0.0/0', '10.0.0.0/33', 'fx/chart-ok'],
  ['netpol', 'coverage', 'fx/chart-ok', '--cluster-dns', 'bogus'], ['netpol', 'coverage', 'fx/chart-ok', '--internal-cidr', 'x'], ['netpol', 'coverage', 'fx/chart-ok', '--fail-on', 'x'],
  ['netpol', 'generate', 'fx/chart-ok', '--cluster-domain', '..'], ['netpol', 'generate', 'fx/chart-ok', '--cluster-dns', 'a/b'], ['netpol', 'generate', 'fx/chart-ok', '-o', '/nonexistent/x'],
  ['policy', 'test'], ['policy', 'test', '--resources', 'fx/chart-ok', '--operation', 'BOGUS'], ['policy', 'test', '--resources', 'fx/chart-ok', '--format', 'xml'], ['policy', 'verify'], ['policy', 'export', '-o', '/nonexistent/x'],
  ['report', 'fx/chart-ok', '--format', 'pdf'], ['report', 'fx/chart-ok', '-o', 'x.pdf'], ['report', 'fx/chart-ok', '-o', '/nonexistent/x.html'], ['report', 'fx/chart-ok', '--history', 'fx/history-file', '-o', '@OUT/r.html'], ['report', 'fx/chart-ok', '--history', '@OUT/missing-folder/h', '-o', '@OUT/r.html'], ['report', 'fx/chart-ok', '--title', '\x1b[2J<script>alert(1)</script>', '-o', '@OUT/r.html'], ['report', '-o', '@OUT/r.html'],
  ['detect'], ['detect', '--audit-log', 'fx/audit-secret.log', '--format', 'xml'], ['detect', '--audit-log', 'fx/audit-secret.log', '--falco-rule-matching', 'x'], ['detect', '--audit-log', '-', '--dns-log', '-'], ['detect', '--audit-log', 'fx/audit-secret.log', '--metrics', '/nonexistent/m.json'], ['detect', '--audit-log', 'fx/audit-secret.log', '--cluster-domain', ''], ['detect', '--audit-log', 'fx/audit-secret.log', '--internal-zone', '...'], ['detect', '--audit-log', 'fx/audit-secret.log', '--follow', '--dns-log', 'fx/missing'],
  ['detect', 'triage'], ['detect', 'triage', 'fx/alerts-bad.jsonl'], ['detect', 'triage', 'fx/alerts-bad.jsonl', '--verdicts', 'fx/verdicts-weird.yaml', '--format', 'xml'],
  ['detect', 'serve'], ['detect', 'serve', '--insecure-http', '--listen', 'bogus'], ['detect', 'serve', '--insecure-http', '--listen', ':99999'], ['detect', 'serve', '--insecure-http', '--listen', '127.0.0.1:0', '--journal', '/nonexistent/j'], ['detect', 'serve', '--tls-cert', 'fx/empty.yaml', '--tls-key', 'fx/empty.yaml', '--journal', '@OUT/j'], ['detect', 'serve', '--insecure-http', '--journal', '@OUT/j2', '--sink', 'bogus:x'], ['detect', 'serve', '--insecure-http', '--journal', '@OUT/j3', '--max-body-bytes', '-5'], ['detect', 'serve', '--insecure-http', '--journal', '@OUT/j4', '--token-file', 'fx/missing'], ['detect', 'serve', '--insecure-http', '--journal', '@OUT/j5', '--sink', 'webhook:not a url'], ['detect', 'serve', '--insecure-http', '--journal', 'fx/emptydir'], ['detect', 'serve', '--insecure-http', '--journal', '@OUT/j6', '--rules', 'fx/rules-bad.yaml'], ['detect', 'serve', '--insecure-http', '--journal', '@OUT/j7', '--idle-timeout', 'x'], ['detect', 'serve', '--insecure-http', '--journal', '@OUT/j8', '--sink-header', 'nocolon'],
  ['webhook', 'serve'], ['webhook', 'serve', '--tls-cert', 'fx/missing', '--tls-key', 'fx/missing'], ['webhook', 'serve', '--tls-cert', 'fx/empty.yaml', '--tls-key', 'fx/empty.yaml'], ['webhook', 'serve', '--tls-cert', 'fx/secret.yaml', '--tls-key', 'fx/secret.yaml'], ['webhook', 'serve', '--tls-cert', 'fx/empty.yaml', '--tls-key', 'fx/empty.yaml', '--listen', 'x'], ['webhook', 'serve', '--tls-cert', 'fx/empty.yaml', '--tls-key', 'fx/empty.yaml', '--policies', 'fx/pol-badcel.yaml'], ['webhook', 'serve', '--tls-cert', 'fx/empty.yaml', '--tls-key', 'fx/empty.yaml', '--max-body-bytes', 'x'],
  ['drill', 'list', '--format', 'xml'], ['drill', 'run'], ['drill', 'run', 'nonexistent'], ['drill', 'run', '../../etc/passwd'], ['drill', 'run', 'trojan-chart', '--max-ttd', '-5'], ['drill', 'run', 'trojan-chart', '--fail-on', 'x'], ['drill', 'run', 'trojan-chart', '-n', 'BAD NS'], ['drill', 'run', 'trojan-chart', '-o', '/nonexistent/x'],
  ['drill', 'kit', 'trojan-chart'], ['drill', 'kit', 'trojan-chart', '--out', 'fx/chart-ok'], ['drill', 'kit', 'trojan-chart', '--out', '/nonexistent/a/b'], ['drill', 'kit', 'trojan-chart', '--out', '@OUT/kit1', '--queries', '-1'], ['drill', 'kit', 'trojan-chart', '--out', '@OUT/kit2', '--queries', '1e9'], ['drill', 'kit', 'trojan-chart', '--out', '@OUT/kit3', '--domain', '"; rm -rf /'], ['drill', 'kit', 'trojan-chart', '--out', 'fx/scalar.yaml'],
  ['drill', 'score'], ['drill', 'score', '--alerts', 'fx/empty.yaml'], ['drill', 'score', '--alerts', 'fx/empty.yaml', '--started', 'x', '--pod', 'a/b'], ['drill', 'score', '--alerts', 'fx/empty.yaml', '--alerts', 'fx/empty.yaml', '--started', '2024-01-01T00:00:00Z', '--remediated', '2024-01-01T01:00:00Z', '--pod', 'a/b'], ['drill', 'score', '--alerts', 'fx/empty.yaml', '--started', '2024-01-01T00:00:00Z', '--pod', 'bogus'], ['drill', 'score', '--alerts', 'fx/empty.yaml', '--started', '2024-01-01T00:00:00Z', '--kit', 'fx/emptydir'], ['drill', 'score', '--alerts', 'fx/empty.yaml', '--started', '2024-01-01T00:00:00Z', '--remediated', '2023-01-01T00:00:00Z', '--pod', 'a/b'],
  ['bogus-command'], ['--bogus'], ['help', 'bogus'], ['rbac'], ['rbac', 'bogus'], ['netpol'], ['policy'], ['drill'], ['webhook'],
];
for (const a of flagCases) add('flags:' + a.slice(0, 2).join(' '), a);
// secret canary through every format
for (const fmt of ['table', 'json', 'sarif', 'junit', 'markdown']) { add('leak-scan-' + fmt, ['scan', 'fx/secret.yaml', '--format', fmt]); add('leak-scan-o-' + fmt, ['scan', 'fx/secret.yaml', '--format', fmt, '-o', `@OUT/leak.${fmt}`], { readOut: `@OUT/leak.${fmt}` }); add('leak-gate-' + fmt, ['gate', '--format', fmt], { stdin: 'fx/secret.yaml', stdoutIsPassthrough: true }); }
for (const fmt of ['table', 'json', 'markdown']) { add('leak-audit-' + fmt, ['audit', 'fx/secret.yaml', '--format', fmt]); add('leak-diff-' + fmt, ['diff', 'fx/chart-ok', 'fx/secret.yaml', '--format', fmt]); add('leak-diff2-' + fmt, ['diff', 'fx/secret.yaml', 'fx/secret-wrongtype2.yaml', '--format', fmt]); add('leak-rbac-risks-' + fmt, ['rbac', 'risks', 'fx/secret.yaml', '--format', fmt]); add('leak-netpol-cov-' + fmt, ['netpol', 'coverage', 'fx/secret.yaml', '--format', fmt]); add('leak-policy-test-' + fmt, ['policy', 'test', '--resources', 'fx/secret.yaml', '--format', fmt]); add('leak-policy-test2-' + fmt, ['policy', 'test', '--resources', 'fx/secret.yaml', '--policies', 'fx/pol-secretmsg.yaml', '--format', fmt]); }
for (const fmt of ['html', 'markdown', 'json']) add('leak-report-' + fmt, ['report', 'fx/secret.yaml', '--audit-log', 'fx/audit-secret.log', '--dns-log', 'fx/dns-garbage.log', '--format', fmt, '-o', `@OUT/leak-r.${fmt}`], { readOut: `@OUT/leak-r.${fmt}` });
for (const fmt of ['json', 'table']) { add('leak-detect-' + fmt, ['detect', '--audit-log', 'fx/audit-secret.log', '--dns-log', 'fx/dns-garbage.log', '--format', fmt, '--metrics', `@OUT/leak-m-${fmt}.json`], { readOut: `@OUT/leak-m-${fmt}.json`, dnsCanaryOk: true }); }
for (const fmt of ['table', 'json']) add('leak-pss-' + fmt, ['pss', 'fx/secret.yaml', '--level', 'restricted', '--format', fmt]);
for (const fmt of ['txt', 'json', 'csv', 'md', 'dot']) add('leak-connlist-' + fmt, ['netpol', 'connlist', 'fx/secret.yaml', '--format', fmt]);
add('leak-netpol-generate', ['netpol', 'generate', 'fx/secret.yaml']);
add('leak-rbac-gen', ['rbac', 'generate', '--audit-log', 'fx/audit-secret.log', '--subject', 'ServiceAccount:a:b']);
add('leak-rbac-diff', ['rbac', 'diff', 'fx/secret.yaml', '--audit-log', 'fx/audit-secret.log', '--subject', 'ServiceAccount:a:b', '--format', 'json']);
add('leak-drill-run', ['drill', 'run', 'trojan-chart', '--cluster', 'fx/secret.yaml', '--format', 'json']);
add('leak-drill-tabletop', ['drill', 'tabletop', 'trojan-chart', '--cluster', 'fx/secret.yaml']);
for (const f of ['fx/secret-wrongtype.yaml', 'fx/secret-wrongtype2.yaml']) for (const fmt of ['table', 'json', 'sarif', 'markdown']) add('leak-wrongtype-' + fmt, ['scan', f, '--format', fmt]);
add('leak-chart-secretfail', ['scan', 'fx/chart-secretfail']); add('leak-chart-badyaml', ['scan', 'fx/chart-badyaml']); add('leak-chart-badvalues', ['scan', 'fx/chart-ok', '-f', 'fx/chart-ok/values-bad.yaml']);
add('leak-kubeconfig-unreach', ['audit', '--kubeconfig', 'fx/kubeconfig-unreach', '--request-timeout', '2', '--cluster-timeout', '3']);
for (let i = 1; i <= 12; i++) { const f = fs.readdirSync(FX).find((x) => x.startsWith(`secret-err${i}.`)); for (const c of [['scan'], ['audit'], ['pss', '--level', 'baseline'], ['netpol', 'connlist'], ['rbac', 'risks'], ['policy', 'test', '--resources'], ['report', '-o', '@OUT/e.html'], ['detect', '--audit-log', 'fx/empty.yaml', '--cluster']]) add('leak-err-' + c[0], [...c, `fx/${f}`]); add('leak-err-gate', ['gate'], { stdin: `fx/${f}` }); add('leak-err-scan-stdin', ['scan', '-'], { stdin: `fx/${f}` }); add('leak-err-diff', ['diff', 'fx/chart-ok', `fx/${f}`]); add('leak-err-config', ['scan', 'fx/chart-ok', '--config', `fx/${f}`]); add('leak-err-values', ['scan', 'fx/chart-ok', '-f', `fx/${f}`]); add('leak-err-rules', ['detect', '--audit-log', 'fx/empty.yaml', '--rules', `fx/${f}`]); add('leak-err-pol', ['policy', 'test', '--resources', 'fx/chart-ok', '--policies', `fx/${f}`]); add('leak-err-suite', ['policy', 'verify', `fx/${f}`]); add('leak-err-kubeconfig', ['audit', '--kubeconfig', `fx/${f}`]); add('leak-err-verdicts', ['detect', 'triage', 'fx/empty.yaml', '--verdicts', `fx/${f}`]); add('leak-err-from', ['netpol', 'generate', 'fx/chart-ok', '--from', `fx/${f}`]); add('leak-err-pods', ['detect', '--dns-log', 'fx/dns-garbage.log', '--pods', `fx/${f}`]); add('leak-err-survey', ['drill', 'score', '--alerts', 'fx/empty.yaml', '--started', '2024-01-01T00:00:00Z', '--remediated', '2024-01-01T01:00:00Z', '--pod', 'a/b', '--survey', `fx/${f}`]); add('leak-err-scenario', ['drill', 'run', `fx/${f}`]); add('leak-err-baseline', ['scan', 'fx/chart-ok', '--baseline', `fx/${f}`]); add('leak-err-drillres', ['report', 'fx/chart-ok', '--drill', `fx/${f}`, '-o', '@OUT/e2.html']); }

add('trojan-self-suppressed', ['scan', 'fx/trojan-annotated', '-n', 'checkout'], { expectCode: 1 });
add('trojan-self-suppressed-gate', ['scan', 'fx/trojan-annotated', '--format', 'json', '--fail-on', 'critical'], { expectCode: 1 });
add('leak-chart-default-pw', ['scan', 'fx/chart-pw']);
// session 8: pod-spec fields of the wrong type, a render past --max-render-objects, --config with --no-config,
// --history in a missing folder, the annotation switch
for (const c of [['scan'], ['audit'], ['pss', '--level', 'baseline'], ['report', '-o', '@OUT/w.html']]) add('wrong-podspec-' + c[0], [...c, 'fx/wrong/containers-5.yaml', 'fx/wrong/containers-items.yaml', 'fx/wrong/container-fields.yaml', 'fx/wrong/secctx-weird.yaml', 'fx/wrong/template-str.yaml']);
for (const c of [['scan'], ['audit'], ['pss', '--level', 'baseline'], ['netpol', 'connlist'], ['report', '-o', '@OUT/b.html']]) add('render-objects-' + c[0], [...c, 'fx/chart-bigout'], { expectCode: 2 });
add('render-objects-gate', ['gate', '--max-render-objects', '3'], { stdin: 'fx/many.yaml', expectCode: 2 });
for (const c of [['scan', 'fx/chart-ok'], ['gate'], ['audit', 'fx/chart-ok'], ['report', 'fx/chart-ok', '-o', '@OUT/c.html'], ['drill', 'run', 'trojan-chart'], ['netpol', 'coverage', 'fx/chart-ok']]) add('config-conflict-' + c[0], [...c, '--config', 'fx/config-bad.yaml', '--no-config'], { expectCode: 2 });
add('history-missing-parent', ['report', 'fx/chart-ok', '--history', '@OUT/missing/deeper/h', '-o', '@OUT/h.html'], { expectCode: 2 });
add('trojan-no-annotation-suppressions', ['scan', 'fx/trojan-annotated', '-n', 'checkout', '--no-annotation-suppressions', '--format', 'json'], { expectCode: 1 });
// outputs that fail or are not files, a reader that closes stdout early, interrupts during a render
const OUTPUT_COMMANDS = [['scan', 'fx/many.yaml'], ['audit', 'fx/many.yaml'], ['rbac', 'risks', 'fx/many.yaml'], ['pss', 'fx/many.yaml', '--level', 'restricted'], ['netpol', 'connlist', 'fx/many.yaml'], ['netpol', 'coverage', 'fx/many.yaml'], ['netpol', 'generate', 'fx/many.yaml'], ['policy', 'test', '--resources', 'fx/many.yaml'], ['policy', 'export'], ['report', 'fx/many.yaml', '--format', 'json'], ['diff', 'fx/chart-ok', 'fx/many.yaml'], ['drill', 'run', 'trojan-chart'], ['drill', 'tabletop', 'trojan-chart'], ['rbac', 'generate', '--audit-log', 'fx/audit-secret.log', '--subject', 'ServiceAccount:a:b'], ['rbac', 'diff', 'fx/many.yaml', '--audit-log', 'fx/audit-secret.log', '--subject', 'ServiceAccount:a:b']];
for (const c of OUTPUT_COMMANDS) {
  const name = c.slice(0, 2).join('-');
  add('out-full-' + name, [...c, '-o', '/dev/full'], { expectCode: 2 });
  add('out-null-' + name, [...c, '-o', '/dev/null'], { devicesIntact: true });
  add('out-dir-' + name, [...c, '-o', 'fx/emptydir'], { expectCode: 2 });
  add('out-fifo-' + name, [...c, '-o', '@OUT/fifo'], { fifo: '@OUT/fifo', expectCode: 2 });
  add('out-readonly-' + name, [...c, '-o', '/proc/version'], { expectCode: 2 });
  add('epipe-' + name, c[0] === 'report' ? [...c, '-o', '-'] : c, { closeStdout: true });
}
for (const c of [['detect', '--audit-log', 'fx/many-alerts.log'], ['detect', '--audit-log', 'fx/many-alerts.log', '--format', 'table'], ['policy', 'export'], ['rbac', 'who-can', 'list', 'secrets', 'fx/many.yaml', '-A'], ['netpol', 'connlist', 'fx/many.yaml', '--format', 'json']]) add('epipe-' + c.slice(0, 2).join('-'), c, { closeStdout: true });
for (const [signal, c] of [['SIGINT', ['scan', 'fx/chart-loop']], ['SIGTERM', ['audit', 'fx/chart-loop']], ['SIGINT', ['report', 'fx/chart-loop', '-o', '@OUT/s.html']], ['SIGTERM', ['diff', 'fx/chart-ok', 'fx/chart-loop']], ['SIGHUP', ['pss', 'fx/chart-loop', '--level', 'baseline']], ['SIGINT', ['drill', 'run', 'trojan-chart', '--cluster', 'fx/chart-loop']]]) add(`signal-${signal}-${c[0]}`, c, { signal });
fs.rmSync(OUT, { recursive: true, force: true }); fs.mkdirSync(OUT, { recursive: true });
const sel = cases.filter((c) => !filter || filter.test(c.cmd + ' ' + c.args.join(' ')));
let idx = 0; const results = [];
const TIMEOUT = Number(process.env.TIMEOUT ?? 90_000);
async function run(c) {
  const caseOut = `${OUT}/c${c.n}`; fs.mkdirSync(caseOut, { recursive: true }); const args = c.args.map((a) => a.replace('@OUT', caseOut));
  const outs = args.filter((a, i) => args[i - 1] === '-o' || args[i - 1] === '--output' || args[i - 1] === '--metrics' || args[i - 1] === '--out').filter((a) => a.startsWith(OUT));
  for (const o of outs) fs.rmSync(o, { recursive: true, force: true });
  const t0 = Date.now();
  // each run its own TMPDIR, which must be empty again when it ends, however it ends
  const tmp = `${caseOut}/tmp`; fs.mkdirSync(tmp, { recursive: true });
  if (c.fifo) { const fifo = c.fifo.replace('@OUT', caseOut); fs.rmSync(fifo, { force: true }); spawnSync('mkfifo', [fifo]); }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '/nonexistent-kubeconfig', TMPDIR: tmp }, stdio: ['pipe', 'pipe', 'pipe'] });
    let so = '', se = ''; let killed = false; let peak = 0; let signalled = false; const helpers = new Set();
    child.stdout.on('data', (d) => { if (c.closeStdout) { so += d; child.stdout.destroy(); return; } if (so.length < 50e6) so += d; }); child.stderr.on('data', (d) => { if (se.length < 1e6) se += d; });
    // the signal is sent once kubeward has started a tool (helm), a state, never a delay
    const watch = c.signal ? setInterval(() => { let kids = []; try { kids = fs.readdirSync(`/proc/${child.pid}/task`).flatMap((t) => fs.readFileSync(`/proc/${child.pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)); } catch {} for (const k of kids) helpers.add(k); if (kids.length && !signalled) { signalled = true; child.kill(c.signal); } }, 50) : undefined;
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, /serve/.test(args.join(' ')) ? 8000 : TIMEOUT);
    const mem = setInterval(() => { try { const s = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'); const m = /VmRSS:\s+(\d+)/.exec(s); if (m) peak = Math.max(peak, +m[1]); } catch {} }, 200);
    child.stdin.on('error', () => {}); if (c.stdin) fs.createReadStream(path.join(ROOT, c.stdin)).on('error', () => child.stdin.end()).pipe(child.stdin); else child.stdin.end();
    child.on('close', (code, sig) => {
      clearTimeout(timer); clearInterval(mem); clearInterval(watch);
      let outText = ''; for (const o of [...outs, ...(c.readOut ? [c.readOut.replace('@OUT', caseOut)] : [])]) { try { const st = fs.statSync(o); if (st.isFile()) outText += fs.readFileSync(o, 'utf8'); else outText += fs.readdirSync(o, { recursive: true }).map((f) => { try { return fs.readFileSync(path.join(o, f), 'utf8'); } catch { return ''; } }).join(''); } catch {} }
      const lines = se.split('\n').filter(Boolean);
      const issues = [];
      if (killed) issues.push(/serve/.test(args.join(' ')) ? 'STILL-RUNNING' : 'TIMEOUT');
      if (sig && !killed && !(c.signal && sig === c.signal)) issues.push('SIGNAL ' + sig);
      if (c.signal && !signalled) issues.push('NO-TOOL-STARTED');
      if (c.signal && signalled && sig !== c.signal) issues.push(`ENDED ${code ?? sig}, NOT BY ${c.signal}`);
      const running = () => [...helpers].filter((pid) => { try { return !/^[ZX]$/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0]); } catch { return false; } });
      // a SIGKILL is delivered, not awaited: give the tools up to 2 s to be gone
      let alive = running(); for (let i = 0; alive.length && i < 40; i++) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50); alive = running(); }
      if (alive.length) { issues.push("TOOL-LEFT-RUNNING:" + alive.map((pid) => { try { return pid + " " + fs.readFileSync(`/proc/${pid}/stat`, "utf8").slice(0, 80) + " " + fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").slice(0, 120); } catch { return pid; } }).join("; ")); for (const pid of alive) try { process.kill(Number(pid), 'SIGKILL'); } catch {} }
      const left = fs.existsSync(tmp) ? fs.readdirSync(tmp) : [];
      if (left.length) issues.push('TMPDIR-LEFT:' + left.slice(0, 3).join(','));
      if (c.closeStdout && code !== 141 && code !== 0 && code !== 1) issues.push(`EPIPE-EXIT${code ?? sig}`);
      if (c.closeStdout && (/EPIPE/.test(se) || lines.some((l) => l.startsWith('kubeward: ') && !l.startsWith('kubeward: warning: ')))) issues.push('EPIPE-MESSAGE');
      if (c.devicesIntact && !(fs.statSync('/dev/null').isCharacterDevice() && fs.statSync('/dev/full').isCharacterDevice())) issues.push('DEVICE-REPLACED');
      if (c.fifo && !fs.statSync(c.fifo.replace('@OUT', caseOut)).isFIFO()) issues.push('FIFO-REPLACED');
      if (/\n\s+at .*\(|node:internal|^\s+at /m.test(se)) issues.push('STACK');
      if (/internal error/.test(se)) issues.push('INTERNAL');
      if (code === 2 && lines.length !== 1) issues.push(`ERRLINES=${lines.length}`);
      if (code === 2 && lines.length && !lines.every((l) => l.startsWith('kubeward: '))) issues.push('ERRSHAPE');
      if (code === 2 && outs.some((o) => fs.existsSync(o) && fs.statSync(o).isFile())) issues.push('PARTIAL-OUTPUT');
      const leakText = (c.stdoutIsPassthrough || args[0] === 'gate' ? '' : so) + se + outText;
      let leak = leaks(c.dnsCanaryOk ? leakText.replace(new RegExp(CANARY.toLowerCase() + '\\.evil', 'g'), '') : leakText);
      if (leak) issues.push('LEAK:' + leak);
      if (code !== 0 && code !== 1 && code !== 2 && !killed && !(c.closeStdout && code === 141) && !(c.signal && code === null)) issues.push('CODE' + code);
      if (c.expectCode !== undefined && code !== c.expectCode) issues.push(`EXIT${code}!=${c.expectCode}`);
      if (peak > 1_500_000) issues.push(`RSS=${Math.round(peak / 1024)}MB`);
      resolve({ cmd: c.cmd, args: c.args.join(' ').slice(0, 160), stdin: c.stdin, code, ms: Date.now() - t0, issues, err: lines.slice(0, 3).map((l) => l.slice(0, 300)), nlines: lines.length });
    });
  });
}
const CONC = Number(process.env.CONC ?? 3);
await Promise.all(Array.from({ length: CONC }, async () => { while (idx < sel.length) { const c = sel[idx++]; const r = await run(c); results.push(r); if (r.issues.length) console.log(`${r.issues.join(',')}\t${r.code}\t${r.cmd}\t${r.args}${r.stdin ? ' < ' + r.stdin : ''}\t${r.err[0] ?? ''}`); } }));
fs.writeFileSync(process.env.RESULTS ?? path.join(ROOT, 'results.json'), JSON.stringify(results, null, 1));
console.log(`ran ${results.length}; with issues ${results.filter((r) => r.issues.length).length}`);
