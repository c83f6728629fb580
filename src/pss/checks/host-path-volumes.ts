import { isRecord } from '../../core/object.js';
import { podField, joinQuote, pluralize, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

/** hostPath volumes give the pod the node's filesystem: baseline forbids them (restricted's restrictedVolumes too). */
export const hostPathVolumes: PodSecurityCheck = {
  id: 'hostPathVolumes',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate(pod) {
        const { spec } = pod;
        const volumes = spec.volumes;
        if (!Array.isArray(volumes)) return undefined;
        const violations: PodSecurityViolation[] = [];
        for (let index = 0; index < volumes.length; index++) {
          const volume: unknown = volumes[index];
          if (isRecord(volume) && isRecord(volume.hostPath)) violations.push({ field: podField(pod, 'spec', 'volumes', index, 'hostPath'), value: String(volume.name ?? '') });
        }
        if (!violations.length) return undefined;
        return {
          reason: 'hostPath volumes',
          detail: () => {
            const names = violations.map((violation) => violation.value ?? '');
            return `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}`;
          },
          violations,
        };
      },
    },
  ],
};
