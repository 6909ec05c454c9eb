import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.js';
import { pauseArchOf, pauseElf, type PauseArch } from './pause-elf.js';

/** The ELF header fields the kernel looks at, decoded independently of the writer. */
function decode(file: Buffer) {
  const is64 = file[4] === 2;
  const word = (at: number): number => (is64 ? Number(file.readBigUInt64LE(at)) : file.readUInt32LE(at));
  const phoff = word(is64 ? 32 : 28);
  const phentsize = file.readUInt16LE(is64 ? 54 : 42);
  const phnum = file.readUInt16LE(is64 ? 56 : 44);
  const segments = Array.from({ length: phnum }, (_, i) => {
    const at = phoff + i * phentsize;
    return is64
      ? { type: file.readUInt32LE(at), flags: file.readUInt32LE(at + 4), offset: word(at + 8), vaddr: word(at + 16), filesz: word(at + 32), memsz: word(at + 40), align: word(at + 48) }
      : { type: file.readUInt32LE(at), offset: word(at + 4), vaddr: word(at + 8), filesz: word(at + 16), memsz: word(at + 20), flags: word(at + 24), align: word(at + 28) };
  });
  return {
    magic: file.subarray(0, 4).toString('latin1'),
    elfClass: file[4],
    data: file[5],
    type: file.readUInt16LE(16),
    machine: file.readUInt16LE(18),
    entry: word(24),
    flags: file.readUInt32LE(is64 ? 48 : 36),
    ehsize: file.readUInt16LE(is64 ? 52 : 40),
    segments,
  };
}

const expected: Record<PauseArch, { elfClass: number; machine: number; flags: number; code: string }> = {
  x86_64: { elfClass: 2, machine: 62, flags: 0, code: 'b8220000000f05ebf7' },
  aarch64: { elfClass: 2, machine: 183, flags: 0, code: '000080d2010080d2020080d2030080d2280980d2010000d4faffff17' },
  armv7: { elfClass: 1, machine: 40, flags: 0x05000000, code: '1d70a0e3000000effcffffea' },
};

describe('pauseElf', () => {
  it.each(Object.keys(expected) as PauseArch[])('%s: a static executable whose entry is the code, loaded read+execute', (arch) => {
    const file = pauseElf(arch);
    const h = decode(file);
    const want = expected[arch];
    expect(h).toMatchObject({ magic: '\x7fELF', elfClass: want.elfClass, data: 1, type: 2, machine: want.machine, flags: want.flags });
    const load = h.segments.find((s) => s.type === 1);
    if (!load) throw new Error('no loadable segment');
    expect(load).toMatchObject({ offset: 0, filesz: file.length, memsz: file.length, flags: 5 });
    expect(load.vaddr % load.align).toBe(0);
    expect(h.segments.find((s) => s.type === 0x6474e551)?.flags).toBe(6); // a stack that is not executable
    const codeAt = h.entry - load.vaddr;
    expect(codeAt).toBe(h.ehsize + h.segments.length * (want.elfClass === 2 ? 56 : 32));
    expect(file.subarray(codeAt).toString('hex')).toBe(want.code);
  });

  it('maps Node architectures to pause builds, and refuses others', () => {
    expect(pauseArchOf('x64')).toBe('x86_64');
    expect(pauseArchOf('arm64')).toBe('aarch64');
    expect(pauseArchOf('arm')).toBe('armv7');
    expect(() => pauseArchOf('ia32')).toThrow(/no pause program for architecture "ia32"/);
  });
});

describe('the pause program on this machine', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('stays blocked in its system call until killed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-pause-'));
    const path = join(dir, 'pause');
    await writeFile(path, pauseElf(pauseArchOf(process.arch)));
    await chmod(path, 0o755);
    const child = spawn(path, [], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    try {
      // /proc/PID/syscall names the call a blocked process sleeps in: pause, or ppoll on arm64.
      const blockedIn = { x64: '34', arm64: '73', arm: '29' }[process.arch as 'x64' | 'arm64' | 'arm'];
      const line = await waitFor('pause blocked in its system call', async () => {
        const text = (await readFile(`/proc/${child.pid}/syscall`, 'utf8')).trim();
        return text.split(' ')[0] === blockedIn ? text : undefined;
      }, { timeoutMs: 5_000 });
      expect(line).toMatch(new RegExp(`^${blockedIn} `));
      expect(child.exitCode).toBeNull();
      expect((await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1]?.[0]).toBe('S');
    } finally {
      child.kill('SIGKILL');
    }
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });
  });
});
