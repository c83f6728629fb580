/**
 * The Kubernetes CEL `authorizer` library (1.27+): `authorizer.group('apps').resource('deployments')
 * .namespace('ns').name('x').check('update')`, `authorizer.path('/healthz').check('get')`,
 * `authorizer.serviceAccount('ns', 'sa')`, and `authorizer.requestResource`. The checks are
 * answered by whatever `Authorize` the evaluator supplies: kubeward's RBAC engine over the inventory.
 */

/** What is asked: a resource request, or a non-resource one when `path` is set. */
export interface AuthzAttributes {
  verb: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path?: string;
  fieldSelector?: string;
  labelSelector?: string;
}

export interface AuthzDecision {
  decision: 'allow' | 'deny' | 'noOpinion';
  reason: string;
  error?: string;
}

/** Answers an authorization question for one user (the request's, or a ServiceAccount's). */
export type Authorize = (user: { username: string; groups: string[] }, attributes: AuthzAttributes) => AuthzDecision;

export interface AuthzUser {
  username: string;
  groups: string[];
}

export class Authorizer {
  /** The request's resource, pre-filled (only for the request's own authorizer). */
  requestResource?: ResourceCheck;

  constructor(
    readonly authorize: Authorize,
    readonly user: AuthzUser,
    request?: { group: string; resource: string; subresource: string; namespace: string; name: string },
  ) {
    if (request) {
      this.requestResource = new ResourceCheck(this, { apiGroup: request.group, resource: request.resource, subresource: request.subresource, namespace: request.namespace, name: request.name });
    }
  }

  group(group: string): GroupCheck {
    return new GroupCheck(this, group);
  }

  path(path: string): PathCheck {
    return new PathCheck(this, path);
  }

  serviceAccount(namespace: string, name: string): Authorizer {
    const username = `system:serviceaccount:${namespace}:${name}`;
    return new Authorizer(this.authorize, { username, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] });
  }
}

export class PathCheck {
  constructor(
    readonly authorizer: Authorizer,
    readonly path: string,
  ) {}

  check(verb: string): Decision {
    return new Decision(this.authorizer.authorize(this.authorizer.user, { verb, path: this.path }));
  }
}

export class GroupCheck {
  constructor(
    readonly authorizer: Authorizer,
    readonly apiGroup: string,
  ) {}

  resource(resource: string): ResourceCheck {
    return new ResourceCheck(this.authorizer, { apiGroup: this.apiGroup, resource });
  }
}

export class ResourceCheck {
  constructor(
    readonly authorizer: Authorizer,
    readonly attributes: Omit<AuthzAttributes, 'verb'>,
  ) {}

  private with(change: Partial<AuthzAttributes>): ResourceCheck {
    return new ResourceCheck(this.authorizer, { ...this.attributes, ...change });
  }

  subresource(subresource: string): ResourceCheck {
    return this.with({ subresource });
  }

  namespace(namespace: string): ResourceCheck {
    return this.with({ namespace });
  }

  name(name: string): ResourceCheck {
    return this.with({ name });
  }

  fieldSelector(fieldSelector: string): ResourceCheck {
    return this.with({ fieldSelector });
  }

  labelSelector(labelSelector: string): ResourceCheck {
    return this.with({ labelSelector });
  }

  check(verb: string): Decision {
    return new Decision(this.authorizer.authorize(this.authorizer.user, { ...this.attributes, verb }));
  }
}

export class Decision {
  constructor(readonly result: AuthzDecision) {}

  allowed(): boolean {
    return this.result.decision === 'allow';
  }

  reason(): string {
    return this.result.reason;
  }

  errored(): boolean {
    return Boolean(this.result.error);
  }

  error(): string {
    return this.result.error ?? '';
  }
}
