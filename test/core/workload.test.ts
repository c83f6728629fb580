import { describe, expect, it } from 'vitest';
import { Inventory } from '../../src/core/inventory.js';
import type { KubeObject } from '../../src/core/object.js';
import { containersOf, hasControllerIn, podTemplateOf, serviceAccountOf, tokenAutomounted, WORKLOAD_KINDS } from '../../src/core/workload.js';

const spec = { serviceAccountName: 'sa', containers: [{ name: 'c', image: 'i' }] };
const object = (kind: string, body: Record<string, unknown>, apiVersion = 'apps/v1'): KubeObject => ({ apiVersion, kind, metadata: { name: kind.toLowerCase(), namespace: 'ns' }, ...body });

describe('podTemplateOf', () => {
  it.each([
    ['Pod', object('Pod', { spec }, 'v1'), ['spec']],
    ['Deployment', object('Deployment', { spec: { template: { metadata: { labels: { a: 'b' } }, spec } } }), ['spec', 'template', 'spec']],
    ['StatefulSet', object('StatefulSet', { spec: { template: { spec } } }), ['spec', 'template', 'spec']],
    ['DaemonSet', object('DaemonSet', { spec: { template: { spec } } }), ['spec', 'template', 'spec']],
    ['ReplicaSet', object('ReplicaSet', { spec: { template: { spec } } }), ['spec', 'template', 'spec']],
    ['ReplicationController', object('ReplicationController', { spec: { template: { spec } } }, 'v1'), ['spec', 'template', 'spec']],
    ['Job', object('Job', { spec: { template: { spec } } }, 'batch/v1'), ['spec', 'template', 'spec']],
    ['CronJob', object('CronJob', { spec: { jobTemplate: { spec: { template: { spec } } } } }, 'batch/v1'), ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
  ])('finds the pod spec of a %s', (_kind, workload, path) => {
    const template = podTemplateOf(workload)!;
    expect(template.spec).toBe(spec);
    expect(template.specPath).toEqual(path);
  });

  it('covers exactly the workload kinds', () => {
    expect([...WORKLOAD_KINDS].sort()).toEqual(['CronJob', 'DaemonSet', 'Deployment', 'Job', 'Pod', 'ReplicaSet', 'ReplicationController', 'StatefulSet']);
  });

  it('returns undefined for other kinds and for malformed workloads', () => {
    expect(podTemplateOf(object('Service', { spec: {} }, 'v1'))).toBeUndefined();
    expect(podTemplateOf(object('Deployment', { spec: { template: 'oops' } }))).toBeUndefined();
    expect(podTemplateOf(object('CronJob', {}, 'batch/v1'))).toBeUndefined();
  });
});

describe('containersOf', () => {
  it('yields init containers, native sidecars, containers and ephemeral containers with their paths', () => {
    const pod = object(
      'Pod',
      {
        spec: {
          initContainers: [{ name: 'init' }, { name: 'sidecar', restartPolicy: 'Always' }],
          containers: [{ name: 'main' }],
          ephemeralContainers: [{ name: 'debug' }],
        },
      },
      'v1',
    );
    expect(containersOf(pod).map(({ container, kind, path }) => [container.name, kind, path.join('.')])).toEqual([
      ['init', 'initContainer', 'spec.initContainers.0'],
      ['sidecar', 'sidecar', 'spec.initContainers.1'],
      ['main', 'container', 'spec.containers.0'],
      ['debug', 'ephemeralContainer', 'spec.ephemeralContainers.0'],
    ]);
  });
});

describe('service accounts', () => {
  it.each([
    [{ serviceAccountName: 'a' }, 'a'],
    [{ serviceAccount: 'legacy' }, 'legacy'],
    [{ serviceAccountName: '', serviceAccount: 'legacy' }, 'legacy'],
    [{}, 'default'],
  ])('serviceAccountOf(%j) is %s', (podSpec, name) => {
    expect(serviceAccountOf(podSpec)).toBe(name);
  });

  const account = (automount?: boolean): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'a' }, ...(automount === undefined ? {} : { automountServiceAccountToken: automount }) });
  it.each([
    ['no setting anywhere', {}, account(), true],
    ['no ServiceAccount object known', {}, undefined, true],
    ['the ServiceAccount opts out', {}, account(false), false],
    ['the pod opts back in over the ServiceAccount', { automountServiceAccountToken: true }, account(false), true],
    ['the pod opts out over the ServiceAccount', { automountServiceAccountToken: false }, account(true), false],
  ])('token automount: %s', (_name, podSpec, serviceAccount, mounted) => {
    expect(tokenAutomounted(podSpec, serviceAccount)).toBe(mounted);
  });
});

describe('hasControllerIn', () => {
  const replicaSet = object('ReplicaSet', { spec: { template: { spec } } });
  const owned = (controller: boolean, name = 'replicaset'): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, controller, uid: 'u' }] },
    spec,
  });
  it('is true only for a controller owner that is in the inventory', () => {
    const inventory = Inventory.of([replicaSet]);
    expect(hasControllerIn(owned(true), inventory)).toBe(true);
    expect(hasControllerIn(owned(false), inventory)).toBe(false);
    expect(hasControllerIn(owned(true, 'elsewhere'), inventory)).toBe(false);
    expect(hasControllerIn(replicaSet, inventory)).toBe(false);
  });
});
