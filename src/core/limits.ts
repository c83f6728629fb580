import { InputError } from './errors.js';

/**
 * Bounds on the numbers users give for durations. Node's timers hold at most 2^31-1 ms (24.8 days):
 * a longer delay prints a TimeoutOverflowWarning and fires after 1 ms, which would kill helm at
 * once. Every duration is checked against a sane maximum where it enters (flag or configuration).
 */

/** The longest delay a Node timer can wait. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The longest duration a flag or setting may ask for: a day. */
export const MAX_DURATION_SECONDS = 86_400;

/** A duration in seconds: a finite number above 0 and at most `maxSeconds`, else an InputError naming `name`. */
export function checkSeconds(value: unknown, name: string, maxSeconds = MAX_DURATION_SECONDS): number {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > maxSeconds) {
    throw new InputError(`${name} must be a number of seconds above 0 and at most ${maxSeconds}`);
  }
  return seconds;
}

/** A delay for setTimeout/setInterval, never past what a timer can hold. */
export function timerDelay(ms: number): number {
  return Math.min(Math.max(ms, 1), MAX_TIMER_MS);
}

/**
 * More objects than a real chart or kustomization renders (--max-render-objects): the biggest charts
 * render a few hundred objects, a chart of many tenants a few thousand. A template that loops renders
 * hundreds of thousands in seconds (300,000 took 70 s and 2.4 GB to scan; with a 512 MB heap node
 * aborted past 20,000 privileged Deployments, with a native trace, where 10,000 scan within it).
 */
export const DEFAULT_MAX_RENDER_OBJECTS = 10_000;
