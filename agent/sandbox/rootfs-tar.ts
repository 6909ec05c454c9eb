/**
 * A minimal POSIX ustar writer for the few regular files of a generated root filesystem
 * (the pause image): what `docker import` needs, nothing more. Pure and deterministic:
 * owner root, modification time 0.
 */

export interface TarFile {
  /** Relative to the root, without a leading slash, at most 100 bytes: `pause`, `etc/hostname`. */
  readonly name: string;
  readonly mode: number;
  readonly content: Buffer;
}

const BLOCK = 512;

export function rootfsTar(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(header(file), file.content, Buffer.alloc(padding(file.content.length)));
  }
  parts.push(Buffer.alloc(2 * BLOCK)); // the end of the archive: two zero blocks
  return Buffer.concat(parts);
}

function header(file: TarFile): Buffer {
  const name = Buffer.from(file.name);
  if (name.length === 0 || name.length > 100 || file.name.startsWith('/')) {
    throw new Error(`tar entry name ${JSON.stringify(file.name)} must be relative and 1 to 100 bytes long`);
  }
  const h = Buffer.alloc(BLOCK);
  name.copy(h, 0);
  h.write(octal(file.mode & 0o7777, 8), 100); // mode
  h.write(octal(0, 8), 108); // uid
  h.write(octal(0, 8), 116); // gid
  h.write(octal(file.content.length, 12), 124); // size
  h.write(octal(0, 12), 136); // mtime
  h.write(' '.repeat(8), 148); // the checksum counts its own field as spaces
  h.write('0', 156); // a regular file
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write('root', 265);
  h.write('root', 297);
  const sum = h.reduce((total, byte) => total + byte, 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** A zero-padded octal number filling a field of `width` bytes, its last byte NUL. */
function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`${value} does not fit a ${width}-byte tar field`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
