import { isRecord } from '../../core/object.js';
import { joinQuote, podField, podSecurityContext, type CheckOutcome, type PodSecurityCheck, type PodSecurityViolation, type PodView } from '../model.js';

/** The "safe" sysctls (namespaced, isolated from other pods), as each release widened the list. */
const ALLOWED_1_0 = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start'];
const ALLOWED_1_27 = [...ALLOWED_1_0, 'net.ipv4.ip_local_reserved_ports'];
const ALLOWED_1_29 = [...ALLOWED_1_27, 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
const ALLOWED_1_32 = [...ALLOWED_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];
const ALLOWED_1_37 = [...ALLOWED_1_32, 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat'];

/** The allowed sysctls at the newest policy version: what the rules of a scan use. */
export const SAFE_SYSCTLS: readonly string[] = ALLOWED_1_37;

function sysctls(allowedList: readonly string[]) {
  const allowed = new Set(allowedList);
  return (pod: PodView): CheckOutcome => {
    const { spec } = pod;
    const list = podSecurityContext(spec)?.sysctls;
    if (!Array.isArray(list)) return undefined;
    const violations: PodSecurityViolation[] = [];
    for (let index = 0; index < list.length; index++) {
      const sysctl: unknown = list[index];
      const name = isRecord(sysctl) && typeof sysctl.name === 'string' ? sysctl.name : '';
      if (!allowed.has(name)) violations.push({ field: podField(pod, 'spec', 'securityContext', 'sysctls', index, 'name'), value: name });
    }
    if (!violations.length) return undefined;
    return { reason: 'forbidden sysctls', detail: () => joinQuote(violations.map((violation) => violation.value ?? '')), violations };
  };
}

export const sysctlsCheck: PodSecurityCheck = {
  id: 'sysctls',
  level: 'baseline',
  versions: [
    { minimumVersion: 0, evaluate: sysctls(ALLOWED_1_0) },
    { minimumVersion: 27, evaluate: sysctls(ALLOWED_1_27) },
    { minimumVersion: 29, evaluate: sysctls(ALLOWED_1_29) },
    { minimumVersion: 32, evaluate: sysctls(ALLOWED_1_32) },
    { minimumVersion: 37, evaluate: sysctls(ALLOWED_1_37) },
  ],
};
