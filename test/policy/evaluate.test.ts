import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/core/object.js';
import { requestFor, type AdmissionRequest } from '../../src/policy/admission.js';
import { evaluateAdmission, ruleMatches, type EvaluationContext } from '../../src/policy/evaluate.js';
import { readBinding, readPolicy, type RuleWithOperations } from '../../src/policy/model.js';

/** ValidatingAdmissionPolicy semantics, field by field, as the API server's dispatcher applies them. */

const pod = (labels: Record<string, string> = {}, namespace = 'shop'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace, labels }, spec: { replicas: 3, containers: [{ name: 'c', image: 'nginx:1' }] } });
const namespaces: Record<string, KubeObject> = {
  shop: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { env: 'prod' } } },
  dev: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev', labels: { env: 'dev' } } },
};
const params: KubeObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'shop', labels: { role: 'limit' } }, data: { max: '2' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: 'shop', labels: { role: 'limit' } }, data: { max: '5' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'policy' }, data: { max: '10' } },
];
const context: EvaluationContext = {
  namespace: (name) => namespaces[name],
  params: (kind, namespace) => params.filter((object) => object.kind === kind.kind && (!namespace || object.metadata.namespace === namespace)),
  paramScope: () => 'Namespaced',
};

function policy(spec: Record<string, unknown>, name = 'p'): ReturnType<typeof readPolicy> {
  return readPolicy({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE'] }] }, validations: [{ expression: 'false', message: 'denied' }], ...spec },
  });
}

function binding(spec: Record<string, unknown> = {}, name = 'b', policyName = 'p'): ReturnType<typeof readBinding> {
  return readBinding({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName, validationActions: ['Deny'], ...spec } });
}

function admit(policySpec: Record<string, unknown>, bindingSpec: Record<string, unknown> = {}, request: AdmissionRequest = requestFor(pod())) {
  return evaluateAdmission([policy(policySpec)], [binding(bindingSpec)], request, context);
}

const rule = (resources: string[], extra: Partial<RuleWithOperations> = {}): RuleWithOperations => ({ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources, resourceNames: [], scope: '*', ...extra });
const request = (resource: string, sub = '', namespace = 'shop', operation: AdmissionRequest['operation'] = 'CREATE', name = 'x'): AdmissionRequest => ({
  ...requestFor(pod(), { operation }),
  resource: { group: '', version: 'v1', resource },
  subResource: sub,
  namespace,
  name,
});

describe('resource rules', () => {
  it.each([
    ['* matches a resource', rule(['*']), request('pods'), true],
    ['* does not match a subresource', rule(['*']), request('pods', 'status'), false],
    ['*/* matches a subresource', rule(['*/*']), request('pods', 'status'), true],
    ['pods/* matches pods subresources', rule(['pods/*']), request('pods', 'exec'), true],
    ['*/scale matches scale of anything', rule(['*/scale']), request('deployments', 'scale'), true],
    ['pods does not match pods/status', rule(['pods']), request('pods', 'status'), false],
    ['operation must be listed', rule(['pods'], { operations: ['UPDATE'] }), request('pods'), false],
    ['scope Cluster skips namespaced requests', rule(['*'], { scope: 'Cluster' }), request('pods'), false],
    ['scope Namespaced skips cluster-scoped requests', rule(['*'], { scope: 'Namespaced' }), request('nodes', '', ''), false],
    ['resourceNames restrict by name', rule(['pods'], { resourceNames: ['y'] }), request('pods'), false],
    ['apiVersions restrict by version', rule(['pods'], { apiVersions: ['v2'] }), request('pods'), false],
  ])('%s', (_name, given, asked, expected) => {
    expect(ruleMatches(given, asked)).toBe(expected);
  });
});

describe('match constraints and bindings', () => {
  it('excludeResourceRules win over resourceRules', () => {
    expect(admit({ matchConstraints: { resourceRules: [rule(['pods'])], excludeResourceRules: [rule(['pods'])] } }).evaluated).toEqual([]);
  });

  it('namespaceSelector reads the namespace labels (and kubernetes.io/metadata.name without the object)', () => {
    expect(admit({}, { matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } }).allowed).toBe(false);
    expect(admit({}, { matchResources: { namespaceSelector: { matchLabels: { env: 'dev' } } } }).allowed).toBe(true);
    expect(admit({}, { matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'unknown' } } } }, requestFor(pod({}, 'unknown'))).allowed).toBe(false);
  });

  it('objectSelector matches the object or the old object', () => {
    const selector = { matchResources: { objectSelector: { matchLabels: { app: 'web' } } } };
    expect(admit({}, selector, requestFor(pod({ app: 'web' }))).allowed).toBe(false);
    expect(admit({}, selector, requestFor(pod({ app: 'db' }))).allowed).toBe(true);
    expect(admit({}, selector, requestFor(pod({ app: 'db' }), { operation: 'UPDATE', oldObject: pod({ app: 'web' }) })).allowed).toBe(false);
  });

  it('a binding intersects its matchResources with the policy constraints', () => {
    expect(admit({}, { matchResources: { resourceRules: [rule(['deployments'])] } }).evaluated).toEqual([]);
  });

  it('a binding to a policy that is not there is ignored', () => {
    expect(evaluateAdmission([policy({})], [binding({}, 'b', 'absent')], requestFor(pod()), context).evaluated).toEqual([]);
  });
});

describe('match conditions', () => {
  it('any false skips the policy', () => {
    expect(admit({ matchConditions: [{ name: 'a', expression: 'true' }, { name: 'b', expression: "object.metadata.name == 'other'" }] }).allowed).toBe(true);
  });

  it('an error with none false follows failurePolicy', () => {
    const conditions = { matchConditions: [{ name: 'a', expression: 'object.spec.missing == 1' }] };
    expect(admit({ ...conditions }).allowed).toBe(false);
    expect(admit({ ...conditions, failurePolicy: 'Ignore' }).allowed).toBe(true);
    expect(admit({ ...conditions, failurePolicy: 'Ignore' }).ignoredErrors[0].field).toBe('spec.matchConditions[0].expression');
  });

  it('params are visible, variables are not', () => {
    expect(() => policy({ matchConditions: [{ name: 'a', expression: 'variables.x' }], variables: [{ name: 'x', expression: 'true' }] })).toThrow(/spec\.matchConditions\[0\]\.expression: compilation failed: .*variables/);
  });
});

describe('params', () => {
  const withParams = { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'object.spec.replicas <= int(params.data.max)', messageExpression: "'at most ' + params.data.max" }] };

  it('paramRef.name in the request namespace by default', () => {
    const result = admit(withParams, { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } });
    expect(result.violations.map((violation) => [violation.param, violation.message])).toEqual([['shop/limits', 'at most 2']]);
  });

  it('paramRef.namespace names another namespace', () => {
    expect(admit(withParams, { paramRef: { name: 'limits', namespace: 'policy', parameterNotFoundAction: 'Deny' } }).allowed).toBe(true);
  });

  it('a selector evaluates once per param, and every result counts', () => {
    const result = admit(withParams, { paramRef: { selector: { matchLabels: { role: 'limit' } }, parameterNotFoundAction: 'Deny' } });
    expect(result.violations.map((violation) => violation.param)).toEqual(['shop/limits']);
    expect(result.allowed).toBe(false);
  });

  it('parameterNotFoundAction: Allow admits, Deny fails under failurePolicy', () => {
    expect(admit(withParams, { paramRef: { name: 'absent', parameterNotFoundAction: 'Allow' } }).allowed).toBe(true);
    const denied = admit(withParams, { paramRef: { name: 'absent', parameterNotFoundAction: 'Deny' } });
    expect(denied.allowed).toBe(false);
    expect(denied.violations[0]).toMatchObject({ kind: 'error', field: 'spec.paramRef', message: expect.stringMatching(/no params found for policy binding with `Deny` parameterNotFoundAction/) });
    expect(admit({ ...withParams, failurePolicy: 'Ignore' }, { paramRef: { name: 'absent', parameterNotFoundAction: 'Deny' } }).allowed).toBe(true);
  });

  it('paramKind without a paramRef is a configuration error', () => {
    expect(admit(withParams).violations[0]).toMatchObject({ kind: 'error', message: expect.stringMatching(/paramRef is not set/) });
  });

  it('params is null without paramKind', () => {
    expect(admit({ validations: [{ expression: 'params == null' }] }).allowed).toBe(true);
  });
});

describe('validations, variables and messages', () => {
  it('variables are evaluated lazily, once, in order', () => {
    const result = admit({
      variables: [
        { name: 'count', expression: 'size(object.spec.containers)' },
        { name: 'broken', expression: 'object.spec.missing' },
        { name: 'twice', expression: 'variables.count * 2' },
      ],
      validations: [{ expression: 'variables.twice == 2' }],
    });
    expect(result.allowed).toBe(true);
    expect(() => policy({ variables: [{ name: 'a', expression: 'variables.b' }, { name: 'b', expression: '1' }] })).toThrow(/spec\.variables\[0\]\.expression: compilation failed: .*undefined field 'b'/);
  });

  it('messageExpression wins; an empty, multi-line or failing one falls back to message, then to the expression', () => {
    const message = (validation: Record<string, unknown>) => admit({ validations: [{ expression: 'false', ...validation }] }).violations[0].message;
    expect(message({ message: 'static', messageExpression: "'dynamic ' + object.metadata.name" })).toBe('dynamic p');
    expect(message({ message: 'static', messageExpression: "''" })).toBe('static');
    expect(message({ message: 'static', messageExpression: "'a\\nb'" })).toBe('static');
    expect(message({ message: 'static', messageExpression: 'object.spec.missing' })).toBe('static');
    expect(message({})).toBe('failed expression: false');
  });

  it('reason sets the status code of the deny', () => {
    expect(admit({ validations: [{ expression: 'false', reason: 'Forbidden' }] }).status).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(admit({ validations: [{ expression: 'false' }] }).status).toMatchObject({ code: 422, reason: 'Invalid' });
  });

  it('a non-bool result is an error', () => {
    expect(admit({ validations: [{ expression: "'yes'" }] }).violations[0]).toMatchObject({ kind: 'error', message: expect.stringMatching(/must return bool/) });
  });

  it('messageExpression cannot use authorizer', () => {
    expect(() => policy({ validations: [{ expression: 'false', messageExpression: "authorizer.path('/x').check('get').reason()" }] })).toThrow(/messageExpression: compilation failed: .*authorizer/);
  });
});

describe('validationActions and auditAnnotations', () => {
  it('Warn admits with a warning; Audit admits with the audit annotation', () => {
    const warned = admit({}, { validationActions: ['Warn'] });
    expect(warned.allowed).toBe(true);
    expect(warned.warnings).toEqual(["Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': denied"]);
    const audited = admit({}, { validationActions: ['Audit'] });
    expect(audited.allowed).toBe(true);
    expect(JSON.parse(audited.auditAnnotations['validation.policy.admission.k8s.io/validation_failure'])).toEqual([{ message: 'denied', policy: 'p', binding: 'b', expressionIndex: 0, validationActions: ['Audit'] }]);
  });

  it('Deny and Warn together are refused', () => {
    expect(() => binding({ validationActions: ['Deny', 'Warn'] })).toThrow(/must not contain both Deny and Warn/);
  });

  it('auditAnnotations publish policy/key, and skip null or empty values', () => {
    const result = admit({ validations: [], auditAnnotations: [{ key: 'replicas', valueExpression: "'replicas: ' + string(object.spec.replicas)" }, { key: 'none', valueExpression: 'null' }] });
    expect(result.auditAnnotations).toEqual({ 'p/replicas': 'replicas: 3' });
  });

  it('auditAnnotations see params and variables, once per param, and values are trimmed', () => {
    const spec = {
      paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
      variables: [{ name: 'limit', expression: 'params.data.max' }],
      validations: [],
      auditAnnotations: [{ key: 'limit', valueExpression: "'  max ' + variables.limit + ' from ' + params.metadata.name + '  '" }, { key: 'blank', valueExpression: "'   '" }],
    };
    const result = admit(spec, { paramRef: { selector: { matchLabels: { role: 'limit' } }, parameterNotFoundAction: 'Deny' } });
    expect(result.allowed).toBe(true);
    expect(result.auditAnnotations).toEqual({ 'p/limit': 'max 2 from limits, max 5 from other' });
  });

  it('auditAnnotations are not evaluated when a match condition is false, and are evaluated without the authorizer', () => {
    const skipped = admit({ matchConditions: [{ name: 'never', expression: 'false' }], validations: [], auditAnnotations: [{ key: 'k', valueExpression: "'v'" }] });
    expect(skipped.auditAnnotations).toEqual({});
    // Declared when compiling (as the API server does) but not bound when evaluating: using it is an evaluation error.
    const authorized = admit({ failurePolicy: 'Ignore', validations: [], auditAnnotations: [{ key: 'k', valueExpression: "authorizer.path('/x').check('get').reason()" }] });
    expect(authorized.auditAnnotations).toEqual({});
    expect(authorized.ignoredErrors).toMatchObject([{ field: 'spec.auditAnnotations[0].valueExpression' }]);
  });

  it('an auditAnnotation that fails denies the request whatever the validationActions (excluded under failurePolicy Ignore); a value that is not a string or null always denies', () => {
    const failing = { validations: [], auditAnnotations: [{ key: 'k', valueExpression: "string(object.spec.missing.field)" }] };
    const denied = admit(failing, { validationActions: ['Warn'] });
    expect(denied.allowed).toBe(false);
    expect(denied.violations[0]).toMatchObject({ kind: 'error', field: 'spec.auditAnnotations[0].valueExpression', actions: ['Deny'] });
    const ignored = admit({ ...failing, failurePolicy: 'Ignore' }, { validationActions: ['Warn'] });
    expect(ignored.allowed).toBe(true);
    expect(ignored.ignoredErrors).toMatchObject([{ field: 'spec.auditAnnotations[0].valueExpression' }]);
    const wrongType = admit({ failurePolicy: 'Ignore', validations: [], auditAnnotations: [{ key: 'k', valueExpression: 'object.spec.replicas' }] });
    expect(wrongType.allowed).toBe(false);
    expect(wrongType.violations[0].message).toMatch(/unsupported return type.*must be either string or null/);
  });
});

describe('the request variables', () => {
  it('object is null on DELETE, oldObject on CREATE; request carries the user and the operation', () => {
    const validations = [{ expression: "object == null && oldObject.metadata.name == 'p' && request.operation == 'DELETE' && request.userInfo.username == 'alice'" }];
    const deleted = requestFor(pod(), { operation: 'DELETE', user: { username: 'alice', groups: [] } });
    expect(admit({ matchConstraints: { resourceRules: [rule(['pods'])] }, validations }, {}, deleted).allowed).toBe(true);
  });

  it('namespaceObject is the namespace, reduced to metadata, spec and status', () => {
    expect(admit({ validations: [{ expression: "namespaceObject.metadata.labels.env == 'prod'" }] }).allowed).toBe(true);
  });

  it('authorizer answers from the context, and errs without one', () => {
    const check = { validations: [{ expression: "authorizer.group('').resource('secrets').namespace('shop').check('get').allowed()" }] };
    expect(admit(check).allowed).toBe(false);
    const allowing: EvaluationContext = { ...context, authorize: (user, attributes) => ({ decision: user.username === 'admin' && attributes.resource === 'secrets' ? 'allow' : 'noOpinion', reason: 'test' }) };
    const asAdmin = requestFor(pod(), { user: { username: 'admin', groups: [] } });
    expect(evaluateAdmission([policy(check)], [binding()], asAdmin, allowing).allowed).toBe(true);
    const requestResource = { validations: [{ expression: "authorizer.requestResource.check('create').allowed()" }] };
    expect(evaluateAdmission([policy(requestResource)], [binding()], asAdmin, allowing).allowed).toBe(false);
  });
});
