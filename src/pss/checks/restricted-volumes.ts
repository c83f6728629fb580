import { isRecord } from '../../core/object.js';
import { podField, joinQuote, pluralize, unique, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

/** The inline volume sources restricted allows: none of them reaches the node or a storage backend directly. */
export const RESTRICTED_VOLUME_TYPES: ReadonlySet<string> = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/** Every volume source the core API knows; any other key is an `unknown` type to upstream, and forbidden. */
const KNOWN_VOLUME_TYPES: readonly string[] = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'flexVolume', 'cinder', 'cephfs',
  'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos',
];

/** The source type of a volume. A volume naming no source is an emptyDir: the API server defaults it so. */
export function volumeTypeOf(volume: Record<string, unknown>): string {
  for (const type of RESTRICTED_VOLUME_TYPES) if (volume[type] !== undefined && volume[type] !== null) return type;
  for (const type of KNOWN_VOLUME_TYPES) if (volume[type] !== undefined && volume[type] !== null) return type;
  const other = Object.keys(volume).find((key) => key !== 'name' && volume[key] !== undefined && volume[key] !== null);
  return other ?? 'emptyDir';
}

export const restrictedVolumes: PodSecurityCheck = {
  id: 'restrictedVolumes',
  level: 'restricted',
  versions: [
    {
      minimumVersion: 0,
      overrides: ['hostPathVolumes'],
      evaluate(pod) {
        const { spec } = pod;
        const volumes = spec.volumes;
        if (!Array.isArray(volumes)) return undefined;
        const violations: PodSecurityViolation[] = [];
        const names: string[] = [];
        for (let index = 0; index < volumes.length; index++) {
          const volume: unknown = volumes[index];
          if (!isRecord(volume)) continue;
          const type = volumeTypeOf(volume);
          if (RESTRICTED_VOLUME_TYPES.has(type)) continue;
          names.push(String(volume.name ?? ''));
          violations.push({ field: podField(pod, 'spec', 'volumes', index, type), value: KNOWN_VOLUME_TYPES.includes(type) ? type : `unknown (${type})` });
        }
        if (!violations.length) return undefined;
        return {
          reason: 'restricted volume types',
          detail: () => {
            const types = unique(violations.map((violation) => violation.value ?? ''));
            return `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('restricted volume type', 'restricted volume types', types.length)} ${joinQuote(types)}`;
          },
          violations,
        };
      },
    },
  ],
};
