/**
 * The pause program of Baton's pod sandboxes, as a static ELF executable built here, so
 * a node needs no download to make its sandbox image. Its only job is to exist: it holds
 * the pod's network and IPC namespaces while its entry point sleeps forever in a blocking
 * system call. It installs no signal handler, so as PID 1 of its container it ignores
 * SIGTERM; the sandbox is ended by SIGKILL (a forced remove or a stop with no grace).
 */

export type PauseArch = 'x86_64' | 'aarch64' | 'armv7';

interface Target {
  readonly is64: boolean;
  readonly machine: number;
  readonly flags: number;
  /** Where the one loadable segment (the whole file) goes in memory. */
  readonly base: number;
  readonly align: number;
  readonly code: Buffer;
}

const words = (...instructions: number[]): Buffer => {
  const code = Buffer.alloc(instructions.length * 4);
  instructions.forEach((w, i) => code.writeUInt32LE(w >>> 0, i * 4));
  return code;
};

const TARGETS: Readonly<Record<PauseArch, Target>> = {
  // loop: mov eax, 34 (pause); syscall; jmp loop
  x86_64: { is64: true, machine: 62, flags: 0, base: 0x400000, align: 0x1000, code: Buffer.from([0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7]) },
  // arm64 has no pause: loop: x0..x3 = 0; x8 = 73 (ppoll, no fds, no timeout: forever); svc #0; b loop
  aarch64: {
    is64: true,
    machine: 183,
    flags: 0,
    base: 0x400000,
    align: 0x10000, // 64 KiB pages exist on arm64 kernels
    code: words(0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd2800928, 0xd4000001, 0x17fffffa),
  },
  // EABI: loop: mov r7, #29 (pause); svc #0; b loop
  armv7: { is64: false, machine: 40, flags: 0x05000000, base: 0x10000, align: 0x10000, code: words(0xe3a0701d, 0xef000000, 0xeafffffc) },
};

const PT_LOAD = 1;
const PT_GNU_STACK = 0x6474e551;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;

/** The pause executable for `arch`: an ELF header, two program headers (the code, a non-executable stack), the code. */
export function pauseElf(arch: PauseArch): Buffer {
  const t = TARGETS[arch];
  const headerSize = t.is64 ? 64 : 52;
  const phSize = t.is64 ? 56 : 32;
  const codeOffset = headerSize + 2 * phSize;
  const file = Buffer.alloc(codeOffset + t.code.length);
  const entry = t.base + codeOffset;

  file.set([0x7f, 0x45, 0x4c, 0x46, t.is64 ? 2 : 1, 1 /* little endian */, 1 /* version */], 0);
  file.writeUInt16LE(2, 16); // ET_EXEC
  file.writeUInt16LE(t.machine, 18);
  file.writeUInt32LE(1, 20);
  if (t.is64) {
    file.writeBigUInt64LE(BigInt(entry), 24);
    file.writeBigUInt64LE(BigInt(headerSize), 32); // program headers follow the ELF header
    file.writeUInt32LE(t.flags, 48);
    file.writeUInt16LE(headerSize, 52);
    file.writeUInt16LE(phSize, 54);
    file.writeUInt16LE(2, 56);
  } else {
    file.writeUInt32LE(entry, 24);
    file.writeUInt32LE(headerSize, 28);
    file.writeUInt32LE(t.flags, 36);
    file.writeUInt16LE(headerSize, 40);
    file.writeUInt16LE(phSize, 42);
    file.writeUInt16LE(2, 44);
  }
  const segments = [
    { type: PT_LOAD, flags: PF_R | PF_X, offset: 0, vaddr: t.base, size: file.length, align: t.align },
    { type: PT_GNU_STACK, flags: PF_R | PF_W, offset: 0, vaddr: 0, size: 0, align: 16 },
  ];
  segments.forEach((s, i) => {
    const at = headerSize + i * phSize;
    if (t.is64) {
      file.writeUInt32LE(s.type, at);
      file.writeUInt32LE(s.flags, at + 4);
      [s.offset, s.vaddr, s.vaddr, s.size, s.size, s.align].forEach((v, j) => file.writeBigUInt64LE(BigInt(v), at + 8 + j * 8));
    } else {
      [s.type, s.offset, s.vaddr, s.vaddr, s.size, s.size, s.flags, s.align].forEach((v, j) => file.writeUInt32LE(v, at + j * 4));
    }
  });
  t.code.copy(file, codeOffset);
  return file;
}

/** The pause build for Node's `process.arch` of the node; throws for an architecture Baton does not run on. */
export function pauseArchOf(nodeArch: string): PauseArch {
  switch (nodeArch) {
    case 'x64':
      return 'x86_64';
    case 'arm64':
      return 'aarch64';
    case 'arm':
      return 'armv7';
    default:
      throw new Error(`no pause program for architecture ${JSON.stringify(nodeArch)}: Baton runs on x64, arm64 and arm (armv7)`);
  }
}
