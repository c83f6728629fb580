import { gzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  /** '0' file, '2' symbolic link, '1' hard link, '5' directory. */
  type?: '0' | '1' | '2' | '5';
  content?: string;
  linkTarget?: string;
}

/**
 * Builds a gzipped ustar archive byte by byte, so tests can make the hostile archives (`../` paths,
 * links) that well-behaved archivers refuse to write.
 */
export function gzippedTar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.content ?? '', 'utf8');
    const header = Buffer.alloc(512);
    header.write(entry.name.slice(0, 100), 0, 'utf8');
    header.write(entry.type === '5' ? '0000755\0' : '0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(`${(entry.type === '0' || !entry.type ? body.length : 0).toString(8).padStart(11, '0')}\0`, 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write(entry.type ?? '0', 156);
    if (entry.linkTarget) header.write(entry.linkTarget.slice(0, 100), 157);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let checksum = 0;
    for (const byte of header) checksum += byte;
    header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(header);
    if (!entry.type || entry.type === '0') {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}
