/**
 * Regular expressions with RE2 semantics, as the API server runs them (cel-go's `matches`, the
 * Kubernetes `find`/`findAll`): linear time, no lookaround or backreferences, `(?i)` inline flags,
 * POSIX classes. A pattern JavaScript accepts but RE2 rejects (`(?=a)`, `a{1001}`) is an error, at
 * compile time when the pattern is a literal. Compiled patterns are cached.
 */
import { RE2JS } from 're2js';

const cache = new Map<string, RE2JS>();
const MAX_CACHED = 512;

/** The compiled pattern, or throws an Error naming RE2's complaint. */
export function re2(pattern: string): RE2JS {
  let compiled = cache.get(pattern);
  if (compiled) return compiled;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, compiled);
  return compiled;
}

/** RE2's complaint about a pattern, or undefined when RE2 accepts it. */
export function re2Error(pattern: string): string | undefined {
  try {
    re2(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** `string.matches(re)`: an unanchored search, as cel-go. */
export function re2Matches(text: string, pattern: string): boolean {
  return re2(pattern).matcher(text).find();
}

/** `string.find(re)`: the first match, or `''`. */
export function re2Find(text: string, pattern: string): string {
  const matcher = re2(pattern).matcher(text);
  return matcher.find() ? (matcher.group() ?? '') : '';
}

/** `string.findAll(re[, limit])`: every match, at most `limit` when it is non-negative. */
export function re2FindAll(text: string, pattern: string, limit = -1): string[] {
  const matcher = re2(pattern).matcher(text);
  const found: string[] = [];
  while ((limit < 0 || found.length < limit) && matcher.find()) found.push(matcher.group() ?? '');
  return found;
}
