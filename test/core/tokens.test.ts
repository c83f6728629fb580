import { describe, expect, it } from 'vitest';
import { isHelmHook, isHelmTestHook, helmHooksOf, selfDeletingPolicies } from '../../src/core/hooks.js';
import { mainContainerOf, tokenHolders, TOKEN_MOUNT_PATH } from '../../src/core/tokens.js';
import { inventoryFromText } from '../../src/load/sources.js';

/** Token holders of the first workload of a YAML stream, as `container: kind(account)@where` strings. */
function holders(yaml: string): string[] {
  const { inventory } = inventoryFromText(yaml);
  const workload = inventory.objects.find((object) => ['Pod', 'Deployment', 'DaemonSet', 'Job'].includes(object.kind))!;
  return tokenHolders(workload, inventory).flatMap(({ ref, tokens }) =>
    tokens.map((token) => `${ref.container.name}: ${token.kind}(${token.serviceAccount ?? token.hostCredentials})@${token.where}${token.apiServer ? '' : ' not-api'}`),
  );
}

const pod = (spec: string, extra = '') => `${extra}apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n${spec}`;

describe('tokenHolders', () => {
  it.each([
    ['automount by default: every init container, native sidecar and container, not ephemeral ones', pod(`  serviceAccountName: app
  initContainers: [{name: init, image: i}, {name: side, image: i, restartPolicy: Always}]
  containers: [{name: main, image: i}]
  ephemeralContainers: [{name: debug, image: i}]
`), ['init: automount(app)@' + TOKEN_MOUNT_PATH, 'side: automount(app)@' + TOKEN_MOUNT_PATH, 'main: automount(app)@' + TOKEN_MOUNT_PATH]],
    ['the pod turns automount off', pod(`  automountServiceAccountToken: false
  containers: [{name: main, image: i}]
`), []],
    ['the ServiceAccount turns it off', pod(`  serviceAccountName: quiet
  containers: [{name: main, image: i}]
`, 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet, namespace: shop}\nautomountServiceAccountToken: false\n---\n'), []],
    ['the pod turns it back on over the ServiceAccount', pod(`  serviceAccountName: quiet
  automountServiceAccountToken: true
  containers: [{name: main, image: i}]
`, 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet, namespace: shop}\nautomountServiceAccountToken: false\n---\n'), ['main: automount(quiet)@' + TOKEN_MOUNT_PATH]],
    ['a container that mounts something at the token path does not get the token', pod(`  containers:
  - {name: main, image: i, volumeMounts: [{name: empty, mountPath: /var/run/secrets/kubernetes.io/serviceaccount/}]}
  - {name: other, image: i}
  volumes: [{name: empty, emptyDir: {}}]
`), ['other: automount(default)@' + TOKEN_MOUNT_PATH]],
    ['a projected token despite automount off, only where it is mounted; another audience is not for the API server', pod(`  serviceAccountName: tracing
  automountServiceAccountToken: false
  initContainers:
  - {name: collector, image: i, restartPolicy: Always, volumeMounts: [{name: api, mountPath: /var/run/tok}]}
  containers:
  - {name: agent, image: i, volumeMounts: [{name: vault, mountPath: /vault}]}
  volumes:
  - name: api
    projected: {sources: [{serviceAccountToken: {path: token, expirationSeconds: 3600}}]}
  - name: vault
    projected: {sources: [{serviceAccountToken: {path: token, audience: vault}}]}
`), ['collector: projected(tracing)@/var/run/tok', 'agent: projected(tracing)@/vault not-api']],
    ['a token Secret of another account, mounted, projected and read into env; ordinary Secrets are not tokens', `apiVersion: v1
kind: Secret
metadata: {name: admin-token, namespace: shop, annotations: {kubernetes.io/service-account.name: admin}}
type: kubernetes.io/service-account-token
---
apiVersion: v1
kind: Secret
metadata: {name: plain, namespace: shop}
type: Opaque
---
${pod(`  automountServiceAccountToken: false
  containers:
  - name: a
    image: i
    volumeMounts: [{name: tok, mountPath: /tok}, {name: plain, mountPath: /plain}, {name: both, mountPath: /both}]
    env:
    - {name: TOKEN, valueFrom: {secretKeyRef: {name: admin-token, key: token}}}
    - {name: CA, valueFrom: {secretKeyRef: {name: admin-token, key: ca.crt}}}
    envFrom: [{secretRef: {name: admin-token}, prefix: SA_}]
  volumes:
  - {name: tok, secret: {secretName: admin-token}}
  - {name: plain, secret: {secretName: plain}}
  - {name: both, projected: {sources: [{secret: {name: admin-token}}]}}
`)}`, ['a: secret(admin)@/tok', 'a: secret(admin)@/both', 'a: secret(admin)@env TOKEN', 'a: secret(admin)@env SA_token']],
    ['hostPath over the kubelet pod directory or node credentials, at or above them; other host paths are not tokens', pod(`  automountServiceAccountToken: false
  containers:
  - name: a
    image: i
    volumeMounts: [{name: root, mountPath: /host}, {name: kubelet, mountPath: /k}, {name: pki, mountPath: /pki}, {name: logs, mountPath: /logs}, {name: varlib, mountPath: /vl}]
  volumes:
  - {name: root, hostPath: {path: /}}
  - {name: kubelet, hostPath: {path: /var/lib/kubelet/}}
  - {name: pki, hostPath: {path: /etc/kubernetes}}
  - {name: logs, hostPath: {path: /var/log}}
  - {name: varlib, hostPath: {path: /var/lib/docker}}
`), ['a: host-path(pod-tokens)@/host', 'a: host-path(pod-tokens)@/k', 'a: host-path(node-credentials)@/pki']],
    ['a subPath narrows a host path: the node\'s / with subPath var/log is no credential, with var/lib/kubelet it is', pod(`  automountServiceAccountToken: false
  containers:
  - name: a
    image: i
    volumeMounts: [{name: root, mountPath: /logs, subPath: var/log}, {name: root, mountPath: /k, subPath: var/lib/kubelet}, {name: root, mountPath: /x, subPathExpr: $(DIR)}]
  volumes:
  - {name: root, hostPath: {path: /}}
`), ['a: host-path(pod-tokens)@/k', 'a: host-path(pod-tokens)@/x']],
  ])('%s', (_name, yaml, expected) => {
    expect(holders(yaml)).toEqual(expected);
  });

  it('says where inside the container a host path holds the credentials', () => {
    const { inventory } = inventoryFromText(
      pod(`  automountServiceAccountToken: false
  containers:
  - name: a
    image: i
    volumeMounts: [{name: root, mountPath: /host/root}, {name: kubelet, mountPath: /k/}, {name: sub, mountPath: /s, subPath: lib}]
  volumes:
  - {name: root, hostPath: {path: /}}
  - {name: kubelet, hostPath: {path: /var/lib/kubelet}}
  - {name: sub, hostPath: {path: /var}}
`),
    );
    const [holder] = tokenHolders(inventory.objects[0], inventory);
    expect(holder.tokens.map((token) => token.credentialsAt)).toEqual([
      ['/host/root/var/lib/kubelet/pods', '/host/root/var/lib/kubelet/pki', '/host/root/etc/kubernetes'],
      ['/k/pods', '/k/pki'],
      ['/s/kubelet/pods', '/s/kubelet/pki'],
    ]);
  });

  it('points each token at the field that gives it', () => {
    const { inventory } = inventoryFromText(
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: a, image: i, volumeMounts: [{name: t, mountPath: /t}]}]
      volumes: [{name: t, projected: {sources: [{serviceAccountToken: {path: token}}]}}]
`,
    );
    const [holder] = tokenHolders(inventory.objects[0], inventory);
    expect(holder.tokens.map((token) => token.path.join('.'))).toEqual(['spec.template.spec', 'spec.template.spec.containers.0.volumeMounts.0']);
  });
});

describe('mainContainerOf', () => {
  const deployment = (name: string, containers: string[], extra = '') =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app.kubernetes.io/name: web}${extra}}\n    spec:\n      initContainers: [{name: init, image: i}]\n      containers: [${containers.map((container) => `{name: ${container}, image: i}`).join(', ')}]\n`;
  it.each([
    ['the only regular container (never an init container)', deployment('x', ['solo']), 'solo'],
    ['kubectl.kubernetes.io/default-container', deployment('x', ['a', 'b'], ', annotations: {kubectl.kubernetes.io/default-container: b}'), 'b'],
    ['named like the workload', deployment('api', ['proxy', 'api']), 'api'],
    ['named like app.kubernetes.io/name', deployment('x', ['proxy', 'web']), 'web'],
    ['the workload name ends with it (release-chart-agent)', deployment('tracing-fast-trace-agent', ['helper', 'agent']), 'agent'],
    ['else the first', deployment('x', ['first', 'second']), 'first'],
  ])('%s', (_name, yaml, expected) => {
    const { inventory } = inventoryFromText(yaml);
    expect(mainContainerOf(inventory.objects[0])?.container.name).toBe(expected);
  });
});

describe('helm hooks', () => {
  const object = (annotations: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', annotations } });
  it.each([
    [{}, [], false, false, []],
    [{ 'helm.sh/hook': 'pre-install, pre-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' }, ['pre-install', 'pre-upgrade'], true, false, ['hook-succeeded']],
    [{ 'helm.sh/hook': 'test' }, ['test'], true, true, []],
    [{ 'helm.sh/hook': 'test-success', 'helm.sh/hook-delete-policy': 'hook-failed' }, ['test-success'], true, true, ['hook-failed']],
    [{ 'helm.sh/hook-delete-policy': 'hook-succeeded' }, [], false, false, []],
  ])('%j', (annotations, hooks, hook, test, policies) => {
    const value = object(annotations);
    expect(helmHooksOf(value)).toEqual(hooks);
    expect(isHelmHook(value)).toBe(hook);
    expect(isHelmTestHook(value)).toBe(test);
    expect(selfDeletingPolicies(value)).toEqual(policies);
  });
});
