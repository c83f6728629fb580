import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseFlows } from '../../src/netpol/flows.js';
import { ruleFileItems } from '../../src/detect/definitions.js';
import { parseYamlDocument } from '../../src/load/yaml-document.js';
import { parseJson, parseYamlStream } from '../../src/load/yaml.js';

/** A value that must never be printed, and a check that no five characters of it were. */
const CANARY = 'Qz7xW4kP9mV2sR8tLc';
function leaked(text: string): string | undefined {
  for (let start = 0; start + 5 <= CANARY.length; start++) if (text.includes(CANARY.slice(start, start + 5))) return CANARY.slice(start, start + 5);
  return undefined;
}

/** The message of what `parse` throws, which must be an InputError; '' when it parses (a parser may only warn, e.g. of an unknown tag). */
function messageOf(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  return '';
}

const SECRET = (value: string) => `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: ${value}\n`;

/** Malformed YAML with the canary at the fault or right next to it. */
const BAD_YAML: [string, string][] = [
  ['a bad \\U escape', SECRET(`"${CANARY}\\U${CANARY}"`)],
  ['a bad \\x escape', SECRET(`"\\x${CANARY}"`)],
  ['an unclosed double quote', SECRET(`"${CANARY}`)],
  ['an unclosed single quote', SECRET(`'${CANARY}`)],
  ['an unclosed flow sequence', SECRET(`[${CANARY}`)],
  ['an unclosed flow mapping', SECRET(`{a: ${CANARY}`)],
  ['a value after a quoted scalar', SECRET(`"x" ${CANARY}`)],
  ['a second value on the line', SECRET(`${CANARY}: x: y`)],
  ['bad indentation', `${SECRET(CANARY)}   broken: ${CANARY}\n  - ${CANARY}\n`],
  ['a tab as indentation', `${SECRET(CANARY)}\t${CANARY}: 1\n`],
  ['a duplicate key', `${SECRET(CANARY)}  password: ${CANARY}\n`],
  ['an unknown tag named like the value', SECRET(`!${CANARY} x`)],
  ['a verbatim tag', SECRET(`!<tag:${CANARY}> x`)],
  ['a tag with > in it (found by the property test)', SECRET(`!>${CANARY}`)],
  ['a verbatim tag with > in it', SECRET(`!<a>${CANARY}> x`)],
  ['an undefined alias', SECRET(`*${CANARY}`)],
  ['a block scalar header with junk', SECRET(`|${CANARY}\n    x`)],
  ['a directive', `%${CANARY} x\n---\n${SECRET(CANARY)}`],
  ['a plain scalar starting with a reserved character', SECRET(`@${CANARY}`)],
];

describe('a parse error never quotes the input', () => {
  it.each(BAD_YAML)('YAML: %s', (_name, text) => {
    const plain = messageOf(() => parseYamlStream(text, { file: 's.yaml' }));
    // The same document with an anchor goes through the alias-safe parser: its errors are checked too.
    const anchored = messageOf(() => parseYamlStream(`x: &a 1\n${text}`, { file: 's.yaml' }));
    expect(plain || anchored).toMatch(/^s\.yaml:\d+: invalid YAML: /);
    for (const message of [plain, anchored]) {
      if (message) expect(message).toMatch(/^s\.yaml:\d+: invalid YAML: /);
      expect(leaked(message)).toBeUndefined();
    }
  });

  const secretJson = (value: string) => `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":${value}}}`;
  it.each([
    ['a bare word', secretJson(CANARY)],
    ['text after a string', secretJson(`"${CANARY}" ${CANARY}`)],
    ['a bad escape', secretJson(`"${CANARY}\\q${CANARY}"`)],
    ['a bad \\u escape', secretJson(`"${CANARY}\\u12${CANARY}"`)],
    ['a raw newline in a string', secretJson(`"${CANARY}\n${CANARY}"`)],
    ['an unterminated string', `{"data":{"k":"${CANARY}`],
    ['a trailing comma', secretJson(`"${CANARY}",`)],
    ['a single-quoted string', secretJson(`'${CANARY}'`)],
    ['a long document with the fault in the middle of the value', secretJson(`"${'A'.repeat(5000)}${CANARY}"${CANARY}`)],
  ])('JSON: %s', (_name, text) => {
    const message = messageOf(() => parseJson(text, { file: 's.json' }));
    expect(message).toMatch(/^s\.json:\d+: invalid JSON: .+ \(column \d+\)$/);
    expect(leaked(message)).toBeUndefined();
  });

  it.each(BAD_YAML)('rules, flows and configuration files (core schema): %s', (_name, text) => {
    for (const parse of [
      () => parseYamlDocument(text, { file: 'c.yaml', schema: 'core' }),
      () => ruleFileItems({ name: 'r.yaml', text: `- list: x\n  items: [${text.replace(/\n/g, ' ')}` }),
      () => parseFlows(`connections:\n${text}`, 'f.yaml'),
    ]) {
      expect(leaked(messageOf(parse))).toBeUndefined();
    }
  });

  it('holds for any text around the canary (property)', () => {
    const around = fc.string({ unit: fc.constantFrom('"', "'", '\\', ':', ' ', '\n', '\t', '[', ']', '{', '}', ',', '&', '*', '!', '|', '>', '<', '`', '?', '=', '-', '#', '%', '@', 'U', 'x', 'a', '1') , maxLength: 30 });
    fc.assert(
      fc.property(around, around, (before, after) => {
        const text = `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  k: ${before}${CANARY}${after}\n`;
        for (const parse of [() => parseYamlStream(text, { file: 'p.yaml' }), () => parseJson(`{"k": ${before}${CANARY}${after}}`, { file: 'p.json' })]) {
          try {
            parse();
          } catch (error) {
            if (!(error instanceof InputError)) throw error;
            if (leaked(error.message)) throw new Error(`leaked in: ${error.message}`);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
