import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/detect/audit.js';
import { condition, globToRegExp, parseCondition, pathMatches, type CompileContext } from '../../src/detect/condition.js';
import { FIELD_TABLES } from '../../src/detect/fields.js';
import { compileTemplate } from '../../src/detect/output.js';

/** The condition language, operator by operator, against one audit event. */
const raw = {
  kind: 'Event',
  auditID: 'a-1',
  stage: 'ResponseComplete',
  verb: 'create',
  requestURI: '/api/v1/namespaces/default/pods/web-1/exec?command=sh&command=-c&container=app',
  user: { username: 'system:serviceaccount:tracing:agent', groups: ['system:serviceaccounts', 'system:authenticated'], extra: { 'authentication.kubernetes.io/pod-name': ['agent-7d4b9'] } },
  objectRef: { resource: 'pods', namespace: 'default', name: 'web-1', subresource: 'exec' },
  responseStatus: { code: 101 },
  annotations: { 'authorization.k8s.io/decision': 'allow', 'a/b~c': 'x' },
  requestObject: { spec: { containers: [{ image: 'nginx:1.25', securityContext: { privileged: true } }, { image: 'registry.example.com/side@sha256:abc' }], volumes: [{ name: 'etc', hostPath: { path: '/etc/kubernetes' } }] } },
  stageTimestamp: '2026-03-01T10:00:00.123456Z',
};
const event: AuditEvent = { source: 'audit', raw, auditID: 'a-1', stage: 'ResponseComplete', time: Date.parse(raw.stageTimestamp), timeText: raw.stageTimestamp, id: 'a-1' };

const context: CompileContext = {
  fields: FIELD_TABLES.audit,
  lists: new Map([
    ['verbs_that_write', ['create', 'update', 'patch']],
    ['trusted', ['nginx']],
  ]),
  macros: { get: (name) => (name === 'is_exec' ? parseCondition('ka.target.subresource in (exec, attach)') : name === 'loop' ? parseCondition('loop') : undefined) },
};
const check = (text: string) => condition(text, context)(event);

describe('condition language', () => {
  it.each([
    ['ka.verb=create', true],
    ['ka.verb==create', true],
    ['ka.verb!=create', false],
    ['ka.verb in (get, list)', false],
    ['ka.verb in (verbs_that_write)', true],
    ['ka.user.name startswith system:serviceaccount:', true],
    ['ka.user.name endswith ":agent"', true],
    ['ka.uri contains "command=sh"', true],
    ['ka.uri icontains "COMMAND=SH"', true],
    ['ka.uri bcontains 636f6d6d616e64', true],
    ['ka.verb bstartswith 0x6372', true],
    ['ka.target.subresource exists', true],
    ['ka.impuser.name exists', false],
    ['not ka.impuser.name exists', true],
    ['ka.impuser.name != x', false],
    ['ka.user.name glob "system:serviceaccount:*:agent"', true],
    ['ka.user.name iglob "SYSTEM:*"', true],
    ['ka.user.name regex "system:serviceaccount:[a-z]+:agent"', true],
    ['ka.user.name regex "serviceaccount"', false],
    ['ka.req.pod.volumes.hostpath pmatch (/etc)', true],
    ['ka.req.pod.volumes.hostpath pmatch (/et)', false],
    ['ka.user.groups intersects (system:authenticated, x)', true],
    ['ka.user.groups in (system:authenticated, x)', false],
    ['ka.user.groups in (system:authenticated, system:serviceaccounts)', true],
    ['ka.req.pod.containers.image.repository in (nginx, registry.example.com/side)', true],
    ['ka.req.pod.containers.image.repository intersects (trusted)', true],
    ['ka.req.pod.containers.privileged intersects (true)', true],
    ['ka.response.code startswith 1', true],
    ['ka.response.code < 2', true],
    ['ka.uri.param[command] = sh', true],
    ['ka.uri.param[container] = app', true],
    ['ka.uri.param[missing] exists', false],
    ['jevt.value[/annotations/authorization.k8s.io~1decision] = allow', true],
    ['jevt.value[/annotations/a~1b~0c] = x', true],
    ['jevt.value[/requestObject/spec/containers/1/image] endswith abc', true],
    ['jevt.value[/requestObject/spec/containers/2] exists', false],
    ['ka.user.sa.namespace = tracing and ka.user.sa.name = agent', true],
    ['ka.user.pod.name = agent-7d4b9', true],
    ['ka.target.namespace != val(ka.user.sa.namespace)', true],
    ['ka.target.namespace = val(ka.user.sa.namespace)', false],
    ['toupper(ka.verb) = CREATE', true],
    ['len(ka.user.groups) = 2', true],
    ['is_exec and (ka.verb=get or ka.verb=create)', true],
    ['not is_exec or ka.verb=get', false],
    ['not not is_exec', true],
    ['ka.verb=get or ka.verb=list or ka.verb=create and ka.target.resource=pods', true],
    ['(ka.verb=get or ka.verb=list or ka.verb=create) and ka.target.resource=secrets', false],
  ])('%s → %s', (text, expected) => {
    expect(check(text)).toBe(expected);
  });

  it.each([
    ['ka.nope = 1', /unknown field ka.nope/],
    ['ka.verb = ', /expected a value/],
    ['ka.verb in get', /needs a list/],
    ['(ka.verb = get', /missing '\)'/],
    ['ka.uri.param exists', /needs an argument/],
    ['undefined_macro', /undefined macro/],
    ['loop', /refers to itself/],
    ['ka.verb = "open', /unterminated string/],
    ['ka.user.name regex "("', /invalid regex/],
  ])('%s is rejected', (text, message) => {
    expect(() => check(text)).toThrow(message);
  });

  it('reads glob and pmatch as fnmatch and Falco do', () => {
    expect(globToRegExp('a*b?[cd]').test('axxbzc')).toBe(true);
    expect(globToRegExp('a*b?[!cd]').test('axxbzc')).toBe(false);
    expect(pathMatches('/etc/kubernetes/pki', ['/etc'])).toBe(true);
    expect(pathMatches('/etcd', ['/etc'])).toBe(false);
    expect(pathMatches('/anything', ['/'])).toBe(true);
  });

  it('formats outputs with the longest known field, <NA> and (lists)', () => {
    const template = compileTemplate('user=%ka.user.name target=%ka.target.name/%ka.target.resource imp=%ka.impuser.name groups=%ka.user.groups cmd=%ka.uri.param[command] 100%', FIELD_TABLES.audit);
    expect(template(event)).toBe('user=system:serviceaccount:tracing:agent target=web-1/pods imp=<NA> groups=(system:serviceaccounts,system:authenticated) cmd=sh 100%');
    expect(() => compileTemplate('%ka.nothing.here', FIELD_TABLES.audit)).toThrow(/unknown field/);
  });
});
