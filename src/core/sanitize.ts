/**
 * Text kubeward did not write, on its way to a person: messages of parsers, helm, kubectl and the
 * API server, and names, paths and values taken from the inputs. Two hazards, one module:
 *
 * - A terminal obeys what it is sent: a carriage return or an ANSI sequence in a container name can
 *   repaint the line above it (a chart erasing its own HIGH finding); bidirectional overrides make
 *   text read differently from what it is. Every such character is shown as an escape instead.
 * - A tool's error may quote its input, and the input may hold a Secret: known secret values are
 *   replaced by REDACTED before the message goes anywhere.
 *
 * Messages kubeward builds from foreign text go through `foreignMessage`; human report formats pass
 * every foreign field through `escapeControl`.
 */
import { getSystemErrorMap } from 'node:util';

export const REDACTED = '<redacted>';

/** Values shorter than this are not redacted as substrings: they would blank common words, and are not secrets anyone relies on. */
export const MIN_REDACTED_LENGTH = 4;

/** The longest foreign message kept; the rest is cut (a tool that prints a whole manifest in its error). */
export const MAX_MESSAGE_LENGTH = 1000;

/**
 * C0 and C1 controls, DEL, and the Unicode format characters that reorder or hide text: bidi
 * embeddings, overrides and isolates, zero-width characters, line and paragraph separators, BOM.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Control and format characters as visible escapes (`\r`, `\x1b`, `\u202e`); everything else unchanged. */
export function escapeControl(text: string): string {
  if (!hasControl(text)) return text;
  return text.replace(CONTROL, (char) => {
    const named = NAMED[char];
    if (named) return named;
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Does the text hold a character escapeControl would change? */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(text);
  CONTROL.lastIndex = 0;
  return found;
}

/** One line: whitespace runs (newlines included) folded to a space, controls escaped, cut at `maxLength` characters. */
export function oneLine(text: string, maxLength = MAX_MESSAGE_LENGTH): string {
  const folded = escapeControl(text.replace(/[\t\n\v\f\r \u0085\u2028\u2029]+/g, ' ').trim());
  return folded.length > maxLength ? `${folded.slice(0, maxLength)}…` : folded;
}

/** A secret: a value (redacted wherever it occurs), or a pattern of a tool's message whose matches are secret whatever they hold (global flag). */
export type Secret = string | RegExp;

export interface ForeignOptions {
  secrets?: Iterable<Secret>;
  maxLength?: number;
}

/** Every match of every pattern and every occurrence of every value (MIN_REDACTED_LENGTH characters or more, longest first) replaced by REDACTED. */
export function redact(text: string, secrets: Iterable<Secret>): string {
  const all = [...secrets];
  let result = text;
  for (const pattern of all) if (pattern instanceof RegExp) result = result.replace(pattern, REDACTED);
  const values = [...new Set(all.filter((value): value is string => typeof value === 'string' && value.length >= MIN_REDACTED_LENGTH))].sort((a, b) => b.length - a.length);
  for (const value of values) if (result.includes(value)) result = result.split(value).join(REDACTED);
  return result;
}

/** A message built from foreign text: secrets redacted, then one line with controls escaped. */
export function foreignMessage(text: string, options: ForeignOptions = {}): string {
  return oneLine(redact(text, options.secrets ?? []), options.maxLength);
}

/**
 * A file system or network error in words, its code after them ("no such file or directory
 * (ENOENT)"), by Node's own table of system errors; any other error: its message, made safe to print.
 */
export function systemErrorText(error: unknown): string {
  const { code, errno } = (error ?? {}) as NodeJS.ErrnoException;
  if (typeof code === 'string' && typeof errno === 'number') {
    const known = getSystemErrorMap().get(errno);
    if (known) return `${known[1]} (${code})`;
  }
  return typeof code === 'string' ? code : errorText(error);
}

/** The message of anything thrown, as one safe line (an Error's message, or the value itself). */
export function errorText(error: unknown, options: ForeignOptions = {}): string {
  return foreignMessage(error instanceof Error ? error.message : String(error), options);
}
