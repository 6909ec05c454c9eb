import { describe, expect, it } from 'vitest';
import { UsageError } from '../../protocol/options.js';
import { parseCommandLine, type Invocation } from './args.js';

const defaults = { broker: 'mqtt://127.0.0.1:1883', prefix: 'baton', timeoutMs: 5000 };

function summary(invocation: Invocation): unknown {
  switch (invocation.verb) {
    case 'get':
      return { verb: 'get', kind: invocation.kind.list, name: invocation.name, output: invocation.output, globals: invocation.globals };
    case 'describe':
      return { verb: 'describe', kind: invocation.kind.list, name: invocation.name };
    case 'delete':
      return 'files' in invocation.target
        ? { verb: 'delete', files: invocation.target.files }
        : { verb: 'delete', kind: invocation.target.kind.kind, name: invocation.target.name };
    default:
      return invocation;
  }
}

describe('parseCommandLine', () => {
  it.each<[string, string[], Record<string, string>, unknown]>([
    ['get with defaults', ['get', 'nodes'], {}, { verb: 'get', kind: 'nodes', name: undefined, output: 'table', globals: defaults }],
    ['kubectl aliases', ['get', 'po', 'web', '-o', 'wide'], {}, { verb: 'get', kind: 'pods', name: 'web', output: 'wide', globals: defaults }],
    ['KIND/NAME', ['get', 'deploy/web', '-o', 'json'], {}, { verb: 'get', kind: 'deployments', name: 'web', output: 'json', globals: defaults }],
    ['ds alias and yaml', ['get', 'ds', '--output', 'yaml'], {}, { verb: 'get', kind: 'daemonsets', name: undefined, output: 'yaml', globals: defaults }],
    [
      'environment fallbacks',
      ['get', 'no'],
      { BATON_BROKER: 'mqtt://hub:1884', BATON_PREFIX: 'home', BATON_TIMEOUT: '2.5' },
      { verb: 'get', kind: 'nodes', name: undefined, output: 'table', globals: { broker: 'mqtt://hub:1884', brokerGiven: true, prefix: 'home', timeoutMs: 2500 } },
    ],
    [
      'flags win over the environment, anywhere on the line',
      ['--broker', 'mqtt://a:1', 'get', 'nodes', '--timeout', '9', '--prefix', 'p'],
      { BATON_BROKER: 'mqtt://hub:1884', BATON_TIMEOUT: '2' },
      { verb: 'get', kind: 'nodes', name: undefined, output: 'table', globals: { broker: 'mqtt://a:1', brokerGiven: true, prefix: 'p', timeoutMs: 9000 } },
    ],
    ['apply with repeated -f', ['apply', '-f', 'a.yaml', '--filename', 'dir', '-f', '-'], {}, { verb: 'apply', globals: defaults, files: ['a.yaml', 'dir', '-'] }],
    ['get events', ['get', 'ev', '-o', 'wide'], {}, { verb: 'get', kind: 'events', name: undefined, output: 'wide', globals: defaults }],
    ['describe pod NAME', ['describe', 'pod', 'web'], {}, { verb: 'describe', kind: 'pods', name: 'web' }],
    ['describe node/NAME', ['describe', 'node/pi-1'], {}, { verb: 'describe', kind: 'nodes', name: 'pi-1' }],
    ['describe every pod', ['describe', 'po'], {}, { verb: 'describe', kind: 'pods', name: undefined }],
    ['describe --help', ['describe', '--help'], {}, { verb: 'help', topic: 'describe' }],
    ['delete KIND NAME', ['delete', 'deployment', 'web'], {}, { verb: 'delete', kind: 'Deployment', name: 'web' }],
    ['delete KIND/NAME', ['delete', 'pod/solo'], {}, { verb: 'delete', kind: 'Pod', name: 'solo' }],
    ['delete -f', ['delete', '-f', 'app.yaml'], {}, { verb: 'delete', files: ['app.yaml'] }],
    ['delete node NAME', ['delete', 'node', 'pi-1'], {}, { verb: 'delete-node', globals: defaults, node: 'pi-1' }],
    ['delete no/NAME', ['delete', 'no/pi-1'], {}, { verb: 'delete-node', globals: defaults, node: 'pi-1' }],
    ['token create', ['token', 'create'], {}, { verb: 'token', globals: defaults, command: { action: 'create', ttlSeconds: undefined, description: undefined } }],
    [
      'token create with ttl and description',
      ['token', 'create', '--ttl', '1h30m', '--description', 'kitchen pis'],
      {},
      { verb: 'token', globals: defaults, command: { action: 'create', ttlSeconds: 5400, description: 'kitchen pis' } },
    ],
    ['token create --ttl 0 never expires', ['token', 'create', '--ttl', '0'], {}, { verb: 'token', globals: defaults, command: { action: 'create', ttlSeconds: 0, description: undefined } }],
    ['token list', ['token', 'list'], {}, { verb: 'token', globals: defaults, command: { action: 'list' } }],
    ['token delete ID', ['token', 'delete', 'abc123'], {}, { verb: 'token', globals: defaults, command: { action: 'delete', id: 'abc123' } }],
    [
      'credentials from the flag or the environment',
      ['token', 'list', '--credentials', '/etc/baton/admin.json'],
      {},
      { verb: 'token', globals: { ...defaults, credentials: '/etc/baton/admin.json' }, command: { action: 'list' } },
    ],
    ['BATON_CREDENTIALS', ['token', 'list'], { BATON_CREDENTIALS: '/a.json' }, { verb: 'token', globals: { ...defaults, credentials: '/a.json' }, command: { action: 'list' } }],
    ['--version wins', ['get', 'nodes', '--version'], {}, { verb: 'version' }],
    ['--help', ['--help'], {}, { verb: 'help', topic: undefined }],
    ['verb --help', ['apply', '-h'], {}, { verb: 'help', topic: 'apply' }],
    ['help verb', ['help', 'delete'], {}, { verb: 'help', topic: 'delete' }],
  ])('%s', (_what, argv, env, expected) => {
    expect(summary(parseCommandLine(argv, env))).toEqual(expected);
  });

  it.each<[string[], Record<string, string>, RegExp]>([
    [[], {}, /no command given/],
    [['launch'], {}, /unknown command "launch": expected apply, get, describe, delete, scale, rollout, cordon, uncordon, drain or token/],
    [['get'], {}, /which kind\?/],
    [['get', 'widgets'], {}, /unknown kind "widgets"/],
    [['get', 'pods', 'a', 'b'], {}, /unexpected argument "b"/],
    [['get', 'pods', '-o', 'xml'], {}, /-o "xml": expected wide, json or yaml/],
    [['get', 'pods', '-f', 'x.yaml'], {}, /-f is not supported/],
    [['apply'], {}, /-f FILE\|DIR\|- is required/],
    [['apply', '-f', 'a.yaml', '-o', 'json'], {}, /-o\/--output is only for get/],
    [['delete', 'pod'], {}, /which pod\?/],
    [['delete', 'node'], {}, /delete: which node\? give node NAME/],
    [['token'], {}, /token: which action\? one of create, list, delete/],
    [['token', 'make'], {}, /token: unknown action "make"/],
    [['token', 'delete'], {}, /token delete: which token\?/],
    [['token', 'delete', 'a', 'b'], {}, /token delete: unexpected argument "b"/],
    [['token', 'list', 'x'], {}, /token list: unexpected argument "x"/],
    [['token', 'list', '--ttl', '1h'], {}, /token list: --ttl is only for token create/],
    [['get', 'nodes', '--description', 'x'], {}, /get: --description is only for token create/],
    [['token', 'create', '--ttl', 'soon'], {}, /--ttl "soon": must be a duration/],
    [['token', 'create', '--ttl', '87601h'], {}, /--ttl "87601h": at most 87600h/],
    [['delete', 'event', 'web.17a'], {}, /events cannot be deleted/],
    [['describe'], {}, /describe: which kind\?/],
    [['describe', 'deployment', 'web'], {}, /describe: deployments cannot be described; describe pods or nodes/],
    [['describe', 'pod', 'web', '-o', 'json'], {}, /-o\/--output is only for get/],
    [['describe', 'pod', 'web', 'extra'], {}, /unexpected argument "extra"/],
    [['delete', 'pod', 'x', '-f', 'a.yaml'], {}, /either -f FILE or KIND NAME/],
    [['get', 'pods', '--timeout', '0'], {}, /--timeout "0": expected a number of seconds greater than 0/],
    [['get', 'pods'], { BATON_TIMEOUT: 'soon' }, /--timeout "soon"/],
    [['get', 'pods', '--broker', 'http://x'], {}, /--broker: .*mqtt:\/\//],
    [['get', 'pods', '--colour'], {}, /--colour/],
  ])('%j is a usage error', (argv, env, message) => {
    expect(() => parseCommandLine(argv, env)).toThrow(UsageError);
    expect(() => parseCommandLine(argv, env)).toThrow(message);
  });
});

describe('cordon, uncordon and drain', () => {
  it.each<[string[], unknown]>([
    [['cordon', 'pi-1'], { verb: 'cordon', node: 'pi-1', globals: defaults }],
    [['uncordon', 'node/pi-1'], { verb: 'uncordon', node: 'pi-1', globals: defaults }],
    [['drain', 'pi-1'], { verb: 'drain', node: 'pi-1', force: false, globals: defaults }],
    [['drain', '--force', 'no/pi-1'], { verb: 'drain', node: 'pi-1', force: true, globals: defaults }],
  ])('%j', (argv, expected) => {
    expect(parseCommandLine(argv, {})).toEqual(expected);
  });

  it.each<[string[], RegExp]>([
    [['cordon'], /cordon: which node\? give NODE/],
    [['drain', 'a', 'b'], /drain: unexpected argument "b"/],
    [['cordon', 'pod/web'], /cordon: "pod\/web" is not a node/],
    [['cordon', 'pi-1', '--force'], /cordon: --force is only for drain/],
    [['uncordon', 'pi-1', '-o', 'json'], /uncordon: -o\/--output is only for get/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCommandLine(argv, {})).toThrow(UsageError);
    expect(() => parseCommandLine(argv, {})).toThrow(message);
  });
});
