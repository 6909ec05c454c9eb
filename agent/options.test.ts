import { describe, expect, it } from 'vitest';
import { logLevels } from '../protocol/log.js';
import { UsageError } from '../protocol/options.js';
import { agentOptionSpecs, parseAgentOptions } from './options.js';

const host = { hostname: 'Pi-Kitchen', isRoot: false, home: '/home/pi' };

describe('parseAgentOptions', () => {
  it('has the contract defaults', () => {
    expect(parseAgentOptions([], {}, host)).toEqual({
      broker: 'mqtt://127.0.0.1:1883',
      prefix: 'baton',
      node: 'pi-kitchen',
      stateDir: '/home/pi/.local/state/baton/agent',
      labels: {},
      dockerHost: 'unix:///var/run/docker.sock',
      resyncMs: 10_000,
      statusIntervalMs: 10_000,
      logLevel: 'info',
    });
    expect(parseAgentOptions([], {}, { ...host, isRoot: true }).stateDir).toBe('/var/lib/baton/agent');
  });

  it('reads every flag, and its environment variable', () => {
    const argv = ['--broker', 'mqtt://h:1', '--prefix', 'p', '--node', 'n1', '--state-dir', '/s', '--label', 'a=1', '--label', 'zone=b',
      '--docker-host', 'tcp://h:2375', '--resync', '2.5', '--status-interval', '3', '--log-level', 'debug'];
    expect(parseAgentOptions(argv, {}, host)).toEqual({
      broker: 'mqtt://h:1', prefix: 'p', node: 'n1', stateDir: '/s', labels: { a: '1', zone: 'b' }, dockerHost: 'tcp://h:2375',
      resyncMs: 2500, statusIntervalMs: 3000, logLevel: 'debug',
    });
    const env = { BATON_BROKER: 'mqtt://e:1', BATON_NODE: 'from-env', BATON_LABELS: 'a=1, b=2', BATON_RESYNC: '5', BATON_DOCKER_HOST: 'unix:///run/d.sock' };
    expect(parseAgentOptions([], env, host)).toMatchObject({ broker: 'mqtt://e:1', node: 'from-env', labels: { a: '1', b: '2' }, resyncMs: 5000, dockerHost: 'unix:///run/d.sock' });
    expect(parseAgentOptions(['--node', 'flag-wins'], env, host).node).toBe('flag-wins');
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
