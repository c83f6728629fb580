import { containerExfiltrationTells } from './pack/container-exfiltration-tells.js';
import { containerHoldsPowerfulToken } from './pack/container-holds-powerful-token.js';
import { allowPrivilegeEscalation } from './pack/allow-privilege-escalation.js';
import { apparmorProfile } from './pack/apparmor-profile.js';
import { barePod } from './pack/bare-pod.js';
import { capabilitiesAdded } from './pack/capabilities-added.js';
import { capabilitiesDropAll } from './pack/capabilities-drop-all.js';
import { configmapCredential } from './pack/configmap-credential.js';
import { containerResources } from './pack/container-resources.js';
import { containerRuntimeSocket } from './pack/container-runtime-socket.js';
import { defaultServiceAccount } from './pack/default-service-account.js';
import { hookDeletesItself } from './pack/hook-deletes-itself.js';
import { envCredentialValue } from './pack/env-credential-value.js';
import { ephemeralStorageLimit } from './pack/ephemeral-storage-limit.js';
import { hostNamespaces } from './pack/host-namespaces.js';
import { hostPathVolume } from './pack/host-path-volume.js';
import { hostPort } from './pack/host-port.js';
import { imageLatestTag } from './pack/image-latest-tag.js';
import { imageWithoutDigest } from './pack/image-without-digest.js';
import { podDnsOutsideCluster } from './pack/pod-dns-outside-cluster.js';
import { imagePullPolicyMovingTag } from './pack/image-pull-policy.js';
import { nodeRootAccess } from './pack/node-root-access.js';
import { privilegedContainer } from './pack/privileged-container.js';
import { probeHost } from './pack/probe-host.js';
import { probesMissing } from './pack/probes-missing.js';
import { procMount } from './pack/proc-mount.js';
import { readOnlyRootFilesystem } from './pack/read-only-root-filesystem.js';
import { restrictedVolumeTypes } from './pack/restricted-volume-types.js';
import { roleWildcard } from './pack/role-wildcard.js';
import { roleReadsSecrets } from './pack/role-reads-secrets.js';
import { roleEscalateBind } from './pack/role-escalate-bind.js';
import { roleImpersonate } from './pack/role-impersonate.js';
import { roleMintsTokens } from './pack/role-mints-tokens.js';
import { roleNodesProxy } from './pack/role-nodes-proxy.js';
import { roleApprovesCsr } from './pack/role-approves-csr.js';
import { roleWritesWebhooks } from './pack/role-writes-webhooks.js';
import { rolePodExec } from './pack/role-pod-exec.js';
import { roleCreatesWorkloads } from './pack/role-creates-workloads.js';
import { roleWritesCoredns } from './pack/role-writes-coredns.js';
import { roleDeletesEvents } from './pack/role-deletes-events.js';
import { roleDestructiveDelete } from './pack/role-destructive-delete.js';
import { namespacePodSecurityNotEnforced, namespacePodSecurityPrivileged, namespaceWithoutPodSecurity } from './pack/namespace-pod-security.js';
import { netpolAllowsAll } from './pack/netpol-allows-all.js';
import { netpolAllowsNodeServices } from './pack/netpol-allows-node-services.js';
import { netpolSelectsNothing } from './pack/netpol-selects-nothing.js';
import { serviceAccountUnbound } from './pack/service-account-unbound.js';
import { runAsNonRoot } from './pack/run-as-non-root.js';
import { runAsRootGroup } from './pack/run-as-root-group.js';
import { runAsRootUser } from './pack/run-as-root-user.js';
import { seccompProfile } from './pack/seccomp-profile.js';
import { secretInEnv } from './pack/secret-in-env.js';
import { selinuxOptions } from './pack/selinux-options.js';
import { shareProcessNamespace } from './pack/share-process-namespace.js';
import { subpathMount } from './pack/subpath-mount.js';
import { unsafeSysctls } from './pack/unsafe-sysctls.js';
import { windowsHostProcess } from './pack/windows-host-process.js';
import { workloadInDefaultNamespace, workloadInKubeSystem } from './pack/workload-namespace.js';
import type { Rule } from './rule.js';

/** The built-in rule pack, in the order docs list them. */
export const builtinRules: readonly Rule[] = [
  containerHoldsPowerfulToken,
  containerExfiltrationTells,
  podDnsOutsideCluster,
  hookDeletesItself,
  privilegedContainer,
  defaultServiceAccount,
  imageLatestTag,
  imageWithoutDigest,
  // Pod and container security; the Pod Security Standards' checks each have one owner here (docs/rules.md).
  hostNamespaces,
  hostPort,
  hostPathVolume,
  containerRuntimeSocket,
  nodeRootAccess,
  capabilitiesAdded,
  capabilitiesDropAll,
  allowPrivilegeEscalation,
  runAsNonRoot,
  runAsRootUser,
  runAsRootGroup,
  readOnlyRootFilesystem,
  seccompProfile,
  apparmorProfile,
  procMount,
  unsafeSysctls,
  selinuxOptions,
  windowsHostProcess,
  probeHost,
  restrictedVolumeTypes,
  shareProcessNamespace,
  subpathMount,
  // Resources and reliability.
  containerResources,
  ephemeralStorageLimit,
  probesMissing,
  barePod,
  workloadInDefaultNamespace,
  workloadInKubeSystem,
  imagePullPolicyMovingTag,
  // Credentials in plain sight.
  envCredentialValue,
  configmapCredential,
  secretInEnv,
  // RBAC on the role objects themselves: one finding per PolicyRule, at its most severe risk (role-grants.ts).
  roleWildcard,
  roleReadsSecrets,
  roleEscalateBind,
  roleImpersonate,
  roleMintsTokens,
  roleNodesProxy,
  roleApprovesCsr,
  roleWritesWebhooks,
  rolePodExec,
  roleCreatesWorkloads,
  roleWritesCoredns,
  roleDeletesEvents,
  roleDestructiveDelete,
  serviceAccountUnbound,
  // Namespaces the sources create, and NetworkPolicy objects on their own.
  namespaceWithoutPodSecurity,
  namespacePodSecurityPrivileged,
  namespacePodSecurityNotEnforced,
  netpolSelectsNothing,
  netpolAllowsAll,
  netpolAllowsNodeServices,
];

export function ruleById(id: string): Rule | undefined {
  return builtinRules.find((rule) => rule.meta.id === id);
}
