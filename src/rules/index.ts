import { containerExfiltrationTells } from './pack/container-exfiltration-tells.js';
import { containerHoldsPowerfulToken } from './pack/container-holds-powerful-token.js';
import { defaultServiceAccount } from './pack/default-service-account.js';
import { hookDeletesItself } from './pack/hook-deletes-itself.js';
import { imageLatestTag } from './pack/image-latest-tag.js';
import { imageWithoutDigest } from './pack/image-without-digest.js';
import { podDnsOutsideCluster } from './pack/pod-dns-outside-cluster.js';
import { privilegedContainer } from './pack/privileged-container.js';
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
];

export function ruleById(id: string): Rule | undefined {
  return builtinRules.find((rule) => rule.meta.id === id);
}
