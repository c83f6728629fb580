import { isHelmTestHook } from '../../core/hooks.js';
import { isMovingTag, parseImage } from '../../core/image.js';
import { containersOf, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, Violation } from '../rule.js';
import { checkedWorkload } from './helpers.js';

export const imageLatestTag: Rule = {
  meta: {
    id: 'image-latest-tag',
    title: 'Container image without a pinned tag',
    severity: 'medium',
    stage: 'fortify',
    description:
      'A container image with no tag, or the tag `latest`, and no digest. What runs changes whenever someone pushes, so the image you reviewed is not the image that runs, and a compromised registry account ships straight into the cluster. A `helm test` pod runs only when someone runs the tests: `info` there.',
    remediation: 'Pin the image to a version tag, better to a digest (`image: registry/app:1.4.2@sha256:…`).',
    references: [
      { tool: 'kube-linter', id: 'latest-tag' },
      { tool: 'checkov', id: 'CKV_K8S_14' },
      { tool: 'trivy', id: 'KSV-0013' },
      { tool: 'polaris', id: 'tagNotSpecified' },
      { tool: 'kube-score', id: 'container-image-tag' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const violations: Violation[] = [];
    for (const { container, path } of containersOf(object)) {
      if (typeof container.image !== 'string' || !container.image) continue;
      const reference = parseImage(container.image);
      if (!isMovingTag(reference)) continue;
      const testHook = isHelmTestHook(object);
      const why = reference.tag ? 'the tag "latest" moves' : 'no tag means "latest"';
      const message = `container "${container.name}" runs image "${container.image}": ${why}${testHook ? ' (a helm test pod)' : ''}`;
      violations.push(testHook ? { message, path: [...path, 'image'], severity: 'info' } : { message, path: [...path, 'image'] });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'version tag, digest, and a registry with a port',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: "nginx:1.27.2"}
  - {name: pinned, image: "ghcr.io/acme/agent@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"}
  - {name: local, image: "localhost:5000/tools/debug:2.1"}
`,
      },
    ],
    invalid: [
      {
        name: 'latest tag and no tag, in a sidecar and an init container',
        yaml: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: fast-trace-agent}
spec:
  selector: {matchLabels: {app: trace}}
  template:
    metadata: {labels: {app: trace}}
    spec:
      initContainers:
      - {name: setup, image: "busybox"}
      containers:
      - {name: agent, image: "fast-trace/agent:1.0"}
      - {name: helper, image: "fast-trace/helper:latest"}
`,
        violations: 2,
      },
      {
        name: 'a helm test pod with a moving tag (reported at info)',
        yaml: `
apiVersion: v1
kind: Pod
metadata:
  name: web-test-connection
  annotations: {helm.sh/hook: test}
spec:
  restartPolicy: Never
  containers:
  - {name: wget, image: "busybox", command: [wget, "web:80"]}
`,
        violations: 1,
        severities: ['info'],
      },
    ],
  },
};
