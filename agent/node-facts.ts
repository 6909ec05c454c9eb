import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism, arch as nodeArch, platform } from 'node:os';
import { mem as readMemory } from 'systeminformation/lib/memory.js';
import { networkInterfaces } from 'systeminformation/lib/network.js';
import { osInfo } from 'systeminformation/lib/osinfo.js';
import { cpuPercentBetween, readCpuTimes, type CpuTimes } from './cpu-load.js';

/**
 * What the node is and how busy it is. Kept cheap for a Pi: the static facts are read
 * once at start with systeminformation; at each heartbeat only the CPU load (from the
 * kernel's counters, cpu-load.ts: systeminformation's currentLoad ran `cat /proc/stat`
 * in a shell, synchronously, at every call), the memory and the CPU temperature (one
 * small sysfs read) are read.
 */

export interface StaticFacts {
  /** kubernetes.io/arch spelling: arm64, arm, amd64. */
  readonly architecture: string;
  readonly operatingSystem: string;
  readonly osImage: string;
  readonly kernelVersion: string;
  /** The board model from the device tree (`Raspberry Pi 4 Model B Rev 1.4`), if there is one. */
  readonly piModel?: string;
  readonly cpus: number;
  readonly memoryBytes: number;
  /** The address of the interface with the default route, if any. */
  readonly hostIP?: string;
}

export interface Usage {
  readonly cpuPercent: number;
  readonly memoryBytes: number;
  readonly temperatureCelsius?: number;
}

/** Node's `process.arch` in Kubernetes' spelling (GOARCH). */
export function kubernetesArch(arch: string): string {
  const names: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return names[arch] ?? arch;
}

const THERMAL = '/sys/class/thermal';

export class NodeFacts {
  private thermalZone: string | undefined | null = null; // null: not looked for yet
  /** The counters at the last heartbeat: the load is over the time since (since boot, at the first). */
  private lastCpu: CpuTimes = { busyMs: 0, totalMs: 0 };

  async readStatic(): Promise<StaticFacts> {
    const [os, mem, piModel, hostIP] = await Promise.all([
      osInfo(),
      readMemory(),
      readText('/proc/device-tree/model'),
      networkInterfaces('default').then((i) => (Array.isArray(i) ? i[0] : i)?.ip4 || undefined).catch(() => undefined),
    ]);
    const osImage = [os.distro, os.release, os.codename ? `(${os.codename})` : ''].filter((s) => s !== '' && s !== 'unknown').join(' ');
    return {
      architecture: kubernetesArch(nodeArch()),
      operatingSystem: platform(),
      osImage: osImage || 'unknown',
      kernelVersion: os.kernel,
      ...(piModel ? { piModel } : {}),
      cpus: availableParallelism(),
      memoryBytes: mem.total,
      ...(hostIP ? { hostIP } : {}),
    };
  }

  async readUsage(): Promise<Usage> {
    const [mem, temperatureCelsius] = await Promise.all([readMemory(), this.readTemperature()]);
    const cpu = readCpuTimes();
    const cpuPercent = cpuPercentBetween(this.lastCpu, cpu);
    this.lastCpu = cpu;
    return {
      cpuPercent,
      memoryBytes: mem.total - mem.available,
      ...(temperatureCelsius !== undefined ? { temperatureCelsius } : {}),
    };
  }

  /** The CPU's thermal zone (cpu-thermal on a Pi), found once; undefined where there is none. */
  private async readTemperature(): Promise<number | undefined> {
    if (this.thermalZone === null) this.thermalZone = await findCpuThermalZone();
    if (this.thermalZone === undefined) return undefined;
    const milli = Number(await readText(`${this.thermalZone}/temp`));
    return Number.isFinite(milli) && milli !== 0 ? Math.round(milli / 100) / 10 : undefined;
  }
}

async function findCpuThermalZone(): Promise<string | undefined> {
  let zones: string[];
  try {
    zones = (await readdir(THERMAL)).filter((z) => z.startsWith('thermal_zone')).sort();
  } catch {
    return undefined;
  }
  for (const zone of zones) {
    const type = (await readText(`${THERMAL}/${zone}/type`))?.toLowerCase() ?? '';
    if (/cpu|soc|pkg/.test(type)) return `${THERMAL}/${zone}`;
  }
  return undefined;
}

/** A small kernel-provided text file, trimmed of whitespace and NULs; undefined if absent. */
async function readText(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).replace(/\0/g, '').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
