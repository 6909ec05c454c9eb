import { describe, expect, it } from 'vitest';
import { UsageError } from '../protocol/options.js';
import { parseCoordinatorArgs, parseListen } from './config.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}, root = false) => parseCoordinatorArgs(argv, { HOME: '/home/pi', ...env }, root);

describe('parseCoordinatorArgs', () => {
  it('runs the embedded broker on 127.0.0.1:1883 by default, with the user state dir', () => {
    expect(parse([])).toEqual({
      kind: 'run',
      config: { broker: { kind: 'embedded', host: '127.0.0.1', port: 1883 }, stateDir: '/home/pi/.local/state/baton/coordinator', prefix: 'baton', logLevel: 'info' },
    });
  });

  it('uses /var/lib/baton/coordinator as root', () => {
    expect(parse([], {}, true)).toMatchObject({ config: { stateDir: '/var/lib/baton/coordinator' } });
  });

  it('takes --listen, --broker, --state-dir, --prefix and --log-level, or their variables', () => {
    expect(parse(['--listen', '0.0.0.0:11883', '--state-dir', '/s', '--prefix', 'lab', '--log-level', 'debug'])).toEqual({
      kind: 'run',
      config: { broker: { kind: 'embedded', host: '0.0.0.0', port: 11883 }, stateDir: '/s', prefix: 'lab', logLevel: 'debug' },
    });
    expect(parse([], { BATON_BROKER: 'mqtt://hub:1883', BATON_STATE_DIR: '/d' })).toMatchObject({
      config: { broker: { kind: 'external', url: 'mqtt://hub:1883' }, stateDir: '/d' },
    });
    expect(parse([], { BATON_LISTEN: '[::1]:1884' })).toMatchObject({ config: { broker: { kind: 'embedded', host: '::1', port: 1884 } } });
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
    [['extra'], /unexpected argument "extra"/],
    [['--nope'], /nope/],
  ])('rejects %j', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});

describe('parseListen', () => {
  it('reads host and port', () => {
    expect(parseListen('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListen('[::]:1883')).toEqual({ host: '::', port: 1883 });
  });
});
