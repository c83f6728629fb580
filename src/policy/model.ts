/**
 * ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io/v1),
 * read from objects, validated as the API server would, and compiled once: every expression is
 * compiled for the target Kubernetes version with the variables its place allows. Problems are
 * PolicyErrors naming the object and the field (`spec.validations[0].expression`).
 */
import { isRecord, type KubeObject } from '../core/object.js';
import { selectorError, type LabelSelector } from '../core/selector.js';
import { CelCompileError, compileCel, type CelProgram, type VariableName } from './cel/environment.js';

export const ADMISSION_GROUP = 'admissionregistration.k8s.io';
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
export type ValidationAction = 'Deny' | 'Warn' | 'Audit';
export type FailurePolicy = 'Fail' | 'Ignore';
const REASONS = ['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge'] as const;
export type Reason = (typeof REASONS)[number];

/** A policy or binding that is not valid, or an expression that does not compile: names the object and field. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly object: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${object}: ${field}: ${reason}`);
  }
}

export interface RuleWithOperations {
  operations: string[];
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  resourceNames: string[];
  scope: string;
}

export interface MatchResources {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  resourceRules?: RuleWithOperations[];
  excludeResourceRules: RuleWithOperations[];
  matchPolicy: 'Exact' | 'Equivalent';
}

export interface CompiledValidation {
  program: CelProgram;
  expression: string;
  message?: string;
  messageExpression?: CelProgram;
  reason: Reason;
}

export interface Policy {
  name: string;
  object: KubeObject;
  /** The file it was read from, for messages. */
  file?: string;
  paramKind?: { apiVersion: string; kind: string };
  matchConstraints: MatchResources;
  matchConditions: { name: string; program: CelProgram }[];
  variables: { name: string; program: CelProgram }[];
  /** Position of each variable by name. */
  variableIndex: Map<string, number>;
  validations: CompiledValidation[];
  auditAnnotations: { key: string; valueExpression: string; program: CelProgram }[];
  failurePolicy: FailurePolicy;
}

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: LabelSelector;
  parameterNotFoundAction: 'Allow' | 'Deny';
}

export interface Binding {
  name: string;
  object: KubeObject;
  file?: string;
  policyName: string;
  paramRef?: ParamRef;
  matchResources?: MatchResources;
  validationActions: ValidationAction[];
}

export function isPolicyObject(object: KubeObject): boolean {
  return object.kind === 'ValidatingAdmissionPolicy' && object.apiVersion.startsWith(`${ADMISSION_GROUP}/`);
}

export function isBindingObject(object: KubeObject): boolean {
  return object.kind === 'ValidatingAdmissionPolicyBinding' && object.apiVersion.startsWith(`${ADMISSION_GROUP}/`);
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const MAX_MATCH_CONDITIONS = 64;

class Reader {
  constructor(readonly label: string) {}

  fail(field: string, reason: string): never {
    throw new PolicyError(this.label, field, reason);
  }

  list(value: unknown, field: string): unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(field, 'must be a list');
    return value;
  }

  record(value: unknown, field: string): Record<string, unknown> {
    if (!isRecord(value)) this.fail(field, 'must be a mapping');
    return value;
  }

  string(value: unknown, field: string, required = true): string | undefined {
    if (value === undefined || value === null || value === '') {
      if (required) this.fail(field, 'Required value');
      return undefined;
    }
    if (typeof value !== 'string') this.fail(field, 'must be a string');
    return value;
  }

  strings(value: unknown, field: string): string[] {
    return this.list(value, field).map((item, index) => {
      if (typeof item !== 'string') this.fail(`${field}[${index}]`, 'must be a string');
      return item;
    });
  }

  selector(value: unknown, field: string): LabelSelector | undefined {
    if (value === undefined || value === null) return undefined;
    const error = selectorError(value);
    if (error) this.fail(field, error);
    return value as LabelSelector;
  }

  compile(expression: unknown, field: string, variables: readonly VariableName[], kubeVersion: string | undefined, declared?: readonly string[]): CelProgram {
    const text = this.string(expression, field) as string;
    try {
      return compileCel(text, { variables, kubeVersion, declaredVariables: declared });
    } catch (error) {
      if (error instanceof CelCompileError) this.fail(field, `compilation failed: ${error.message}`);
      throw error;
    }
  }
}

function readRules(reader: Reader, value: unknown, field: string): RuleWithOperations[] {
  return reader.list(value, field).map((item, index) => {
    const at = `${field}[${index}]`;
    const rule = reader.record(item, at);
    const operations = reader.strings(rule.operations, `${at}.operations`);
    for (const operation of operations) if (!['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'].includes(operation)) reader.fail(`${at}.operations`, `Unsupported value: "${operation}"`);
    const scope = (reader.string(rule.scope, `${at}.scope`, false) ?? '*') as string;
    if (!['Cluster', 'Namespaced', '*'].includes(scope)) reader.fail(`${at}.scope`, `Unsupported value: "${scope}"`);
    const resources = reader.strings(rule.resources, `${at}.resources`);
    if (resources.length === 0) reader.fail(`${at}.resources`, 'Required value');
    return {
      operations,
      apiGroups: reader.strings(rule.apiGroups, `${at}.apiGroups`),
      apiVersions: reader.strings(rule.apiVersions, `${at}.apiVersions`),
      resources,
      resourceNames: reader.strings(rule.resourceNames, `${at}.resourceNames`),
      scope,
    };
  });
}

function readMatchResources(reader: Reader, value: unknown, field: string, required: boolean): MatchResources | undefined {
  if (value === undefined || value === null) {
    if (required) reader.fail(field, 'Required value');
    return undefined;
  }
  const match = reader.record(value, field);
  const matchPolicy = (reader.string(match.matchPolicy, `${field}.matchPolicy`, false) ?? 'Equivalent') as MatchResources['matchPolicy'];
  if (!['Exact', 'Equivalent'].includes(matchPolicy)) reader.fail(`${field}.matchPolicy`, `Unsupported value: "${matchPolicy}"`);
  const resourceRules = match.resourceRules === undefined ? undefined : readRules(reader, match.resourceRules, `${field}.resourceRules`);
  if (required && (!resourceRules || resourceRules.length === 0)) reader.fail(`${field}.resourceRules`, 'Required value');
  return {
    namespaceSelector: reader.selector(match.namespaceSelector, `${field}.namespaceSelector`),
    objectSelector: reader.selector(match.objectSelector, `${field}.objectSelector`),
    resourceRules,
    excludeResourceRules: readRules(reader, match.excludeResourceRules, `${field}.excludeResourceRules`),
    matchPolicy,
  };
}

/** How reports and errors name an object: `ValidatingAdmissionPolicy deny-x` (with its file when known). */
export function policyLabel(object: KubeObject, file?: string): string {
  const name = `${object.kind} ${object.metadata.name ?? '<unnamed>'}`;
  return file ? `${file}: ${name}` : name;
}

/** Reads and compiles a ValidatingAdmissionPolicy; throws PolicyError. */
export function readPolicy(object: KubeObject, options: { kubeVersion?: string; file?: string } = {}): Policy {
  const reader = new Reader(policyLabel(object, options.file));
  const name = reader.string(object.metadata.name, 'metadata.name') as string;
  const spec = reader.record(object.spec, 'spec');
  let paramKind: Policy['paramKind'];
  if (spec.paramKind !== undefined && spec.paramKind !== null) {
    const kind = reader.record(spec.paramKind, 'spec.paramKind');
    paramKind = { apiVersion: reader.string(kind.apiVersion, 'spec.paramKind.apiVersion') as string, kind: reader.string(kind.kind, 'spec.paramKind.kind') as string };
  }
  const failurePolicy = (reader.string(spec.failurePolicy, 'spec.failurePolicy', false) ?? 'Fail') as FailurePolicy;
  if (!['Fail', 'Ignore'].includes(failurePolicy)) reader.fail('spec.failurePolicy', `Unsupported value: "${failurePolicy}"`);
  const version = options.kubeVersion;
  const base: VariableName[] = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer'];

  const matchConditions = reader.list(spec.matchConditions, 'spec.matchConditions').map((item, index) => {
    const at = `spec.matchConditions[${index}]`;
    const condition = reader.record(item, at);
    const conditionName = reader.string(condition.name, `${at}.name`) as string;
    if (!QUALIFIED_NAME.test(conditionName)) reader.fail(`${at}.name`, 'must be a qualified name');
    return { name: conditionName, program: reader.compile(condition.expression, `${at}.expression`, base, version) };
  });
  if (matchConditions.length > MAX_MATCH_CONDITIONS) reader.fail('spec.matchConditions', `Too many: ${matchConditions.length}: must have at most ${MAX_MATCH_CONDITIONS} items`);
  if (new Set(matchConditions.map((condition) => condition.name)).size !== matchConditions.length) reader.fail('spec.matchConditions', 'names must be unique');

  const declared: string[] = [];
  const withVariables: VariableName[] = [...base, 'variables'];
  const variables = reader.list(spec.variables, 'spec.variables').map((item, index) => {
    const at = `spec.variables[${index}]`;
    const variable = reader.record(item, at);
    const variableName = reader.string(variable.name, `${at}.name`) as string;
    if (!CEL_IDENTIFIER.test(variableName)) reader.fail(`${at}.name`, 'must be a valid CEL identifier');
    if (declared.includes(variableName)) reader.fail(`${at}.name`, `Duplicate value: "${variableName}"`);
    const program = reader.compile(variable.expression, `${at}.expression`, withVariables, version, [...declared]);
    declared.push(variableName);
    return { name: variableName, program };
  });

  const messageVariables = withVariables.filter((variable) => variable !== 'authorizer');
  const validations = reader.list(spec.validations, 'spec.validations').map((item, index): CompiledValidation => {
    const at = `spec.validations[${index}]`;
    const validation = reader.record(item, at);
    const expression = reader.string(validation.expression, `${at}.expression`) as string;
    const message = reader.string(validation.message, `${at}.message`, false);
    if (message?.includes('\n')) reader.fail(`${at}.message`, 'message must not contain line breaks');
    if (!message && expression.includes('\n')) reader.fail(`${at}.message`, 'message must be specified if expression contains line breaks');
    const reason = (reader.string(validation.reason, `${at}.reason`, false) ?? 'Invalid') as Reason;
    if (!REASONS.includes(reason)) reader.fail(`${at}.reason`, `Unsupported value: "${reason}": supported values: ${REASONS.map((value) => `"${value}"`).join(', ')}`);
    return {
      program: reader.compile(expression, `${at}.expression`, withVariables, version, declared),
      expression,
      message,
      messageExpression: validation.messageExpression === undefined ? undefined : reader.compile(validation.messageExpression, `${at}.messageExpression`, messageVariables, version, declared),
      reason,
    };
  });

  const auditAnnotations = reader.list(spec.auditAnnotations, 'spec.auditAnnotations').map((item, index) => {
    const at = `spec.auditAnnotations[${index}]`;
    const annotation = reader.record(item, at);
    const key = reader.string(annotation.key, `${at}.key`) as string;
    if (!QUALIFIED_NAME.test(key) || Buffer.byteLength(`${name}/${key}`) > 63 + name.length + 1 || key.length > 63) reader.fail(`${at}.key`, 'must be a qualified name of at most 63 characters');
    const program = reader.compile(annotation.valueExpression, `${at}.valueExpression`, withVariables, version, declared);
    return { key, valueExpression: String(annotation.valueExpression), program };
  });
  if (validations.length === 0 && auditAnnotations.length === 0) reader.fail('spec.validations', 'validations or auditAnnotations must contain at least one item');

  return {
    name,
    object,
    file: options.file,
    paramKind,
    matchConstraints: readMatchResources(reader, spec.matchConstraints, 'spec.matchConstraints', true) as MatchResources,
    matchConditions,
    variables,
    variableIndex: new Map(variables.map((variable, index) => [variable.name, index])),
    validations,
    auditAnnotations,
    failurePolicy,
  };
}

/** Reads a ValidatingAdmissionPolicyBinding; throws PolicyError. */
export function readBinding(object: KubeObject, options: { file?: string } = {}): Binding {
  const reader = new Reader(policyLabel(object, options.file));
  const name = reader.string(object.metadata.name, 'metadata.name') as string;
  const spec = reader.record(object.spec, 'spec');
  const policyName = reader.string(spec.policyName, 'spec.policyName') as string;
  const validationActions = reader.strings(spec.validationActions, 'spec.validationActions') as ValidationAction[];
  if (validationActions.length === 0) reader.fail('spec.validationActions', 'Required value');
  for (const action of validationActions) if (!['Deny', 'Warn', 'Audit'].includes(action)) reader.fail('spec.validationActions', `Unsupported value: "${action}"`);
  if (new Set(validationActions).size !== validationActions.length) reader.fail('spec.validationActions', 'must not contain duplicates');
  if (validationActions.includes('Deny') && validationActions.includes('Warn')) reader.fail('spec.validationActions', 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)');
  let paramRef: ParamRef | undefined;
  if (spec.paramRef !== undefined && spec.paramRef !== null) {
    const ref = reader.record(spec.paramRef, 'spec.paramRef');
    const refName = reader.string(ref.name, 'spec.paramRef.name', false);
    const selector = reader.selector(ref.selector, 'spec.paramRef.selector');
    if (refName && selector) reader.fail('spec.paramRef', 'name and selector are mutually exclusive');
    if (!refName && !selector) reader.fail('spec.paramRef', 'one of name or selector must be specified');
    const action = reader.string(ref.parameterNotFoundAction, 'spec.paramRef.parameterNotFoundAction') as ParamRef['parameterNotFoundAction'];
    if (!['Allow', 'Deny'].includes(action)) reader.fail('spec.paramRef.parameterNotFoundAction', `Unsupported value: "${action}"`);
    paramRef = { name: refName, namespace: reader.string(ref.namespace, 'spec.paramRef.namespace', false), selector, parameterNotFoundAction: action };
  }
  return {
    name,
    object,
    file: options.file,
    policyName,
    paramRef,
    matchResources: readMatchResources(reader, spec.matchResources, 'spec.matchResources', false),
    validationActions,
  };
}
