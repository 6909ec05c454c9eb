import { describe, expect, it } from 'vitest';
import { booleanOption, listOption, optionsHelp, parseDuration, parseKeyValues, parseOptions, stringOption, UsageError, type OptionSpec } from './options.js';

const specs: OptionSpec[] = [
  { name: 'broker', env: 'BATON_BROKER', kind: 'string', placeholder: 'URL', description: 'MQTT broker', default: 'mqtt://127.0.0.1:1883' },
  { name: 'node', env: 'BATON_NODE', kind: 'string', placeholder: 'NAME', description: 'node name' },
  { name: 'label', env: 'BATON_LABELS', kind: 'list', placeholder: 'K=V', description: 'node label' },
  { name: 'verbose', env: 'BATON_VERBOSE', kind: 'boolean', short: 'v', description: 'say more' },
];

describe('parseOptions', () => {
  it.each<[string, string[], Record<string, string>, Record<string, unknown>]>([
    ['defaults when nothing is given', [], {}, { broker: 'mqtt://127.0.0.1:1883' }],
    ['the environment when the flag is absent', [], { BATON_BROKER: 'mqtt://hub:1883', BATON_NODE: 'pi-1' }, { broker: 'mqtt://hub:1883', node: 'pi-1' }],
    ['the flag over the environment', ['--broker', 'mqtt://flag:1'], { BATON_BROKER: 'mqtt://env:1' }, { broker: 'mqtt://flag:1' }],
    ['--flag=value', ['--node=pi-9'], { BATON_NODE: 'pi-1' }, { broker: 'mqtt://127.0.0.1:1883', node: 'pi-9' }],
    ['an empty variable counts as unset', [], { BATON_BROKER: '', BATON_NODE: '' }, { broker: 'mqtt://127.0.0.1:1883' }],
    ['repeatable flags', ['--label', 'a=1', '--label', 'b=2'], { BATON_LABELS: 'z=9' }, { broker: 'mqtt://127.0.0.1:1883', label: ['a=1', 'b=2'] }],
    ['a comma-separated list variable', [], { BATON_LABELS: 'a=1, b=2,,' }, { broker: 'mqtt://127.0.0.1:1883', label: ['a=1', 'b=2'] }],
    ['a short boolean flag', ['-v'], {}, { broker: 'mqtt://127.0.0.1:1883', verbose: true }],
    ['a boolean variable', [], { BATON_VERBOSE: 'yes' }, { broker: 'mqtt://127.0.0.1:1883', verbose: true }],
    ['a false boolean variable', [], { BATON_VERBOSE: '0' }, { broker: 'mqtt://127.0.0.1:1883', verbose: false }],
  ])('%s', (_what, argv, env, expected) => {
    expect(parseOptions(argv, env, specs).values).toEqual(expected);
  });

  it('keeps positionals in order, between flags', () => {
    expect(parseOptions(['get', '--node', 'x', 'pods', 'web'], {}, specs).positionals).toEqual(['get', 'pods', 'web']);
  });

  it.each([[['--nope']], [['--node']], [['-x']]])('%j is a usage error', (argv) => {
    expect(() => parseOptions(argv, {}, specs)).toThrow(UsageError);
  });

  it('gives typed access to the values', () => {
    const { values } = parseOptions(['--label', 'a=1', '-v'], {}, specs);
    expect(stringOption(values, 'broker')).toBe('mqtt://127.0.0.1:1883');
    expect(stringOption(values, 'node')).toBeUndefined();
    expect(listOption(values, 'label')).toEqual(['a=1']);
    expect(listOption(values, 'broker')).toEqual([]);
    expect(booleanOption(values, 'verbose')).toBe(true);
    expect(booleanOption(values, 'broker')).toBe(false);
  });
});

describe('parseKeyValues', () => {
  it('parses k=v pairs, values may contain =', () => {
    expect(parseKeyValues(['zone=attic', 'x=a=b', 'empty='], 'label')).toEqual({ zone: 'attic', x: 'a=b', empty: '' });
  });

  it.each(['novalue', '=v'])('names the bad pair %j', (pair) => {
    expect(() => parseKeyValues([pair], 'label')).toThrow(new UsageError(`--label ${JSON.stringify(pair)}: expected KEY=VALUE`));
  });
});

describe('optionsHelp', () => {
  it('lists each flag with its variable and default, aligned', () => {
    expect(optionsHelp(specs).split('\n')).toEqual([
      '      --broker URL  MQTT broker (env BATON_BROKER, default mqtt://127.0.0.1:1883)',
      '      --node NAME   node name (env BATON_NODE)',
      '      --label K=V   node label (env BATON_LABELS)',
      '  -v, --verbose     say more (env BATON_VERBOSE)',
    ]);
  });
});

describe('parseDuration', () => {
  it.each([
    ['10', 10_000],
    ['2.5', 2500],
    ['500ms', 500],
    ['10s', 10_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    [' 90s ', 90_000],
  ])('%j is %d ms', (text, ms) => {
    expect(parseDuration(text, 'x')).toBe(ms);
  });

  it.each(['', 'soon', '10x', '-5s', '5 m', 's', '1m-30s', '0', '0s'])('refuses %j, naming the flag', (text) => {
    expect(() => parseDuration(text, 'eviction-timeout')).toThrow(`--eviction-timeout ${JSON.stringify(text)}: must be a duration`);
  });

  it('takes zero only when allowed', () => {
    expect(parseDuration('0s', 'x', true)).toBe(0);
  });
});
