import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { forEachLine, LineSplitter, readInput, readLines, readRegularFileSync } from '../../src/load/input.js';
import { FileTail } from '../../src/load/tail.js';
import { writeTree } from '../helpers/chart.js';
import { runCli } from '../helpers/cli.js';

const MiB = 1024 * 1024;

function fifo(directory: string, name = 'fifo'): string {
  const path = join(directory, name);
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
  return path;
}

describe('readInput: every kind of input, each within a byte limit and a wait limit', () => {
  it('refuses a regular file over the limit before reading it', async () => {
    const tree = writeTree({ 'big.yaml': 'x'.repeat(2 * MiB) });
    await expect(readInput(join(tree, 'big.yaml'), 'manifest', { maxBytes: MiB })).rejects.toThrowError(/big\.yaml: 2\.0 MiB is over the 1 MiB limit; raise it with --max-file-size$/);
  });

  it('stops reading a device that never ends (/dev/zero) at the limit', async () => {
    await expect(readInput('/dev/zero', 'manifest', { maxBytes: MiB })).rejects.toThrowError(/^\/dev\/zero: more than the 1 MiB limit; raise it with --max-file-size$/);
  });

  it('gives up on a FIFO no one writes to, with a clear bound', async () => {
    const path = fifo(writeTree({}));
    await expect(readInput(path, 'manifest', { timeoutMs: 300 })).rejects.toThrowError(/fifo: nothing to read for 0\.3s \(a FIFO or pipe no one writes to\?\); raise it with --read-timeout$/);
  });

  it('reads a FIFO whose writer comes later, and a FIFO that overflows the limit is refused', async () => {
    const path = fifo(writeTree({}));
    const writer = spawn('sh', ['-c', `sleep 0.2; printf 'kind: A\\n' > '${path}'`]);
    await expect(readInput(path, 'manifest', { timeoutMs: 30_000 })).resolves.toBe('kind: A\n');
    await new Promise((resolve) => writer.on('close', resolve));
    const flood = spawn('sh', ['-c', `head -c 3000000 /dev/zero > '${path}'`]);
    await expect(readInput(path, 'manifest', { maxBytes: MiB, timeoutMs: 30_000 })).rejects.toThrowError(/more than the 1 MiB limit/);
    flood.kill();
  });

  it('reads a regular file synchronously only when it is one', () => {
    const tree = writeTree({ 'a.json': '{}' });
    expect(readRegularFileSync(join(tree, 'a.json'), MiB)).toBe('{}');
    expect(() => readRegularFileSync('/dev/zero', MiB, '--baseline z')).toThrowError(/^--baseline z: not a regular file/);
  });
});

describe('forEachLine and LineSplitter', () => {
  it('splits any chunking of a text into the lines of text.split (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'é', '\n', '\r', '🟥', ' '), maxLength: 200 }), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }), (text, sizes) => {
        const bytes = Buffer.from(text);
        const lines: string[] = [];
        const splitter = new LineSplitter(1 << 20, () => {
          throw new Error('no line is too long here');
        });
        let offset = 0;
        for (let index = 0; offset < bytes.length; index++) {
          const size = sizes[index % sizes.length];
          splitter.push(bytes.subarray(offset, offset + size), (line) => lines.push(line));
          offset += size;
        }
        splitter.end((line) => lines.push(line));
        const expected = text.split('\n').map((line) => line.replace(/\r$/, ''));
        if (text.endsWith('\n') || text === '') expected.pop();
        expect(lines).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('skips a line past the limit, reports its number, and goes on', () => {
    const skipped: number[] = [];
    const lines: [string, number][] = [];
    const splitter = new LineSplitter(10, (line) => skipped.push(line));
    for (const chunk of ['ok\n' + 'x'.repeat(8), 'x'.repeat(8), 'x'.repeat(8) + '\nafter\n', 'y'.repeat(20) + '\nlast']) splitter.push(Buffer.from(chunk), (text, line) => lines.push([text, line]));
    splitter.end((text, line) => lines.push([text, line]));
    expect(lines).toEqual([
      ['ok', 1],
      ['after', 3],
      ['last', 5],
    ]);
    expect(skipped).toEqual([2, 4]);
  });

  it('refuses a log line over the limit in one line naming where it is', async () => {
    const tree = writeTree({ 'audit.log': `{}\n${'x'.repeat(2 * MiB)}\n` });
    const lines: string[] = [];
    await expect(forEachLine(join(tree, 'audit.log'), 'audit log', (text) => lines.push(text), { maxBytes: MiB })).rejects.toThrowError(/audit\.log:2: a line longer than 1 MiB; raise it with --max-file-size$/);
    expect(lines).toEqual(['{}']);
    await expect(forEachLine('/dev/zero', 'DNS log', () => undefined, { maxBytes: MiB })).rejects.toThrowError(InputError);
  });

  it('readLines is pulled: batches of numbered lines, read only as far as asked, within the same bounds', async () => {
    const text = Array.from({ length: 5000 }, (_, index) => `line ${index + 1}`).join('\r\n');
    const tree = writeTree({ 'dns.log': text, 'long.log': `a\nb\n${'x'.repeat(2 * MiB)}\n` });
    const seen: string[] = [];
    for await (const { first, texts } of readLines(join(tree, 'dns.log'), 'DNS log')) {
      texts.forEach((line, index) => expect(line).toBe(`line ${first + index}`));
      seen.push(...texts);
    }
    expect(seen).toEqual(text.split('\r\n'));
    // a reader that stops early: the file is let go, nothing more is read
    const early = readLines(join(tree, 'dns.log'), 'DNS log');
    expect((await early.next()).value?.first).toBe(1);
    await early.return();
    expect((await early.next()).done).toBe(true);
    // the lines before one too long are delivered, then one line naming where
    const before: string[] = [];
    await expect(
      (async () => {
        for await (const { texts } of readLines(join(tree, 'long.log'), 'flow log', { maxBytes: MiB })) before.push(...texts);
      })(),
    ).rejects.toThrowError(/long\.log:3: a line longer than 1 MiB; raise it with --max-file-size$/);
    expect(before).toEqual(['a', 'b']);
    await expect(readLines('/dev/zero', 'flow log', { maxBytes: MiB }).next()).rejects.toThrowError(/^\/dev\/zero:1: a line longer than 1 MiB/);
    await expect(readLines(join(tree, 'missing.log'), 'flow log').next()).rejects.toThrowError(/missing\.log: cannot read flow log: no such file or directory \(ENOENT\)$/);
  });

  it('readLines waits for the first byte of a FIFO within the timeout, and not for a reader that pauses', async () => {
    const tree = writeTree({});
    await expect(readLines(fifo(tree, 'silent'), 'DNS log', { timeoutMs: 300 }).next()).rejects.toThrowError(/silent: nothing to read for 0\.3s .*; raise it with --read-timeout$/);
    const path = fifo(tree, 'late');
    const writer = spawn('sh', ['-c', `printf 'one\\n' > '${path}'`]);
    const written = new Promise((resolve) => writer.on('close', resolve));
    const lines = readLines(path, 'DNS log', { timeoutMs: 30_000 });
    expect((await lines.next()).value).toEqual({ first: 1, texts: ['one'] });
    // the reader pauses between pulls; the rest of the log (its end) still comes
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await lines.next()).done).toBe(true);
    await written;
  });
});

describe('FileTail (detect --follow)', () => {
  it('reads a line growing across polls whole, and skips one past the limit with its number', () => {
    const tree = writeTree({ 'audit.log': '' });
    const path = join(tree, 'audit.log');
    const skipped: number[] = [];
    const tail = new FileTail(path, { maxLineBytes: 4 * MiB, onTooLong: (line) => skipped.push(line) });
    expect(tail.poll()).toEqual([]);
    const piece = 'a'.repeat(MiB);
    for (let index = 0; index < 3; index++) {
      appendFileSync(path, piece);
      expect(tail.poll()).toEqual([]);
    }
    appendFileSync(path, '\n');
    const [long] = tail.poll();
    expect(long.line).toBe(1);
    expect(long.text.length).toBe(3 * MiB);
    for (let index = 0; index < 5; index++) appendFileSync(path, piece);
    appendFileSync(path, '\nnext\n');
    expect(tail.poll()).toEqual([{ line: 3, text: 'next' }]);
    expect(skipped).toEqual([2]);
    tail.close();
  });
});

describe.concurrent('the commands hold every reader to its limit (one line, exit 2)', () => {
  const tree = writeTree({ 'long.log': `${'x'.repeat(2 * MiB)}\n`, 'alerts.jsonl': '{"id":"a1","rule":"r","priority":"high"}\n', 'ok.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' });
  const big = 'a'.repeat(3 * MiB);

  it.for([
    ['scan - (stdin)', ['scan', '-', '--max-file-size', '1'], /^kubeward: -: more than the 1 MiB limit; raise it with --max-file-size\n$/],
    ['gate (stdin)', ['gate', '--max-file-size', '1'], /^kubeward: -: more than the 1 MiB limit; raise it with --max-file-size\n$/],
    ['scan /dev/zero', ['scan', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero: more than the 1 MiB limit/],
    ['--config /dev/zero', ['scan', 'ok.yaml', '--config', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero: more than the 1 MiB limit/],
    ['detect --rules /dev/zero', ['detect', '--audit-log', 'ok.yaml', '--rules', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero: more than the 1 MiB limit/],
    ['detect --pods /dev/zero', ['detect', '--audit-log', 'ok.yaml', '--pods', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero: more than the 1 MiB limit/],
    ['detect --dns-log /dev/zero', ['detect', '--audit-log', 'ok.yaml', '--dns-log', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero:1: a line longer than 1 MiB/],
    ['detect --flows /dev/zero', ['detect', '--audit-log', 'ok.yaml', '--flows', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero:1: a line longer than 1 MiB/],
    ['detect triage /dev/zero', ['detect', 'triage', '/dev/zero', '--verdicts', 'ok.yaml', '--max-file-size', '1'], /^kubeward: \/dev\/zero:1: a line longer than 1 MiB/],
    ['detect triage --verdicts /dev/zero', ['detect', 'triage', 'alerts.jsonl', '--verdicts', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero: more than the 1 MiB limit/],
    ['detect --audit-log with a line over the limit', ['detect', '--audit-log', 'long.log', '--max-file-size', '1'], /^kubeward: long\.log:1: a line longer than 1 MiB/],
    ['netpol generate --from /dev/zero', ['netpol', 'generate', 'ok.yaml', '--from', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero: more than the 1 MiB limit/],
    ['netpol generate --from-flows /dev/zero', ['netpol', 'generate', 'ok.yaml', '--from-flows', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero:1: a line longer than 1 MiB/],
    ['netpol generate --pods /dev/zero', ['netpol', 'generate', 'ok.yaml', '--from-flows', 'long.log', '--pods', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero: more than the 1 MiB limit/],
    ['rbac --kubeconfig /dev/zero', ['rbac', 'risks', '--kubeconfig', '/dev/zero', '--max-file-size', '1'], /^kubeward: \/dev\/zero: more than the 1 MiB limit/],
    ['--timeout past what a timer holds', ['scan', 'ok.yaml', '--timeout', '3000000'], /^kubeward: option '--timeout <seconds>' argument '3000000' is invalid\. --timeout must be a number of seconds above 0 and at most 86400; run with --help for usage\n$/],
    ['a usage error', ['scan', 'ok.yaml', '--formt', 'json'], /^kubeward: unknown option '--formt' \(did you mean --format\?\); run with --help for usage\n$/],
  ] as [string, string[], RegExp][])('%s', async ([, args, message], { expect }) => {
    const result = await runCli(args, { cwd: tree, input: big });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reads a FIFO no one writes to within --read-timeout', async ({ expect }) => {
    const path = fifo(tree, 'silent');
    const result = await runCli(['scan', path, '--read-timeout', '0.5'], { cwd: tree });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kubeward: .*silent: nothing to read for 0\.5s .*; raise it with --read-timeout\n$/);
  });
});
