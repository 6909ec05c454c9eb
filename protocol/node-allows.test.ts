import { describe, expect, it } from 'vitest';
import { podSpecSchema, type HostPathType } from './manifest.js';
import { hostPathRefusal, isDeviceAllowed, isDevicePath, isWithin, nodeAllowsSchema, normalizeHostPath, NOTHING_ALLOWED, PROTECTED_PATHS, refusals, type NodeAllows } from './node-allows.js';

describe('normalizeHostPath', () => {
  it.each([
    ['/srv/data', '/srv/data'],
    ['/srv/data/', '/srv/data'],
    ['/srv//data///', '/srv/data'],
    ['/srv/./data', '/srv/data'],
    ['/srv/data/../../etc', '/etc'],
    ['/../../etc/shadow', '/etc/shadow'],
    ['/', '/'],
    ['//', '/'],
    ['/dev/ttyUSB0/../sda', '/dev/sda'],
  ])('%s -> %s', (path, normal) => {
    expect(normalizeHostPath(path)).toBe(normal);
  });
});

describe('isWithin', () => {
  it.each<[string, string, boolean]>([
    ['/srv/data', '/srv/data', true],
    ['/srv/data/x/y', '/srv/data', true],
    ['/srv/database', '/srv/data', false],
    ['/srv/data-old', '/srv/data', false],
    ['/srv', '/srv/data', false],
    ['/anything', '/', true],
    ['/', '/', true],
  ])('%s within %s: %s', (path, base, expected) => {
    expect(isWithin(path, base)).toBe(expected);
  });
});

describe('isDevicePath', () => {
  it.each<[string, HostPathType, boolean]>([
    ['/dev/gpiomem', 'CharDevice', true],
    ['/srv/disk.img', 'BlockDevice', true],
    ['/dev/ttyUSB0', '', true],
    ['/dev', 'Directory', true],
    ['/dev/shm', 'Directory', true],
    ['/devices', '', false],
    ['/srv/data', 'Directory', false],
  ])('%s (%s): %s', (path, type, expected) => {
    expect(isDevicePath(path, type)).toBe(expected);
  });
});

describe('isDeviceAllowed', () => {
  it.each<[string, string[], boolean]>([
    ['/dev/gpiomem', ['/dev/gpiomem'], true],
    ['/dev/gpiomem', [], false],
    ['/dev/i2c-10', ['/dev/i2c-1'], false],
    ['/dev/ttyUSB0', ['/dev/ttyUSB*'], true],
    ['/dev/ttyUSB12', ['/dev/ttyUSB*'], true],
    ['/dev/ttyACM0', ['/dev/ttyUSB*'], false],
    ['/dev/ttyUSB', ['/dev/ttyUSB'], true],
    ['/dev/ttyUSB0', ['/dev/ttyUSB'], false],
    ['/dev/bus/usb/001/004', ['/dev/bus/usb'], true],
    ['/dev/bus/usbmon', ['/dev/bus/usb'], false],
    ['/dev/sda', ['/dev'], true],
    ['/dev/gpiomem', ['/dev/gpiomem/'], true],
  ])('%s with %j: %s', (path, allowed, expected) => {
    expect(isDeviceAllowed(path, allowed)).toBe(expected);
  });
});

describe('hostPathRefusal', () => {
  it.each<[string, string[], 'admitted' | 'refused' | 'protected']>([
    ['/srv/data', ['/srv/data'], 'admitted'],
    ['/srv/data/sub', ['/srv/data'], 'admitted'],
    ['/srv/data/sub', ['/srv/data/'], 'admitted'],
    ['/srv/database', ['/srv/data'], 'refused'],
    ['/srv', ['/srv/data'], 'refused'],
    ['/etc', [], 'refused'],
    ['/srv/data', ['/'], 'admitted'],
    // Holding the Docker socket: only an allowance naming the path itself will do.
    ['/', ['/'], 'admitted'],
    ['/run', ['/'], 'protected'],
    ['/var/run', ['/var'], 'protected'],
    ['/var/run', ['/var/run'], 'admitted'],
    ['/var/run/docker.sock', ['/var/run'], 'protected'],
    ['/var/run/docker.sock', ['/var/run/docker.sock'], 'admitted'],
    ['/run/containerd', ['/run'], 'protected'],
    ['/run/user', ['/run'], 'admitted'],
  ])('%s with %j: %s', (path, allowed, expected) => {
    const refusal = hostPathRefusal(path, allowed, PROTECTED_PATHS);
    expect(refusal === undefined ? 'admitted' : refusal.holds !== undefined ? 'protected' : 'refused').toBe(expected);
  });
});

describe('refusals', () => {
  const spec = podSpecSchema.parse({
    hostNetwork: true,
    containers: [{ name: 'plain', image: 'x:1' }, { name: 'root', image: 'x:1', securityContext: { privileged: true } }],
    volumes: [
      { name: 'scratch', emptyDir: {} },
      { name: 'data', hostPath: { path: '/srv/data/', type: 'Directory' } },
      { name: 'serial', hostPath: { path: '/dev/ttyUSB0' } },
      { name: 'gpio', hostPath: { path: '/dev/gpiomem', type: 'CharDevice' } },
    ],
  });
  const allowing = (allows: Partial<NodeAllows>): NodeAllows => ({ ...NOTHING_ALLOWED, ...allows });

  it('lists every privilege a node without allowances refuses, in manifest order', () => {
    expect(refusals(spec, NOTHING_ALLOWED).map((r) => r.privilege)).toEqual([
      { kind: 'privileged', container: 'root' },
      { kind: 'hostNetwork' },
      { kind: 'hostPath', volume: 'data', path: '/srv/data/', normalPath: '/srv/data' },
      { kind: 'device', volume: 'serial', path: '/dev/ttyUSB0', normalPath: '/dev/ttyUSB0', type: '' },
      { kind: 'device', volume: 'gpio', path: '/dev/gpiomem', normalPath: '/dev/gpiomem', type: 'CharDevice' },
    ]);
  });

  it('refuses nothing once everything is allowed, and a hostPath allowance does not cover devices', () => {
    const all = allowing({ privileged: true, hostNetwork: true, hostPaths: ['/srv'], devices: ['/dev/ttyUSB*', '/dev/gpiomem'] });
    expect(refusals(spec, all)).toEqual([]);
    expect(refusals(spec, { ...all, hostPaths: ['/'], devices: [] }).map((r) => r.privilege.kind)).toEqual(['device', 'device']);
  });

  it('asks nothing of a plain pod', () => {
    expect(refusals(podSpecSchema.parse({ containers: [{ name: 'a', image: 'x:1' }], volumes: [{ name: 'e', emptyDir: {} }] }), NOTHING_ALLOWED)).toEqual([]);
  });
});

describe('nodeAllowsSchema', () => {
  it('reads a missing entry as nothing allowed', () => {
    expect(nodeAllowsSchema.parse({})).toEqual(NOTHING_ALLOWED);
    expect(nodeAllowsSchema.parse({ hostNetwork: true, futureThing: true })).toEqual({ ...NOTHING_ALLOWED, hostNetwork: true });
  });
});
