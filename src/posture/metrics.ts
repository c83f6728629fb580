import type { PostureMetric } from './model.js';

type Extra = { better: PostureMetric['better']; goal?: string; detail?: string };

function withExtra(base: Omit<PostureMetric, 'better' | 'goal' | 'detail'>, extra: Extra): PostureMetric {
  return { ...base, better: extra.better, ...(extra.goal ? { goal: extra.goal } : {}), ...(extra.detail ? { detail: extra.detail } : {}) };
}

export function metric(id: string, name: string, value: number, extra: Extra): PostureMetric {
  return withExtra({ id, name, value, display: value.toLocaleString('en'), unit: 'count' }, extra);
}

/** A share: `part/whole (NN%)`; the value trended is the percentage. */
export function percentMetric(id: string, name: string, part: number, whole: number, extra: Extra): PostureMetric {
  const percent = Math.round((1000 * part) / whole) / 10;
  return withExtra({ id, name, value: percent, display: `${part}/${whole} (${percent}%)`, unit: 'percent' }, extra);
}

export function secondsMetric(id: string, name: string, seconds: number, extra: Extra): PostureMetric {
  const rounded = Math.round(seconds * 1000) / 1000;
  return withExtra({ id, name, value: rounded, display: durationText(rounded), unit: 'seconds' }, extra);
}

/** A metric this run could not measure: null, and why, so trends show a gap rather than a zero. */
export function notMeasured(id: string, name: string, unit: PostureMetric['unit'], better: PostureMetric['better'], why: string, display = `not measured: ${why}`): PostureMetric {
  return { id, name, value: null, display, unit, better, ...(display !== `not measured: ${why}` ? { detail: why } : {}) };
}

/** `850ms`, `42s`, `3m 10s`, `5h 2m`, `12d 4h`. */
export function durationText(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  const whole = Math.round(seconds);
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = whole;
  for (const [unit, size] of units) {
    if (rest >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** A metric's value as the trend table shows it. */
export function valueText(value: number | null, unit: PostureMetric['unit']): string {
  if (value === null) return '–';
  if (unit === 'percent') return `${value}%`;
  if (unit === 'seconds') return durationText(value);
  return value.toLocaleString('en');
}
