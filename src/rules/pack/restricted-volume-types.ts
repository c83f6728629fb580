import { podTemplateOf, WORKLOAD_KINDS } from '../../core/workload.js';
import { RESTRICTED_VOLUME_TYPES } from '../../pss/index.js';
import type { Rule } from '../rule.js';
import { breaksLevel, checkedWorkload, hardening, podSecurityEvidence, podSecurityReference, podSecurityViolations } from './helpers.js';

export const restrictedVolumeTypes: Rule = hardening({
  meta: {
    id: 'restricted-volume-types',
    title: 'Volume type outside the restricted set',
    severity: 'low',
    stage: 'fortify',
    description: `The restricted level allows only ${[...RESTRICTED_VOLUME_TYPES].map((type) => `\`${type}\``).join(', ')} volumes: other inline sources (NFS, iSCSI, cloud disks, \`gitRepo\`…) reach storage past PersistentVolume policy. \`gitRepo\` is \`medium\`: it runs \`git\` on the node with the pod's arguments (CVE-2024-10220). hostPath volumes are reported by \`host-path-volume\` and \`container-runtime-socket\`.`,
    remediation: 'Use a PersistentVolumeClaim (or a CSI ephemeral volume); clone repositories in an init container into an emptyDir.',
    references: [podSecurityReference('restrictedVolumes'), { tool: 'trivy', id: 'KSV-0028' }],
    kinds: WORKLOAD_KINDS,
  },
  check(object, context) {
    if (!checkedWorkload(object, context)) return [];
    return podSecurityViolations(object, 'restrictedVolumes')
      .filter((violation) => violation.value !== 'hostPath')
      .map((violation) => {
        const type = String(violation.field[violation.field.length - 1]);
        const volume = podTemplateOf(object)?.spec.volumes?.[Number(violation.field[violation.field.length - 2])];
        return {
          message: `volume "${String(volume?.name ?? '')}" is of type ${violation.value}${type === 'gitRepo' ? ', which runs git on the node' : ''} (${breaksLevel('restrictedVolumes')})`,
          path: violation.field,
          severity: type === 'gitRepo' ? 'medium' : 'low',
          evidence: { type, ...podSecurityEvidence('restrictedVolumes') },
        };
      });
  },
  examples: {
    valid: [
      {
        name: 'every allowed type, a volume without a source (an emptyDir), and a hostPath (not this rule\'s)',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: "web:1.2"}]
  volumes:
  - {name: a, configMap: {name: web}}
  - {name: b, secret: {secretName: web}}
  - {name: c, emptyDir: {}}
  - {name: d, persistentVolumeClaim: {claimName: data}}
  - {name: e, projected: {sources: []}}
  - {name: f, downwardAPI: {items: []}}
  - {name: g, csi: {driver: secrets-store.csi.k8s.io}}
  - {name: h, ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}}}
  - {name: i}
  - {name: j, hostPath: {path: /var/log}}
`,
      },
    ],
    invalid: [
      {
        name: 'an NFS share (low) and a gitRepo (medium)',
        yaml: `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: app, image: "web:1.2"}]
  volumes:
  - {name: shared, nfs: {server: nfs.example.com, path: /exports/web}}
  - {name: site, gitRepo: {repository: "https://example.com/site.git"}}
`,
        violations: 2,
        severities: ['low', 'medium'],
      },
    ],
  },
});
