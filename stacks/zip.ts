// Deterministic zip archives: the same files give the same bytes on any
// machine, in any time zone, so Terraform's source_code_hash only changes when
// the code does. yazl writes standard archives; we pin what varies.

import yazl from 'yazl';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

// yazl reads the DOS date with local-time getters: a Date built from local
// components reads back 1980-01-01 00:00 in every zone.
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export function deterministicZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    zip.addBuffer(entry.data, entry.name, {
      mtime: FIXED_MTIME,
      mode: 0o100644,
      compress: true,
      forceDosTimestamp: true,
      compressionLevel: 9,
    });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
