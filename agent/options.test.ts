import { describe, expect, it } from 'vitest';
import { logLevels } from '../protocol/log.js';
import { UsageError } from '../protocol/options.js';
import { agentOptionSpecs, parseAgentOptions } from './options.js';

const host = { hostname: 'Pi-Kitchen', isRoot: false, home: '/home/pi' };

describe('parseAgentOptions', () => {
  it('has the contract defaults', () => {
    expect(parseAgentOptions([], {}, host)).toEqual({
      broker: undefined,
      server: undefined,
      token: undefined,
      prefix: 'baton',
      node: 'pi-kitchen',
      stateDir: '/home/pi/.local/state/baton/agent',
      labels: {},
      taints: [],
      dockerHost: 'unix:///var/run/docker.sock',
      resyncMs: 10_000,
      statusIntervalMs: 10_000,
      keepaliveSeconds: 10,
      backoffMs: 10_000,
      backoffMaxMs: 300_000,
      allowPrivileged: false,
      allowHostNetwork: false,
      allowedHostPaths: [],
      allowedDevices: [],
      logLevel: 'info',
    });
    expect(parseAgentOptions([], {}, { ...host, isRoot: true }).stateDir).toBe('/var/lib/baton/agent');
  });

  it('reads every flag, and its environment variable', () => {
    const argv = ['--broker', 'mqtt://h:1', '--prefix', 'p', '--node', 'n1', '--state-dir', '/s', '--label', 'a=1', '--label', 'zone=b',
      '--taint', 'dedicated=gpu:NoSchedule', '--taint', 'flaky:NoExecute', '--docker-host', 'tcp://h:2375', '--resync', '2.5', '--status-interval', '3s', '--keepalive', '4', '--backoff', '500ms', '--backoff-max', '1m30s', '--allow-privileged', '--allow-host-network',
      '--allow-host-path', '/srv/data/', '--allow-host-path', '/var/log', '--allow-device', '/dev/gpiomem', '--allow-device', '/dev/ttyUSB*', '--log-level', 'debug'];
    expect(parseAgentOptions(argv, {}, host)).toEqual({
      broker: 'mqtt://h:1', server: undefined, token: undefined, prefix: 'p', node: 'n1', stateDir: '/s', labels: { a: '1', zone: 'b' },
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'flaky', effect: 'NoExecute' }], dockerHost: 'tcp://h:2375',
      resyncMs: 2500, statusIntervalMs: 3000, keepaliveSeconds: 4, backoffMs: 500, backoffMaxMs: 90_000, allowPrivileged: true, allowHostNetwork: true,
      allowedHostPaths: ['/srv/data', '/var/log'], allowedDevices: ['/dev/gpiomem', '/dev/ttyUSB*'], logLevel: 'debug',
    });
    expect(parseAgentOptions([], { BATON_ALLOW_HOST_NETWORK: 'true', BATON_ALLOW_HOST_PATHS: '/srv/data, /media/usb', BATON_ALLOW_DEVICES: '/dev/i2c-1,/dev/ttyACM*' }, host)).toMatchObject({
      allowHostNetwork: true, allowedHostPaths: ['/srv/data', '/media/usb'], allowedDevices: ['/dev/i2c-1', '/dev/ttyACM*'],
    });
    expect(parseAgentOptions([], { BATON_ALLOW_PRIVILEGED: 'true', BATON_BACKOFF: '2s' }, host)).toMatchObject({ allowPrivileged: true, backoffMs: 2000 });
    const env = { BATON_BROKER: 'mqtt://e:1', BATON_NODE: 'from-env', BATON_LABELS: 'a=1, b=2', BATON_RESYNC: '5', BATON_DOCKER_HOST: 'unix:///run/d.sock' };
    expect(parseAgentOptions([], env, host)).toMatchObject({ broker: 'mqtt://e:1', node: 'from-env', labels: { a: '1', b: '2' }, resyncMs: 5000, dockerHost: 'unix:///run/d.sock' });
    expect(parseAgentOptions(['--node', 'flag-wins'], env, host).node).toBe('flag-wins');
    expect(parseAgentOptions([], { BATON_TAINTS: 'dedicated=gpu:NoSchedule, example.com/soft:PreferNoSchedule' }, host).taints).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'example.com/soft', effect: 'PreferNoSchedule' },
    ]);
  });

  it.each([
    [['--allow-host-path', 'srv/data'], '--allow-host-path "srv/data": must be an absolute path'],
    [['--allow-host-path', '/srv/*'], '--allow-host-path "/srv/*": takes a path, not a pattern'],
    [['--allow-host-path', '/dev/ttyUSB0'], '--allow-host-path "/dev/ttyUSB0": /dev/ttyUSB0 is a device path: allow devices with --allow-device'],
    [['--allow-host-path', '/srv/../dev'], '--allow-host-path "/srv/../dev": /dev is a device path'],
    [['--allow-device', 'ttyUSB0'], '--allow-device "ttyUSB0": must be an absolute path'],
    [['--allow-device', '/dev/*/by-id'], '--allow-device "/dev/*/by-id": a * may only end the path'],
    [['--allow-device', '/*'], '--allow-device "/*": would allow every file of the node as a device'],
    [['--allow-device', '/'], '--allow-device "/": would allow every file'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseAgentOptions(argv, {}, host)).toThrow(UsageError);
    expect(() => parseAgentOptions(argv, {}, host)).toThrow(message);
  });

  it('normalises allowances and drops repeats, a device prefix keeping its slash', () => {
    const options = parseAgentOptions(['--allow-host-path', '/srv//data/', '--allow-host-path', '/srv/data', '--allow-host-path', '/', '--allow-device', '/dev/bus/usb/*', '--allow-device', '/dev/./gpiomem/'], {}, host);
    expect(options.allowedHostPaths).toEqual(['/srv/data', '/']);
    expect(options.allowedDevices).toEqual(['/dev/bus/usb/*', '/dev/gpiomem']);
  });

  it('refuses durations that are not durations, and a cap below the first back-off', () => {
    expect(() => parseAgentOptions(['--backoff', 'soon'], {}, host)).toThrow(/--backoff "soon": must be a duration such as 500ms, 10s/);
    expect(() => parseAgentOptions(['--resync', '0'], {}, host)).toThrow(/--resync "0"/);
    expect(() => parseAgentOptions(['--keepalive', '1500ms'], {}, host)).toThrow('--keepalive 1500ms: must be whole seconds, from 1s to 65535s');
    expect(() => parseAgentOptions(['--keepalive', '0'], {}, host)).toThrow(/--keepalive "0"/);
    expect(parseAgentOptions([], { BATON_KEEPALIVE: '1m' }, host).keepaliveSeconds).toBe(60);
    expect(() => parseAgentOptions(['--backoff', '1m', '--backoff-max', '10s'], {}, host)).toThrow('--backoff-max 10s: must not be shorter than --backoff 1m');
  });

  type Host = { hostname: string; isRoot: boolean; home: string };
  it('takes its log levels from the shared list, in parsing, errors and help', () => {
    for (const level of logLevels) expect(parseAgentOptions(['--log-level', level], {}, host).logLevel).toBe(level);
    expect(() => parseAgentOptions(['--log-level', 'loud'], {}, host)).toThrow(`must be one of ${logLevels.join(', ')}`);
    expect(agentOptionSpecs.find((s) => s.name === 'log-level')?.description).toContain(logLevels.join(', '));
  });

  it.each<[string[], RegExp, Host?]>([
    [['--node', 'Bad_Name'], /--node/],
    [[], /--node "under_score"/, { ...host, hostname: 'under_score' }],
    [['--label', 'novalue'], /--label/],
    [['--label', 'bad key=1'], /label key/],
    [['--taint', 'dedicated=gpu'], /--taint "dedicated=gpu": expected KEY=VALUE:EFFECT/],
    [['--taint', 'dedicated=gpu:NoRun'], /"NoRun" is not an effect: must be one of NoSchedule, PreferNoSchedule, NoExecute/],
    [['--taint', 'bad key=gpu:NoSchedule'], /"bad key" is not a valid taint key/],
    [['--taint', 'k=bad value:NoSchedule'], /"bad value" is not a valid taint value/],
    [['--taint', 'k=a:NoSchedule', '--taint', 'k=b:NoSchedule'], /given twice/],
    [['--resync', '0'], /--resync/],
    [['--status-interval', 'soon'], /--status-interval/],
    [['--docker-host', '/var/run/docker.sock'], /--docker-host/],
    [['--log-level', 'loud'], /--log-level/],
    [['--frobnicate'], /frobnicate/],
    [['extra'], /unexpected argument/],
    [['--broker', 'localhost:1883'], /--broker/],
  ])('%j is a usage error', (argv, message, h = host) => {
    expect(() => parseAgentOptions(argv, {}, h)).toThrow(UsageError);
    expect(() => parseAgentOptions(argv, {}, h)).toThrow(message);
  });
});

describe('--server and --token', () => {
  const pin = 'ab'.repeat(32);
  const token = `bt1.abc123.${'s'.repeat(24)}.${pin}`;

  it('read the coordinator address and the join token, from flags or the environment', () => {
    expect(parseAgentOptions(['--server', 'http://coordinator.local:8484/', '--token', token], {}, host)).toMatchObject({
      server: 'http://coordinator.local:8484',
      token: { id: 'abc123', secret: 's'.repeat(24), caSha256: pin },
      broker: undefined,
    });
    expect(parseAgentOptions([], { BATON_SERVER: 'http://10.0.0.2:8484', BATON_TOKEN: `  ${token}\n` }, host)).toMatchObject({
      server: 'http://10.0.0.2:8484',
      token: { id: 'abc123', caSha256: pin },
    });
    expect(parseAgentOptions(['--server', 'http://[::1]:8484'], {}, host).server).toBe('http://[::1]:8484');
    // Either without the other is no error: a node that joined needs neither, and an SD
    // card prepared with a token and no server has no BATON_SERVER (the agent warns).
    expect(parseAgentOptions(['--server', 'http://c:8484'], {}, host).token).toBeUndefined();
    expect(parseAgentOptions(['--token', token], {}, host)).toMatchObject({ server: undefined, token: { id: 'abc123' } });
  });

  it.each([
    [['--server', 'c:8484'], '--server "c:8484": must be the coordinator\'s HTTP address, http://HOST:PORT'],
    [['--server', 'mqtt://c:1883'], '--server "mqtt://c:1883": must be the coordinator\'s HTTP address'],
    [['--server', 'http://c:8484/install.sh'], '--server "http://c:8484/install.sh": must be'],
    [['--server', 'http://user:pw@c:8484'], '--server "http://user:pw@c:8484": must be'],
    [['--server', 'http://c:8484', '--token', 'abc123.secret'], '--token: not a join token: a join token has the form bt1.<id>.<secret>.<ca-sha256>'],
    [['--server', 'http://c:8484', '--token', `bt1.abc123.${'s'.repeat(24)}.${'x'.repeat(64)}`], "--token: not a join token: the join token's CA pin must be 64 hex digits"],
  ])('%j is a usage error naming the flag', (argv, message) => {
    expect(() => parseAgentOptions(argv, {}, host)).toThrow(UsageError);
    expect(() => parseAgentOptions(argv, {}, host)).toThrow(message);
  });

  it('never repeats the token in a usage error', () => {
    const secret = 'q'.repeat(23);
    const error = (() => {
      try {
        parseAgentOptions(['--server', 'http://c:8484', '--token', `bt1.abc123.${secret}.${pin}`], {}, host);
      } catch (e) {
        return e as Error;
      }
      throw new Error('no usage error');
    })();
    expect(error.message).toMatch(/^--token: not a join token: a token secret is 24 lowercase letters or digits/);
    expect(error.message).not.toContain(secret);
  });

  it('the help names them with their environment variables', () => {
    const help = agentOptionSpecs.filter((s) => s.name === 'server' || s.name === 'token').map((s) => s.env);
    expect(help).toEqual(['BATON_SERVER', 'BATON_TOKEN']);
  });
});
