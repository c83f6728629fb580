import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { errorText, escapeControl, foreignMessage, oneLine, redact, REDACTED, systemErrorText } from '../../src/core/sanitize.js';

describe('escapeControl', () => {
  it.each([
    ['carriage return and ANSI erase', 'helper\r\x1b[2K\x1b[1Aok', 'helper\\r\\x1b[2K\\x1b[1Aok'],
    ['newline and tab', 'a\nb\tc', 'a\\nb\\tc'],
    ['DEL and C1 (8-bit CSI)', 'x\x7f\x9b31m', 'x\\x7f\\x9b31m'],
    ['bidi override (Trojan Source)', 'admin\u202e\u2066', 'admin\\u202e\\u2066'],
    ['zero-width and BOM', 'a\u200bb\ufeff', 'a\\u200bb\\ufeff'],
    ['plain text, accents and emoji untouched', 'café 🟥 ns/name', 'café 🟥 ns/name'],
  ])('%s', (_name, input, expected) => {
    expect(escapeControl(input)).toBe(expected);
  });
});

describe('oneLine', () => {
  it('folds whitespace runs, escapes what is left and cuts long text', () => {
    expect(oneLine('  Error: bad\n\n   thing\r\n\x1b]0;title\x07  ')).toBe('Error: bad thing \\x1b]0;title\\x07');
    expect(oneLine('x'.repeat(50), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});

describe('redact', () => {
  it('replaces every occurrence, longest value first, and pattern matches whatever they hold', () => {
    expect(redact('key "hunter2hunter2" and hunter2hunter2x', ['hunter2hunter2', 'hunter2hunter2x'])).toBe(`key "${REDACTED}" and ${REDACTED}`);
    expect(redact('literal sources [a=1 b=2]: bad', [/(?<=literal sources \[)[^\]]*(?=\])/g])).toBe(`literal sources [${REDACTED}]: bad`);
  });

  it('leaves values too short to be secrets, which would blank ordinary words', () => {
    expect(redact('the value is on', ['on', 'the'])).toBe('the value is on');
  });

  it('redacts before folding, so a multi-line secret cannot slip through', () => {
    expect(foreignMessage('Error: -----BEGIN KEY-----\nAAAA\n-----END KEY-----', { secrets: ['-----BEGIN KEY-----\nAAAA\n-----END KEY-----'] })).toBe(`Error: ${REDACTED}`);
    expect(errorText(new Error('first\nsecond'))).toBe('first second');
  });
});

describe('systemErrorText', () => {
  it("says a file system error in words, its code after them; another error by its message", () => {
    const missing = (() => {
      try {
        readFileSync('/no/such/kubeward/file');
      } catch (error) {
        return error;
      }
    })();
    expect(systemErrorText(missing)).toBe('no such file or directory (ENOENT)');
    const directory = (() => {
      try {
        readFileSync(tmpdir());
      } catch (error) {
        return error;
      }
    })();
    expect(systemErrorText(directory)).toBe('illegal operation on a directory (EISDIR)');
    expect(systemErrorText(Object.assign(new Error('x'), { code: 'ERR_SOMETHING' }))).toBe('ERR_SOMETHING');
    expect(systemErrorText(new Error('bad\nthing'))).toBe('bad thing');
  });
});
