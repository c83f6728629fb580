import { isRecord } from '../../core/object.js';
import { joinQuote, pluralize, type PodSecurityCheck, type PodSecurityViolation } from '../model.js';

/** hostPath volumes give the pod the node's filesystem: baseline forbids them (restricted's restrictedVolumes too). */
export const hostPathVolumes: PodSecurityCheck = {
  id: 'hostPathVolumes',
  level: 'baseline',
  versions: [
    {
      minimumVersion: 0,
      evaluate({ spec }) {
        const violations: PodSecurityViolation[] = [];
        (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((volume, index) => {
          if (isRecord(volume) && isRecord(volume.hostPath)) violations.push({ field: ['spec', 'volumes', index, 'hostPath'], value: String(volume.name ?? '') });
        });
        if (!violations.length) return undefined;
        const names = violations.map((violation) => violation.value ?? '');
        return { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)}`, violations };
      },
    },
  ],
};
