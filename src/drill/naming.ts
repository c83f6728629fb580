/**
 * Does an alert name the pod and the ServiceAccount? What the blue team needs first, judged the same
 * way for a drill's simulated alerts and a live-fire drill's real ones: the name as a whole token
 * (`checkout/fast-trace-agent` names the account, not when it is the start of a pod's name).
 */
import type { Alert } from '../core/alert.js';

export interface NamedTarget {
  namespace: string;
  /** The pod's name, or the start of it (a Deployment's pods: `name-`). */
  pod?: string;
  serviceAccount?: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `token` in `text`, not followed by more of a name. */
const mentions = (text: string, token: string) => new RegExp(`${escape(token)}(?![-a-z0-9.])`).test(text);

/**
 * The alert's own fields first (`pod`, `serviceAccount`, the pods running as it), then its text (rules
 * of the team's own, Falco rules, alerts from before those fields existed).
 */
export function alertNames(alert: Pick<Alert, 'principal' | 'summary'> & Partial<Pick<Alert, 'pod' | 'serviceAccount'>>, target: NamedTarget): { pod: boolean; serviceAccount: boolean } {
  const text = `${alert.principal}\n${alert.summary}`;
  const { namespace, pod, serviceAccount } = target;
  const isPod = (candidate: { namespace: string; name: string } | undefined) =>
    candidate !== undefined && pod !== undefined && candidate.namespace === namespace && (pod.endsWith('-') ? candidate.name.startsWith(pod) : candidate.name === pod);
  return {
    pod:
      pod !== undefined &&
      (isPod(alert.pod) ||
        (alert.serviceAccount?.pods ?? []).some(isPod) ||
        (pod.endsWith('-') ? text.includes(`${namespace}/${pod}`) : mentions(text, `${namespace}/${pod}`) || mentions(text, `pod ${pod}`))),
    serviceAccount:
      serviceAccount !== undefined &&
      ((alert.serviceAccount?.namespace === namespace && alert.serviceAccount.name === serviceAccount) ||
        (alert.pod?.namespace === namespace && alert.pod.serviceAccount === serviceAccount) ||
        mentions(text, `system:serviceaccount:${namespace}:${serviceAccount}`) ||
        mentions(text, `ServiceAccount ${namespace}/${serviceAccount}`) ||
        text.includes(`"kind":"ServiceAccount","name":"${serviceAccount}","namespace":"${namespace}"`)),
  };
}
