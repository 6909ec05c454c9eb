import { describe, expect, it } from 'vitest';
import { UsageError } from '../protocol/options.js';
import { coordinatorHelp, defaultBinariesDir, parseCoordinatorArgs, parseListen } from './config.js';
import { mosquittoConfigHelp, parseMosquittoConfigArgs } from './mosquitto-config-args.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}, root = false) => parseCoordinatorArgs(argv, { HOME: '/home/pi', ...env }, root);

describe('parseCoordinatorArgs', () => {
  it('runs the embedded broker on 127.0.0.1:1883 by default, with the user state dir', () => {
    expect(parse([])).toEqual({
      kind: 'run',
      config: {
        broker: { kind: 'embedded', host: '127.0.0.1', port: 1883 },
        stateDir: '/home/pi/.local/state/baton/coordinator',
        prefix: 'baton',
        logLevel: 'info',
        evictionTimeoutMs: 120_000,
        nodeGraceMs: 40_000,
        binariesDir: '/usr/local/share/baton/binaries',
        tlsSans: [],
        anonymousRead: false,
      },
    });
  });

  it('uses /var/lib/baton/coordinator as root', () => {
    expect(parse([], {}, true)).toMatchObject({ config: { stateDir: '/var/lib/baton/coordinator' } });
  });

  it('takes --listen, --broker, --state-dir, --prefix and --log-level, or their variables', () => {
    expect(parse(['--listen', '0.0.0.0:11883', '--state-dir', '/s', '--prefix', 'lab', '--log-level', 'debug'])).toEqual({
      kind: 'run',
      config: { broker: { kind: 'embedded', host: '0.0.0.0', port: 11883 }, stateDir: '/s', prefix: 'lab', logLevel: 'debug', evictionTimeoutMs: 120_000, nodeGraceMs: 40_000, binariesDir: '/usr/local/share/baton/binaries', tlsSans: [], anonymousRead: false },
    });
    expect(parse([], { BATON_BROKER: 'mqtt://hub:1883', BATON_STATE_DIR: '/d' })).toMatchObject({
      config: { broker: { kind: 'external', url: 'mqtt://hub:1883' }, stateDir: '/d' },
    });
    expect(parse([], { BATON_LISTEN: '[::1]:1884' })).toMatchObject({ config: { broker: { kind: 'embedded', host: '::1', port: 1884 } } });
  });

  it('takes --eviction-timeout and --node-grace as durations, or BATON_EVICTION_TIMEOUT and BATON_NODE_GRACE', () => {
    expect(parse(['--eviction-timeout', '90s', '--node-grace', '2s'])).toMatchObject({ config: { evictionTimeoutMs: 90_000, nodeGraceMs: 2_000 } });
    expect(parse([], { BATON_EVICTION_TIMEOUT: '5m', BATON_NODE_GRACE: '1m30s' })).toMatchObject({ config: { evictionTimeoutMs: 300_000, nodeGraceMs: 90_000 } });
    expect(parse(['--eviction-timeout', '1m'], { BATON_EVICTION_TIMEOUT: '5m' })).toMatchObject({ config: { evictionTimeoutMs: 60_000 } });
    // No eviction timeout: Deployment pods are replaced the moment their node is NotReady.
    expect(parse(['--eviction-timeout', '0'])).toMatchObject({ config: { evictionTimeoutMs: 0 } });
  });

  it('says in --help why the eviction timeout is 2m by default', () => {
    expect(coordinatorHelp()).toMatch(/--eviction-timeout DURATION\s+.*a Pi reboots in about a minute.*default 2m/);
    expect(coordinatorHelp()).toMatch(/--node-grace DURATION\s+.*\(env BATON_NODE_GRACE, default 40s\)/);
  });

  describe('chooses the broker so that an env file setting BATON_BROKER works under a unit setting BATON_LISTEN', () => {
    const external = { kind: 'external', url: 'mqtt://hub:1883' };
    it('lets BATON_BROKER win over a BATON_LISTEN from the environment, and says so', () => {
      expect(parse([], { BATON_LISTEN: '0.0.0.0:1883', BATON_BROKER: 'mqtt://hub:1883' })).toMatchObject({
        kind: 'run',
        config: { broker: external, ignored: 'BATON_LISTEN=0.0.0.0:1883 ignored: BATON_BROKER (an external broker) wins' },
      });
    });

    it('lets --broker win over BATON_LISTEN, and --listen over BATON_BROKER (the command line wins)', () => {
      expect(parse(['--broker', 'mqtt://hub:1883'], { BATON_LISTEN: '0.0.0.0:1883' })).toMatchObject({ config: { broker: external } });
      expect(parse(['--listen', '127.0.0.1:11883'], { BATON_BROKER: 'mqtt://hub:1883' })).toMatchObject({
        config: { broker: { kind: 'embedded', host: '127.0.0.1', port: 11883 }, ignored: 'BATON_BROKER=mqtt://hub:1883 ignored: --listen on the command line wins' },
      });
    });

    it('still checks the winner and names where it came from', () => {
      expect(() => parse([], { BATON_LISTEN: '0.0.0.0:1883', BATON_BROKER: 'http://hub' })).toThrow(/^BATON_BROKER: invalid broker URL "http:\/\/hub"/);
      expect(() => parse(['--listen', '0.0.0.0:1883', '--broker', 'mqtt://hub:1883'], { BATON_LISTEN: 'x', BATON_BROKER: 'y' })).toThrow(UsageError);
    });

    it('mentions nothing ignored when only one is set', () => {
      expect(parse([], { BATON_BROKER: 'mqtt://hub:1883' })).not.toHaveProperty('config.ignored');
      expect(parse(['--listen', '0.0.0.0:1'])).not.toHaveProperty('config.ignored');
    });

    it('explains the rule in --help', () => {
      expect(coordinatorHelp()).toMatch(/external\s+broker wins over a listen address set only in the environment/);
    });
  });

  describe('serves the installer over HTTP only when asked', () => {
    it('has no HTTP server by default, nor with an empty BATON_HTTP or --http ""', () => {
      expect(parse([])).not.toHaveProperty('config.http');
      expect(parse([], { BATON_HTTP: '' })).not.toHaveProperty('config.http');
      expect(parse(['--http', ''], { BATON_HTTP: '0.0.0.0:8484' })).not.toHaveProperty('config.http');
    });

    it.each([
      [['--http', '0.0.0.0:8484'], {}, { host: '0.0.0.0', port: 8484 }],
      [[], { BATON_HTTP: '127.0.0.1:18484' }, { host: '127.0.0.1', port: 18484 }],
      [['--http', '[::]:8484'], { BATON_HTTP: '1.2.3.4:1' }, { host: '::', port: 8484 }],
    ])('reads %j %j', (argv, env, http) => {
      expect(parse(argv, env)).toMatchObject({ config: { http } });
    });

    it('takes --binaries or BATON_BINARIES, else the default for how the program runs', () => {
      expect(parse(['--binaries', '/srv/bin'])).toMatchObject({ config: { binariesDir: '/srv/bin' } });
      expect(parse([], { BATON_BINARIES: '/env/bin' })).toMatchObject({ config: { binariesDir: '/env/bin' } });
      const fromScript = parseCoordinatorArgs([], { HOME: '/h' }, false, '/work/baton/dist/baton-coordinator.js');
      expect(fromScript).toMatchObject({ config: { binariesDir: '/work/baton/dist/bin' } });
    });

    it('names --http in its errors', () => {
      expect(() => parse(['--http', '8484'])).toThrow('--http "8484": expected HOST:PORT, such as 127.0.0.1:8484 or 0.0.0.0:8484');
      expect(() => parse([], { BATON_HTTP: 'h:99999' })).toThrow(/^--http "h:99999"/);
    });

    it('shows both flags in --help', () => {
      expect(coordinatorHelp()).toMatch(/--http HOST:PORT\s+.*\(env BATON_HTTP\)/);
      expect(coordinatorHelp()).toMatch(/--binaries DIR\s+.*\/usr\/local\/share\/baton\/binaries.*\(env BATON_BINARIES\)/);
    });
  });

  it('answers --help and --version', () => {
    expect(parse(['--help'])).toEqual({ kind: 'help' });
    expect(parse(['-h'])).toEqual({ kind: 'help' });
    expect(parse(['--version'])).toEqual({ kind: 'version' });
  });

  it.each([
    [['--listen', '1.2.3.4:1', '--broker', 'mqtt://x:1'], /either --listen .* or --broker/],
    [['--broker', 'http://x'], /--broker: invalid broker URL "http:\/\/x": the scheme must be mqtt/],
    [['--listen', 'nope'], /--listen "nope": expected HOST:PORT/],
    [['--listen', 'h:70000'], /--listen "h:70000"/],
    [['--log-level', 'loud'], /--log-level "loud": must be one of/],
    [['--prefix', 'a/#'], /--prefix "a\/#"/],
    [['--eviction-timeout', 'soon'], /--eviction-timeout "soon": must be a duration/],
    [['--node-grace', '0'], /--node-grace "0": must be a duration .* greater than 0/],
    [['--node-grace=-5s'], /--node-grace "-5s"/],
    [['extra'], /unexpected argument "extra"/],
    [['--nope'], /nope/],
  ])('rejects %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});

describe('defaultBinariesDir', () => {
  it.each([
    ['/work/baton/dist/baton-coordinator.js', '/work/baton/dist/bin'],
    ['/usr/lib/node_modules/baton/dist/baton-coordinator.mjs', '/usr/lib/node_modules/baton/dist/bin'],
    // A single binary: argv[1] repeats the program's own name.
    ['/usr/local/bin/baton-coordinator', '/usr/local/share/baton/binaries'],
    ['baton-coordinator-linux-arm64', '/usr/local/share/baton/binaries'],
    [undefined, '/usr/local/share/baton/binaries'],
  ])('%s -> %s', (script, dir) => {
    expect(defaultBinariesDir(script)).toBe(dir);
  });
});

describe('parseListen', () => {
  it('reads host and port', () => {
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListen('[::]:1883')).toEqual({ host: '::', port: 1883 });
  });
});

describe('security flags', () => {
  it('are off by default: no TLS listener, no anonymous read, no mosquitto files', () => {
    const parsed = parse([]);
    expect(parsed).toMatchObject({ config: { tlsSans: [], anonymousRead: false } });
    expect(parsed.kind === 'run' && parsed.config.listenTls).toBeUndefined();
    expect(parsed.kind === 'run' && parsed.config.mosquitto).toBeUndefined();
  });

  it('take --listen-tls, --tls-san (repeatable) and --anonymous-read, or their variables', () => {
    expect(parse(['--listen-tls', '0.0.0.0:8883', '--tls-san', 'Hub.Lan.', '--tls-san', '[fd00::1]', '--anonymous-read'])).toMatchObject({
      config: { listenTls: { host: '0.0.0.0', port: 8883 }, tlsSans: ['hub.lan', 'fd00::1'], anonymousRead: true },
    });
    expect(parse([], { BATON_LISTEN_TLS: '127.0.0.1:8884', BATON_TLS_SANS: 'hub.lan, 192.168.1.9', BATON_ANONYMOUS_READ: 'true' })).toMatchObject({
      config: { listenTls: { host: '127.0.0.1', port: 8884 }, tlsSans: ['hub.lan', '192.168.1.9'], anonymousRead: true },
    });
    expect(parse([], { BATON_ANONYMOUS_READ: '0' })).toMatchObject({ config: { anonymousRead: false } });
  });

  it('refuse a bad --listen-tls or --tls-san', () => {
    expect(() => parse(['--listen-tls', '8883'])).toThrow(/--listen-tls "8883": expected HOST:PORT, such as 0.0.0.0:8883/);
    expect(() => parse(['--tls-san', 'not a name'])).toThrow(/--tls-san: "not a name" is neither a DNS name nor an IP address/);
    expect(() => parse(['--tls-san', 'x'], {})).not.toThrow();
  });

  it('take --mosquitto-dir and --mosquitto-reload with an external broker; pkill -HUP -x mosquitto by default', () => {
    expect(parse(['--broker', 'mqtt://hub:1883', '--mosquitto-dir', '/etc/mosquitto/conf.d'])).toMatchObject({
      config: { mosquitto: { dir: '/etc/mosquitto/conf.d', reloadCommand: 'pkill -HUP -x mosquitto' } },
    });
    expect(parse([], { BATON_BROKER: 'mqtt://hub:1883', BATON_MOSQUITTO_DIR: '/m', BATON_MOSQUITTO_RELOAD: 'systemctl reload mosquitto' })).toMatchObject({
      config: { mosquitto: { dir: '/m', reloadCommand: 'systemctl reload mosquitto' } },
    });
  });

  it('refuse a flag meant for the other kind of broker; drop one from the environment with a note', () => {
    expect(() => parse(['--broker', 'mqtt://hub:1883', '--listen-tls', '0.0.0.0:8883'])).toThrow(UsageError);
    expect(() => parse(['--mosquitto-dir', '/m'])).toThrow(/--mosquitto-dir keeps an external mosquitto in step: give --broker too/);
    const external = parse([], { BATON_BROKER: 'mqtt://hub:1883', BATON_LISTEN_TLS: '0.0.0.0:8883' });
    expect(external).toMatchObject({ config: { ignored: 'BATON_LISTEN_TLS=0.0.0.0:8883 ignored: the broker is external' } });
    expect(external.kind === 'run' && external.config.listenTls).toBeUndefined();
    const embedded = parse([], { BATON_MOSQUITTO_DIR: '/m' });
    expect(embedded).toMatchObject({ config: { ignored: 'BATON_MOSQUITTO_DIR=/m ignored: the broker is the embedded one' } });
    expect(embedded.kind === 'run' && embedded.config.mosquitto).toBeUndefined();
  });

  it('are in --help', () => {
    for (const flag of ['--listen-tls HOST:PORT', '--tls-san NAME|IP', '--anonymous-read', '--mosquitto-dir DIR', '--mosquitto-reload CMD']) expect(coordinatorHelp()).toContain(flag);
  });
});

describe('parseMosquittoConfigArgs', () => {
  const parseSub = (argv: string[], env: NodeJS.ProcessEnv = {}, root = false) => parseMosquittoConfigArgs(argv, { HOME: '/home/pi', ...env }, root);

  it('needs --out; defaults to the ports 1883 and 8883 and the coordinator state dir', () => {
    expect(parseSub(['--out', '/etc/mosquitto/conf.d'], {}, true)).toEqual({
      kind: 'mosquitto-config',
      command: { outDir: '/etc/mosquitto/conf.d', stateDir: '/var/lib/baton/coordinator', prefix: 'baton', tlsSans: [], anonymousRead: false, port: 1883, tlsPort: 8883 },
    });
    expect(() => parseSub([])).toThrow(/needs --out DIR/);
  });

  it('shares the state dir, prefix, SAN and anonymous read settings (and variables) with the coordinator', () => {
    expect(parseSub(['--out', 'o', '--tls-san', 'hub', '--port', '1884', '--tls-port', '8884'], { BATON_STATE_DIR: '/s', BATON_PREFIX: 'lab', BATON_ANONYMOUS_READ: '1' })).toEqual({
      kind: 'mosquitto-config',
      command: { outDir: 'o', stateDir: '/s', prefix: 'lab', tlsSans: ['hub'], anonymousRead: true, port: 1884, tlsPort: 8884 },
    });
  });

  it('refuses bad ports, a bad prefix and stray arguments; has help', () => {
    expect(() => parseSub(['--out', 'o', '--port', '0'])).toThrow(/--port "0": expected a port number/);
    expect(() => parseSub(['--out', 'o', '--tls-port', '70000'])).toThrow(/--tls-port "70000"/);
    expect(() => parseSub(['--out', 'o', '--port', '8883'])).toThrow(/both 8883/);
    expect(() => parseSub(['--out', 'o', '--prefix', 'a/#'])).toThrow(/--prefix/);
    expect(() => parseSub(['--out', 'o', 'extra'])).toThrow(/unexpected argument "extra"/);
    expect(() => parseSub(['--out', 'o', '--listen', 'x:1'])).toThrow(UsageError);
    expect(parseSub(['--help'])).toEqual({ kind: 'help' });
    expect(mosquittoConfigHelp()).toContain('--out DIR');
  });
});
