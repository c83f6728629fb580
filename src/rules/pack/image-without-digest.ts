import { isMovingTag, parseImage } from '../../core/image.js';
import { isHelmTestHook } from '../../core/hooks.js';
import { containersOf, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, Violation } from '../rule.js';
import { checkedWorkload } from './helpers.js';

export const imageWithoutDigest: Rule = {
  meta: {
    id: 'image-without-digest',
    title: 'Container image not pinned by digest',
    severity: 'low',
    stage: 'fortify',
    description:
      'A container image with a version tag but no digest (`@sha256:…`). Tags are mutable: whoever can push to the repository (a compromised maintainer or CI account) can move `1.4.2` to other content, and the next pull runs it. A digest names the exact content that was reviewed. Images with the tag `latest` or no tag are reported by `image-latest-tag` instead; `helm test` pods are reported at `info`.',
    remediation: 'Pin the image by digest (`image: registry/app:1.4.2@sha256:…`); tools such as Renovate keep digests current.',
    references: [
      { tool: 'checkov', id: 'CKV_K8S_43' },
      { tool: 'kics', id: '7c81d34c-8e5a-402b-9798-9f442630e678' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const violations: Violation[] = [];
    for (const { container, kind, path } of containersOf(object)) {
      if (typeof container.image !== 'string' || !container.image) continue;
      const reference = parseImage(container.image);
      if (reference.digest || isMovingTag(reference)) continue;
      const testHook = isHelmTestHook(object);
      const message = `${kind === 'container' ? 'container' : kind} "${container.name}" runs image "${container.image}" by tag only: the tag can be moved to other content${testHook ? ' (a helm test pod)' : ''}`;
      violations.push(testHook ? { message, path: [...path, 'image'], severity: 'info' } : { message, path: [...path, 'image'] });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'pinned by digest (with or without a tag); latest is image-latest-tag\'s',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: "nginx:1.27.2@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}
  - {name: agent, image: "ghcr.io/acme/agent@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}
  - {name: moving, image: "busybox:latest"}
`,
      },
    ],
    invalid: [
      {
        name: 'version tags on a registry with a port, in an init container, and in a helm test pod',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers:
      - {name: setup, image: "localhost:5000/tools/setup:2.1"}
      containers:
      - {name: app, image: "nginx:1.27.2"}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-test
  annotations: {helm.sh/hook: test}
spec:
  restartPolicy: Never
  containers:
  - {name: check, image: "curlimages/curl:8.10.1"}
`,
        violations: 3,
        severities: ['low', 'low', 'info'],
      },
    ],
  },
};
