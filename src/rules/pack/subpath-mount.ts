import { isRecord } from '../../core/object.js';
import { containersOf, describeContainer, WORKLOAD_KINDS } from '../../core/workload.js';
import type { Rule, Violation } from '../rule.js';
import { checkedWorkload, hardening } from './helpers.js';

/** The field a volume mount narrows the volume with, if any. */
function subPathField(mount: Record<string, unknown>): 'subPath' | 'subPathExpr' | undefined {
  return typeof mount.subPath === 'string' && mount.subPath ? 'subPath' : typeof mount.subPathExpr === 'string' && mount.subPathExpr ? 'subPathExpr' : undefined;
}

export const subpathMount: Rule = hardening({
  meta: {
    id: 'subpath-mount',
    title: 'Volume mounted with subPath',
    severity: 'info',
    stage: 'fortify',
    description:
      'On kubelets without the fix for CVE-2021-25741 (before 1.19.15, 1.20.11, 1.21.5, 1.22.2), a `subPath` or `subPathExpr` pointing at a symlink another container planted gives access to any file of the node. `low` when another container of the pod can write the volume (it could plant the link), `info` otherwise.',
    remediation: 'Keep nodes patched; mount whole volumes, or make sure no other container can write the volume a `subPath` reads.',
    references: [{ tool: 'kubescape', id: 'C-0058' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    const refs = containersOf(object);
    if (!refs.some((ref) => Array.isArray(ref.container.volumeMounts) && ref.container.volumeMounts.some((mount) => isRecord(mount) && subPathField(mount)))) return [];
    const writers = new Map<string, Set<string>>();
    for (const ref of refs) {
      for (const mount of Array.isArray(ref.container.volumeMounts) ? ref.container.volumeMounts : []) {
        if (!isRecord(mount) || mount.readOnly === true || typeof mount.name !== 'string') continue;
        const set = writers.get(mount.name) ?? new Set<string>();
        set.add(ref.path.join('.'));
        writers.set(mount.name, set);
      }
    }
    const violations: Violation[] = [];
    for (const ref of refs) {
      const mounts = Array.isArray(ref.container.volumeMounts) ? ref.container.volumeMounts : [];
      mounts.forEach((mount, index) => {
        if (!isRecord(mount)) return;
        const field = subPathField(mount);
        if (!field) return;
        const others = [...(writers.get(String(mount.name)) ?? [])].filter((path) => path !== ref.path.join('.'));
        violations.push({
          message: `${describeContainer(ref)} mounts ${field} "${String(mount[field])}" of volume "${String(mount.name)}"${others.length ? ', which another container of the pod can write' : ''}`,
          path: [...ref.path, 'volumeMounts', index, field],
          severity: others.length ? 'low' : 'info',
          evidence: { volume: mount.name, [field]: mount[field], writableByOtherContainers: others.length > 0 },
        });
      });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'whole-volume mounts',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: "web:1.2", volumeMounts: [{name: config, mountPath: /etc/web}]}]
  volumes: [{name: config, configMap: {name: web}}]
`,
      },
    ],
    invalid: [
      {
        name: 'a config file by subPath (info), and a shared emptyDir another container writes (low)',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    image: "web:1.2"
    volumeMounts:
    - {name: config, mountPath: /etc/web/web.conf, subPath: web.conf}
    - {name: shared, mountPath: /data/in, subPathExpr: "$(POD_NAME)"}
  - name: helper
    image: "helper:0.1"
    volumeMounts: [{name: shared, mountPath: /shared}]
  volumes:
  - {name: config, configMap: {name: web}}
  - {name: shared, emptyDir: {}}
`,
        violations: 2,
        severities: ['info', 'low'],
      },
    ],
  },
});
