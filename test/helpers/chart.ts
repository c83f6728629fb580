import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes a chart (or any tree of files) into a fresh temporary directory and returns its path. */
export function writeTree(files: Record<string, string>, prefix = 'kubeward-test-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return root;
}

export function chartYaml(name: string, extra = ''): string {
  return `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n${extra}`;
}
