import { createHash } from 'node:crypto';
import { escapeControl } from '../core/sanitize.js';

/**
 * Building blocks of the self-contained HTML reports: escaping for text and attributes, a JSON data
 * island that no string can break out of, and a Content-Security-Policy that allows exactly the
 * inline scripts and styles the page carries (by hash) and nothing from anywhere else.
 */

/** Text for an HTML element or a quoted attribute: controls made visible, markup characters escaped. */
export function html(text: string | number): string {
  return escapeControl(String(text)).replace(/[&<>"']/g, (char) => ENTITIES[char]);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * JSON inside `<script type="application/json">`: `<` is written as `\u003c` so no `</script>` or
 * `<!--` can end or change the element, and every string has its controls escaped as the text shows them.
 */
export function jsonIsland(value: unknown): string {
  return JSON.stringify(visible(value)).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** Every string and every key with its controls escaped, as the markup shows them (ids in data attributes match). */
function visible(value: unknown): unknown {
  if (typeof value === 'string') return escapeControl(value);
  if (Array.isArray(value)) return value.map(visible);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [escapeControl(key), visible(item)]));
  return value;
}

function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The page's policy: nothing may load from anywhere (`default-src 'none'`), only these exact inline
 * scripts and styles run, images only as data: URLs, no forms, no base URL, no framing by others'.
 */
export function contentSecurityPolicy(scripts: readonly string[], styles: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.map(hash).join(' ')}`,
    `style-src ${styles.map(hash).join(' ')}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
