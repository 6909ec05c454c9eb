import { describe, expect, it } from 'vitest';
import { admit, nodeAllows, type NodePolicy } from './admission.js';
import { pod } from './testing/fixtures.js';

const strict: NodePolicy = { allowPrivileged: false };
const app = (extra: Record<string, unknown> = {}) => ({ name: 'app', image: 'x:1', ...extra });
const withVolume = (name: string, path: string, type = '') =>
  pod(name, { containers: [app({ volumeMounts: [{ name: 'v', mountPath: '/mnt' }] })], volumes: [{ name: 'v', hostPath: { path, type } }] }).spec;

/** What the message must say: where in the pod, what was refused, and the flag that would allow it. */
describe('admit', () => {
  it.each<[string, ReturnType<typeof withVolume>, NodePolicy, RegExp | 'admitted']>([
    ['a plain pod', pod('web').spec, strict, 'admitted'],
    ['a privileged container', pod('p', { containers: [app({ securityContext: { privileged: true } })] }).spec, strict, /^privileged containers are not allowed on node pi-1 \(container app sets securityContext\.privileged\); start its baton-agent with --allow-privileged/],
    ['a privileged container, allowed', pod('p', { containers: [app({ securityContext: { privileged: true } })] }).spec, { allowPrivileged: true }, 'admitted'],
    ['hostNetwork', pod('h', { hostNetwork: true }).spec, strict, /^the host network is not allowed on node pi-1 \(the pod sets hostNetwork\); start its baton-agent with --allow-host-network/],
    ['hostNetwork, allowed', pod('h', { hostNetwork: true }).spec, { ...strict, allowHostNetwork: true }, 'admitted'],
    ['a hostPath', withVolume('d', '/srv/data'), strict, /^hostPath \/srv\/data is not allowed on node pi-1 \(volume v\); start its baton-agent with --allow-host-path \/srv\/data \(or a directory above it\)/],
    ['a hostPath, allowed exactly', withVolume('d', '/srv/data'), { ...strict, allowedHostPaths: ['/srv/data'] }, 'admitted'],
    ['a hostPath with a trailing slash, allowed', withVolume('d', '/srv/data/'), { ...strict, allowedHostPaths: ['/srv/data'] }, 'admitted'],
    ['a hostPath under an allowed one', withVolume('d', '/srv/data/app/cache'), { ...strict, allowedHostPaths: ['/srv/data/'] }, 'admitted'],
    ['a sibling that shares a prefix', withVolume('d', '/srv/database'), { ...strict, allowedHostPaths: ['/srv/data'] }, /^hostPath \/srv\/database is not allowed/],
    ['a parent of the allowed one', withVolume('d', '/srv'), { ...strict, allowedHostPaths: ['/srv/data'] }, /^hostPath \/srv is not allowed/],
    ['.. climbing out of the allowed one', withVolume('d', '/srv/data/../../etc'), { ...strict, allowedHostPaths: ['/srv/data'] }, /^hostPath \/srv\/data\/\.\.\/\.\.\/etc \(that is \/etc\) is not allowed .*--allow-host-path \/etc /],
    ['.. staying inside the allowed one', withVolume('d', '/srv/data/a/../b'), { ...strict, allowedHostPaths: ['/srv/data'] }, 'admitted'],
    ['/ under --allow-host-path /', withVolume('d', '/'), { ...strict, allowedHostPaths: ['/'] }, 'admitted'],
    ['the Docker socket under --allow-host-path /', withVolume('d', '/var/run/docker.sock', 'Socket'), { ...strict, allowedHostPaths: ['/'] }, /holds \/var\/run\/docker\.sock, the Docker socket \(root on the node\), so only an --allow-host-path \/var\/run\/docker\.sock naming it exactly/],
    ['/run, which holds the Docker socket, under --allow-host-path /', withVolume('d', '/run'), { ...strict, allowedHostPaths: ['/'] }, /^hostPath \/run is not allowed .*holds \/run\/docker\.sock/],
    ['the Docker socket named exactly', withVolume('d', '/var/run/docker.sock', 'Socket'), { ...strict, allowedHostPaths: ['/var/run/docker.sock'] }, 'admitted'],
    ['the agent\'s state directory under an allowed parent', withVolume('d', '/var/lib/baton'), { ...strict, allowedHostPaths: ['/var/lib'], protectedPaths: [{ path: '/var/lib/baton/agent', what: 'the agent\'s state' }] }, /holds \/var\/lib\/baton\/agent, the agent's state/],
    ['a CharDevice', withVolume('g', '/dev/gpiomem', 'CharDevice'), strict, /^device \/dev\/gpiomem is not allowed on node pi-1 \(volume v, hostPath, type CharDevice\); start its baton-agent with --allow-device \/dev\/gpiomem/],
    ['a CharDevice, allowed', withVolume('g', '/dev/gpiomem', 'CharDevice'), { ...strict, allowedDevices: ['/dev/gpiomem'] }, 'admitted'],
    ['an untyped path under /dev is a device', withVolume('g', '/dev/ttyUSB0'), { ...strict, allowedHostPaths: ['/'] }, /^device \/dev\/ttyUSB0 is not allowed .*\(volume v, hostPath\); .*--allow-device \/dev\/ttyUSB0/],
    ['a device by prefix', withVolume('g', '/dev/ttyUSB3'), { ...strict, allowedDevices: ['/dev/ttyUSB*'] }, 'admitted'],
    ['a device outside the prefix', withVolume('g', '/dev/ttyACM0'), { ...strict, allowedDevices: ['/dev/ttyUSB*'] }, /^device \/dev\/ttyACM0 is not allowed/],
    ['a device escaping its prefix with ..', withVolume('g', '/dev/ttyUSB0/../sda'), { ...strict, allowedDevices: ['/dev/ttyUSB*'] }, /^device \/dev\/ttyUSB0\/\.\.\/sda \(that is \/dev\/sda\) is not allowed/],
    ['a BlockDevice outside /dev', withVolume('g', '/srv/disk', 'BlockDevice'), { ...strict, allowedHostPaths: ['/srv'] }, /^device \/srv\/disk is not allowed .*type BlockDevice/],
    ['/dev itself', withVolume('g', '/dev', 'Directory'), { ...strict, allowedHostPaths: ['/'] }, /^device \/dev is not allowed .*--allow-device \/dev /],
  ])('%s', (_, spec, policy, expected) => {
    const result = admit('pi-1', spec, policy);
    if (expected === 'admitted') {
      expect(result).toEqual({ admitted: true });
      return;
    }
    expect(result).toMatchObject({ admitted: false, reason: 'Forbidden' });
    expect(result.admitted === false && result.message).toMatch(expected);
  });

  it('names every refused privilege, one after another', () => {
    const spec = pod('all', {
      hostNetwork: true,
      containers: [app({ securityContext: { privileged: true } })],
      volumes: [{ name: 'data', hostPath: { path: '/srv/data' } }, { name: 'tty', hostPath: { path: '/dev/ttyUSB0', type: 'CharDevice' } }],
    }).spec;
    const result = admit('pi-1', spec, strict);
    const message = result.admitted === false ? result.message : '';
    expect(message.match(/--allow-[a-z-]+/g)).toEqual(['--allow-privileged', '--allow-host-network', '--allow-host-path', '--allow-device']);
  });
});

describe('nodeAllows', () => {
  it('publishes the policy, nothing allowed where a field is left out', () => {
    expect(nodeAllows(strict)).toEqual({ privileged: false, hostNetwork: false, hostPaths: [], devices: [] });
    expect(nodeAllows({ allowPrivileged: true, allowHostNetwork: true, allowedHostPaths: ['/srv/data'], allowedDevices: ['/dev/ttyUSB*'], protectedPaths: [{ path: '/x', what: 'x' }] })).toEqual({
      privileged: true,
      hostNetwork: true,
      hostPaths: ['/srv/data'],
      devices: ['/dev/ttyUSB*'],
    });
  });
});
