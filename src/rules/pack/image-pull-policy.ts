import { isHelmTestHook } from '../../core/hooks.js';
import { containersOf, describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule } from '../rule.js';
import { checkedWorkload } from './helpers.js';
import { isMovingTag, parseImage, type ImageReference } from '../../core/image.js';

/** Moves under you: no digest and `latest` or no tag, or a tag naming a channel rather than a release (no digit: `stable`, `main`, `alpine`). */
function movesUnderYou(reference: ImageReference): boolean {
  return isMovingTag(reference) || (!reference.digest && reference.tag !== undefined && !/\d/.test(reference.tag));
}

export const imagePullPolicyMovingTag: Rule = {
  meta: {
    id: 'image-pull-policy-moving-tag',
    title: 'Moving image tag with a pull policy that caches it',
    severity: 'low',
    stage: 'fortify',
    description:
      'With `imagePullPolicy: IfNotPresent` or `Never`, a node runs whatever image it pulled last under a moving tag (none, `latest`, `stable`…): two nodes run two different images under one name, and a rollback does not roll back. (The pinning itself is `image-latest-tag`\'s.) `info` in a `helm test` pod.',
    remediation: 'Pin the image by digest, or use a version tag; keep `Always` only while the tag moves.',
    references: [
      { tool: 'kubescape', id: 'C-0075' },
      { tool: 'checkov', id: 'CKV_K8S_15' },
      { tool: 'polaris', id: 'pullPolicyNotAlways' },
      { tool: 'kube-score', id: 'container-image-pull-policy' },
    ],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const testHook = isHelmTestHook(object);
    return containersOf(object).flatMap((ref) => {
      const { image, imagePullPolicy } = ref.container;
      if (typeof image !== 'string' || (imagePullPolicy !== 'IfNotPresent' && imagePullPolicy !== 'Never')) return [];
      if (!movesUnderYou(parseImage(image))) return [];
      return [
        {
          message: `${describeContainer(ref)} runs "${image}" with imagePullPolicy ${imagePullPolicy}: each node keeps whichever image it pulled under that tag${testHook ? ' (a helm test pod)' : ''}`,
          path: [...ref.path, 'imagePullPolicy'],
          ...(testHook ? { severity: 'info' as const } : {}),
        },
      ];
    });
  },
  examples: {
    valid: [
      {
        name: 'a version tag with IfNotPresent; latest with Always',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: "web:1.2.3", imagePullPolicy: IfNotPresent}
  - {name: tools, image: "tools:latest", imagePullPolicy: Always}
`,
      },
    ],
    invalid: [
      {
        name: 'latest with IfNotPresent, and a channel tag with Never',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - {name: app, image: "web:latest", imagePullPolicy: IfNotPresent}
  - {name: proxy, image: "registry.example.com:5000/proxy:stable", imagePullPolicy: Never}
`,
        violations: 2,
      },
    ],
  },
};
