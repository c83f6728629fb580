/**
 * ValidatingAdmissionPolicy evaluation, as the API server's dispatcher
 * (staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/): for each binding whose
 * policy exists and whose match constraints (the policy's and the binding's) take the request,
 * resolve the params, evaluate the match conditions, then the validations (variables lazily,
 * messageExpression with its fallbacks) and audit annotations; turn failures into Deny, Warn and
 * Audit by the binding's validationActions, and errors by the policy's failurePolicy.
 */
import { labelsOf, type KubeObject } from '../core/object.js';
import { selectorMatches } from '../core/selector.js';
import type { AdmissionRequest } from './admission.js';
import { Authorizer, type Authorize } from './cel/authz.js';
import { CelEvaluationError, type CelProgram } from './cel/environment.js';
import { celDisplay, toCel } from './cel/values.js';
import type { Binding, MatchResources, Policy, Reason, RuleWithOperations, ValidationAction } from './model.js';

/** What the evaluator may look up: namespaces, params, and the authorizer's answers. */
export interface EvaluationContext {
  /** The Namespace object, for namespaceSelector and namespaceObject; undefined when unknown. */
  namespace(name: string): KubeObject | undefined;
  /** Objects of a param kind in a namespace (`''`: cluster-scoped or all). */
  params(kind: { apiVersion: string; kind: string }, namespace: string): KubeObject[];
  /** Is this param kind cluster-scoped? */
  paramScope(kind: { apiVersion: string; kind: string }): 'Cluster' | 'Namespaced';
  authorize?: Authorize;
}

export const REASON_CODES: Record<Reason, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 };

/** One failed validation or error, as the binding's actions report it. */
export interface Violation {
  policy: string;
  binding: string;
  /** The param object evaluated with, when the policy has params. */
  param?: string;
  /** The field of the policy that failed: `spec.validations[1].expression`, `spec.matchConditions[0].expression`, or `spec.paramKind` for configuration errors. */
  field: string;
  /** Index of the validation, when a validation failed. */
  validation?: number;
  expression?: string;
  message: string;
  reason: Reason;
  actions: ValidationAction[];
  /** `validation`: evaluated to false. `error`: an evaluation or configuration error under failurePolicy Fail. */
  kind: 'validation' | 'error';
  /** The error was the cost limit. */
  costExceeded?: boolean;
}

/** An error under failurePolicy Ignore: the request goes on, the API server only logs it. */
export interface IgnoredError {
  policy: string;
  binding: string;
  field: string;
  message: string;
  costExceeded?: boolean;
}

export interface AdmissionResult {
  allowed: boolean;
  /** The first Deny's status, as the response carries it. */
  status?: { code: number; reason: Reason; message: string };
  warnings: string[];
  auditAnnotations: Record<string, string>;
  violations: Violation[];
  ignoredErrors: IgnoredError[];
  /** Every (policy, binding) pair that matched the request and was evaluated. */
  evaluated: { policy: string; binding: string }[];
}

const MAX_MESSAGE_BYTES = 5 * 1024;
const MAX_AUDIT_VALUE_BYTES = 10 * 1024;

/** Does a rule take this request? Resource `*` is every resource, `*\/*` every resource and subresource. */
export function ruleMatches(rule: RuleWithOperations, request: AdmissionRequest): boolean {
  if (!rule.operations.includes('*') && !rule.operations.includes(request.operation)) return false;
  if (!rule.apiGroups.includes('*') && !rule.apiGroups.includes(request.resource.group)) return false;
  if (!rule.apiVersions.includes('*') && !rule.apiVersions.includes(request.resource.version)) return false;
  const resource = request.resource.resource;
  const sub = request.subResource ?? '';
  const matched = rule.resources.some((pattern) => {
    if (pattern === '*/*') return true;
    const [patternResource, patternSub = ''] = pattern.split('/');
    if (patternResource !== '*' && patternResource !== resource) return false;
    return patternSub === '*' || patternSub === sub;
  });
  if (!matched) return false;
  const namespaced = Boolean(request.namespace);
  if (rule.scope === 'Cluster' && namespaced) return false;
  if (rule.scope === 'Namespaced' && !namespaced) return false;
  if (rule.resourceNames.length > 0 && !rule.resourceNames.includes(request.name)) return false;
  return true;
}

/** The labels of the request's namespace, or of the Namespace itself; undefined for other cluster-scoped objects. */
function namespaceLabels(request: AdmissionRequest, context: EvaluationContext): Record<string, string> | undefined {
  if (!request.namespace) {
    if (request.resource.group === '' && request.resource.resource === 'namespaces') return labelsOf((request.object ?? request.oldObject) as KubeObject);
    return undefined;
  }
  const namespace = context.namespace(request.namespace);
  // The API server adds this label to every namespace; without the object it is all we know.
  return { ...(namespace ? labelsOf(namespace) : {}), 'kubernetes.io/metadata.name': request.namespace };
}

export function matchesResources(match: MatchResources, request: AdmissionRequest, context: EvaluationContext): boolean {
  if (match.excludeResourceRules.some((rule) => ruleMatches(rule, request))) return false;
  if (match.resourceRules && !match.resourceRules.some((rule) => ruleMatches(rule, request))) return false;
  if (match.namespaceSelector) {
    const labels = namespaceLabels(request, context);
    if (labels && !selectorMatches(match.namespaceSelector, labels)) return false;
  }
  if (match.objectSelector) {
    const objects = [request.object, request.oldObject].filter((object): object is KubeObject => Boolean(object));
    const empty = Object.keys(match.objectSelector.matchLabels ?? {}).length === 0 && (match.objectSelector.matchExpressions ?? []).length === 0;
    if (objects.length === 0 ? !empty : !objects.some((object) => selectorMatches(match.objectSelector, labelsOf(object)))) return false;
  }
  return true;
}

/** The namespace as `namespaceObject` shows it: metadata (reduced), spec and status. */
function namespaceObjectOf(namespace: KubeObject | undefined, name: string): unknown {
  if (!name) return null;
  const source = namespace ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } };
  const metadata = source.metadata;
  const keep = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'finalizers'];
  return toCel({ metadata: Object.fromEntries(keep.filter((key) => metadata[key] !== undefined).map((key) => [key, metadata[key]])), spec: source.spec ?? {}, status: source.status ?? {} });
}

/** The `request` variable: the AdmissionRequest without object and oldObject. */
function requestVariable(request: AdmissionRequest): unknown {
  const { object: _object, oldObject: _oldObject, ...rest } = request;
  return toCel({ subResource: '', requestSubResource: '', dryRun: false, ...rest, userInfo: { uid: '', extra: {}, ...rest.userInfo } });
}

class BindingEvaluation {
  readonly violations: Violation[] = [];
  readonly ignored: IgnoredError[] = [];
  /** Audit annotation values to publish, by key (policy name not yet prefixed). */
  readonly annotations: { key: string; value: string }[] = [];

  constructor(
    readonly policy: Policy,
    readonly binding: Binding,
  ) {}

  /** An error: a violation under Fail, logged under Ignore. */
  error(field: string, message: string, param?: string, costExceeded = false): void {
    if (this.policy.failurePolicy === 'Ignore') {
      this.ignored.push({ policy: this.policy.name, binding: this.binding.name, field, message, costExceeded });
      return;
    }
    this.violations.push({ policy: this.policy.name, binding: this.binding.name, param, field, message, reason: 'Invalid', actions: this.binding.validationActions, kind: 'error', costExceeded });
  }

  /**
   * An audit annotation that could not be published. The API server denies the request for it whatever
   * the binding's validationActions; an evaluation error is excluded instead under failurePolicy Ignore,
   * a value that is neither a string nor null never is (validator.go, dispatcher.go).
   */
  annotationError(field: string, message: string, param: string | undefined, options: { evaluationError: boolean; costExceeded?: boolean }): void {
    if (options.evaluationError && this.policy.failurePolicy === 'Ignore') {
      this.ignored.push({ policy: this.policy.name, binding: this.binding.name, field, message, costExceeded: options.costExceeded });
      return;
    }
    this.violations.push({ policy: this.policy.name, binding: this.binding.name, param, field, message, reason: 'Invalid', actions: ['Deny'], kind: 'error', costExceeded: options.costExceeded });
  }
}

function evaluateProgram(program: CelProgram, activation: Activation): { value?: unknown; error?: CelEvaluationError } {
  try {
    return { value: program.value(activation) };
  } catch (error) {
    if (error instanceof CelEvaluationError) return { error };
    throw error;
  }
}

/** CEL values of objects that do not change between requests (params), converted once. */
const converted = new WeakMap<object, unknown>();

function celOf(object: KubeObject): unknown {
  let value = converted.get(object);
  if (value === undefined) {
    value = toCel(object);
    converted.set(object, value);
  }
  return value;
}

/** The params a binding evaluates with: `[null]` without paramKind, or the objects found (or an error string). */
function resolveParams(policy: Policy, binding: Binding, request: AdmissionRequest, context: EvaluationContext): (KubeObject | null)[] | { error: string; field: string } | 'allow' {
  if (!policy.paramKind) return [null];
  const ref = binding.paramRef;
  if (!ref) return { error: `paramKind kind \`${policy.paramKind.kind}\` is defined but paramRef is not set in binding`, field: 'spec.paramRef' };
  const clusterScoped = context.paramScope(policy.paramKind) === 'Cluster';
  let namespace = '';
  if (!clusterScoped) {
    namespace = ref.namespace ?? request.namespace ?? '';
    if (!namespace) return { error: 'cannot use namespaced paramRef in policy binding that matches cluster-scoped resources', field: 'spec.paramRef.namespace' };
  }
  const candidates = context.params(policy.paramKind, namespace);
  const found = ref.name ? candidates.filter((object) => object.metadata.name === ref.name) : candidates.filter((object) => selectorMatches(ref.selector, labelsOf(object)));
  if (found.length > 0) return found;
  if (ref.parameterNotFoundAction === 'Allow') return 'allow';
  return { error: 'no params found for policy binding with `Deny` parameterNotFoundAction', field: 'spec.paramRef' };
}

/** Evaluates one binding of one policy against a request it matched. */
function evaluateBinding(policy: Policy, binding: Binding, request: AdmissionRequest, base: Activation, context: EvaluationContext): BindingEvaluation {
  const evaluation = new BindingEvaluation(policy, binding);
  const params = resolveParams(policy, binding, request, context);
  if (params === 'allow') return evaluation;
  if (!Array.isArray(params)) {
    evaluation.error(params.field, `failed to configure binding: ${params.error}`);
    return evaluation;
  }
  for (const param of params) {
    const paramName = param ? (param.metadata.namespace ? `${param.metadata.namespace}/${param.metadata.name}` : param.metadata.name) : undefined;
    const activation = withParams(base, param ? celOf(param) : null);

    // Match conditions: any false skips the policy; an error (with none false) is the failure policy's.
    let skip = false;
    let conditionError: { field: string; error: CelEvaluationError } | undefined;
    for (const [index, condition] of policy.matchConditions.entries()) {
      const { value, error } = evaluateProgram(condition.program, activation);
      if (error) conditionError ??= { field: `spec.matchConditions[${index}].expression`, error };
      else if (value === false) {
        skip = true;
        break;
      } else if (value !== true) conditionError ??= { field: `spec.matchConditions[${index}].expression`, error: new CelEvaluationError(`expression must return bool, got ${celDisplay(value)}`) };
    }
    if (skip) continue;
    if (conditionError) {
      evaluation.error(conditionError.field, `failed to evaluate match condition '${conditionError.field}': ${conditionError.error.message}`, paramName, conditionError.error.costExceeded);
      continue;
    }

    activation.variables = new LazyVariables(policy, activation);

    for (const [index, validation] of policy.validations.entries()) {
      const field = `spec.validations[${index}].expression`;
      const { value, error } = evaluateProgram(validation.program, activation);
      if (error) {
        evaluation.error(field, `expression '${validation.expression}' resulted in error: ${error.message}`, paramName, error.costExceeded);
        continue;
      }
      if (value === true) continue;
      if (typeof value !== 'boolean') {
        evaluation.error(field, `expression '${validation.expression}' must return bool, got ${celDisplay(value)}`, paramName);
        continue;
      }
      evaluation.violations.push({
        policy: policy.name,
        binding: binding.name,
        param: paramName,
        field,
        validation: index,
        expression: validation.expression,
        message: messageOf(validation, activation),
        reason: validation.reason,
        actions: binding.validationActions,
        kind: 'validation',
      });
    }
    evaluateAuditAnnotations(policy, activation, evaluation, paramName);
  }
  return evaluation;
}

/**
 * A binding's audit annotations for one param, once its match conditions passed: they see `params`
 * and `variables` but not the authorizer, as the API server evaluates them. A string value is
 * published trimmed (empty: not published), null is not published, anything else is an error.
 */
function evaluateAuditAnnotations(policy: Policy, activation: Activation, evaluation: BindingEvaluation, paramName: string | undefined): void {
  if (policy.auditAnnotations.length === 0) return;
  const withoutAuthorizer = withoutAuthorizerOf(activation);
  withoutAuthorizer.variables = new LazyVariables(policy, withoutAuthorizer);
  for (const [index, annotation] of policy.auditAnnotations.entries()) {
    const field = `spec.auditAnnotations[${index}].valueExpression`;
    const { value, error } = evaluateProgram(annotation.program, withoutAuthorizer);
    if (error) {
      evaluation.annotationError(field, `valueExpression '${annotation.valueExpression}' resulted in error: ${error.message}`, paramName, { evaluationError: true, costExceeded: error.costExceeded });
    } else if (typeof value === 'string') {
      const trimmed = value.trim();
      if (trimmed !== '') evaluation.annotations.push({ key: annotation.key, value: trimmed });
    } else if (value !== null) {
      evaluation.annotationError(field, `valueExpression '${annotation.valueExpression}' resulted in unsupported return type: ${celDisplay(value)}. Return type must be either string or null.`, paramName, { evaluationError: false });
    }
  }
}

/** messageExpression, falling back to message, then to `failed expression: …` (validator.go). */
function messageOf(validation: Policy['validations'][number], activation: Activation): string {
  if (validation.messageExpression) {
    // messageExpression sees every variable but the authorizer.
    const withoutAuthorizer = withoutAuthorizerOf(activation);
    withoutAuthorizer.variables = activation.variables;
    const { value, error } = evaluateProgram(validation.messageExpression, withoutAuthorizer);
    if (!error && typeof value === 'string' && value.trim() !== '' && !value.includes('\n') && Buffer.byteLength(value) <= MAX_MESSAGE_BYTES) return value;
  }
  if (validation.message) return validation.message;
  return `failed expression: ${validation.expression.trim()}`;
}

/**
 * `variables.<name>`, each evaluated at most once, on first use: a Map whose `get` evaluates (the CEL
 * library reads maps through `get`, and a Map is far cheaper to make per request than an object with
 * getters). A subclass, not closures assigned to a Map's `get` and `has`: a function added to an
 * object as a property after its creation kept each request's objects alive through V8's
 * young-generation collections (a seventh of all the webhook allocated was copied and promoted, and
 * each collection paused it for milliseconds); a class allocates nothing per request but the
 * instance. Its prototype's `constructor` is Map because the library recognises maps by constructor.
 */
class LazyVariables extends Map<string, unknown> {
  private readonly results: ({ value?: unknown; error?: CelEvaluationError } | undefined)[] = [];

  constructor(
    private readonly policy: Policy,
    private readonly activation: Activation,
  ) {
    super();
  }

  override get(name: string): unknown {
    const index = this.policy.variableIndex.get(name);
    if (index === undefined) return undefined;
    const result = (this.results[index] ??= evaluateProgram(this.policy.variables[index].program, this.activation));
    if (result.error) throw new CelEvaluationError(`variables.${name} (spec.variables[${index}].expression): ${result.error.message}`, result.error.costExceeded);
    return result.value;
  }

  override has(name: string): boolean {
    return this.policy.variableIndex.has(name);
  }
}
Object.defineProperty(LazyVariables.prototype, 'constructor', { value: Map });

/**
 * Evaluates every binding against one request. Policies are looked up by name; bindings to a
 * policy that is not there are ignored, as the API server does (the loaders reject them first).
 */
export function evaluateAdmission(policies: readonly Policy[], bindings: readonly Binding[], request: AdmissionRequest, context: EvaluationContext): AdmissionResult {
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const result: AdmissionResult = { allowed: true, warnings: [], auditAnnotations: {}, violations: [], ignoredErrors: [], evaluated: [] };
  let base: Activation | undefined;
  const auditFailures: unknown[] = [];
  const auditValues = new Map<string, Set<string>>();

  for (const binding of bindings) {
    const policy = byName.get(binding.policyName);
    if (!policy) continue;
    if (!matchesResources(policy.matchConstraints, request, context)) continue;
    if (binding.matchResources && !matchesResources(binding.matchResources, request, context)) continue;
    base ??= activationOf(request, context);
    result.evaluated.push({ policy: policy.name, binding: binding.name });
    const evaluation = evaluateBinding(policy, binding, request, base, context);
    result.ignoredErrors.push(...evaluation.ignored);
    for (const violation of evaluation.violations) {
      result.violations.push(violation);
      if (violation.actions.includes('Deny') && result.allowed) {
        result.allowed = false;
        result.status = { code: REASON_CODES[violation.reason], reason: violation.reason, message: `ValidatingAdmissionPolicy '${policy.name}' with binding '${binding.name}' denied request: ${violation.message}` };
      }
      if (violation.actions.includes('Warn')) result.warnings.push(`Validation failed for ValidatingAdmissionPolicy '${policy.name}' with binding '${binding.name}': ${violation.message}`);
      if (violation.actions.includes('Audit')) {
        auditFailures.push({ message: violation.message, policy: policy.name, binding: binding.name, expressionIndex: violation.validation ?? 0, validationActions: violation.actions });
      }
    }
    for (const annotation of evaluation.annotations) {
      const key = `${policy.name}/${annotation.key}`;
      const values = auditValues.get(key) ?? new Set<string>();
      values.add(annotation.value.slice(0, MAX_AUDIT_VALUE_BYTES));
      auditValues.set(key, values);
    }
  }
  for (const [key, values] of auditValues) result.auditAnnotations[key] = [...values].join(', ');
  if (auditFailures.length) result.auditAnnotations['validation.policy.admission.k8s.io/validation_failure'] = JSON.stringify(auditFailures);
  return result;
}

/**
 * The variables an admission expression sees. Every activation is built whole by `activationOf`,
 * `withParams` and `withoutAuthorizerOf` (object literals of this one shape), never by spreading another object or adding
 * properties later: V8 kept objects made those ways, and each request's CEL values they held, alive
 * through its young-generation collections, which then copied and promoted them (long GC pauses in the
 * webhook; see LazyVariables).
 */
type Activation = {
  object: unknown;
  oldObject: unknown;
  request: unknown;
  namespaceObject: unknown;
  authorizer: Authorizer | undefined;
  params: unknown;
  variables: Map<string, unknown> | undefined;
};

function activationOf(request: AdmissionRequest, context: EvaluationContext): Activation {
  const authorize: Authorize = context.authorize ?? (() => ({ decision: 'noOpinion', reason: '', error: 'no authorizer: kubeward has no RBAC data for this check' }));
  return {
    object: request.object ? toCel(request.object) : null,
    oldObject: request.oldObject ? toCel(request.oldObject) : null,
    request: requestVariable(request),
    namespaceObject: namespaceObjectOf(request.namespace ? context.namespace(request.namespace) : undefined, request.namespace ?? ''),
    authorizer: new Authorizer(authorize, { username: request.userInfo.username, groups: request.userInfo.groups }, {
      group: request.resource.group,
      resource: request.resource.resource,
      subresource: request.subResource ?? '',
      namespace: request.namespace ?? '',
      name: request.name,
    }),
    params: undefined,
    variables: undefined,
  };
}

/** The request's activation with `params` set (variables are set once the match conditions pass). */
function withParams(base: Activation, params: unknown): Activation {
  return { object: base.object, oldObject: base.oldObject, request: base.request, namespaceObject: base.namespaceObject, authorizer: base.authorizer, params, variables: undefined };
}

/** The same variables without `authorizer`, for the expressions the API server evaluates without one (messageExpression, auditAnnotations); variables are set by the caller. */
function withoutAuthorizerOf(activation: Activation): Activation {
  return { object: activation.object, oldObject: activation.oldObject, request: activation.request, namespaceObject: activation.namespaceObject, authorizer: undefined, params: activation.params, variables: undefined };
}
