import { describe, expect, it } from 'vitest';
import { UsageError } from '../../protocol/options.js';
import { parseCommandLine, type Invocation } from './args.js';

/** `baton scale` and `baton rollout` on the command line. */

const defaults = { broker: 'mqtt://127.0.0.1:1883', prefix: 'baton', timeoutMs: 5000 };

function summary(invocation: Invocation): unknown {
  if (invocation.verb === 'scale') return { verb: 'scale', kind: invocation.target.kind.kind, name: invocation.target.name, replicas: invocation.replicas };
  if (invocation.verb === 'rollout') {
    const { target, ...rest } = invocation.command;
    return { verb: 'rollout', kind: target.kind.kind, name: target.name, ...rest, globals: invocation.globals };
  }
  return invocation;
}

describe('scale', () => {
  it.each<[string[], unknown]>([
    [['scale', 'deployment/web', '--replicas', '3'], { verb: 'scale', kind: 'Deployment', name: 'web', replicas: 3 }],
    [['scale', 'deployment', 'web', '--replicas=0'], { verb: 'scale', kind: 'Deployment', name: 'web', replicas: 0 }],
    [['scale', '--replicas', '2', 'deploy/web'], { verb: 'scale', kind: 'Deployment', name: 'web', replicas: 2 }],
  ])('%j', (argv, expected) => {
    expect(summary(parseCommandLine(argv, {}))).toEqual(expected);
  });
});

describe('rollout', () => {
  it.each<[string[], Record<string, string>, unknown]>([
    [['rollout', 'status', 'deployment/web'], {}, { verb: 'rollout', action: 'status', kind: 'Deployment', name: 'web', timeoutMs: 0, watch: true, globals: defaults }],
    [
      ['rollout', 'status', 'deployment', 'web', '--timeout', '2s', '--watch=false'],
      {},
      { verb: 'rollout', action: 'status', kind: 'Deployment', name: 'web', timeoutMs: 2000, watch: false, globals: defaults },
    ],
    [
      // --timeout is the rollout's; the request timeout comes from BATON_TIMEOUT alone.
      ['rollout', 'status', 'ds/agent', '--timeout=1m30s', '--watch'],
      { BATON_TIMEOUT: '3' },
      { verb: 'rollout', action: 'status', kind: 'DaemonSet', name: 'agent', timeoutMs: 90_000, watch: true, globals: { ...defaults, timeoutMs: 3000 } },
    ],
    [
      ['rollout', 'status', 'deployment/web'],
      { BATON_TIMEOUT: '3' },
      { verb: 'rollout', action: 'status', kind: 'Deployment', name: 'web', timeoutMs: 0, watch: true, globals: { ...defaults, timeoutMs: 3000 } },
    ],
    [['rollout', 'status', 'deployment/web', '--timeout', '0'], {}, { verb: 'rollout', action: 'status', kind: 'Deployment', name: 'web', timeoutMs: 0, watch: true, globals: defaults }],
    [['rollout', 'undo', 'deployment/web'], {}, { verb: 'rollout', action: 'undo', kind: 'Deployment', name: 'web', toRevision: 0, globals: defaults }],
    [['rollout', 'undo', 'deployment/web', '--to-revision=3'], {}, { verb: 'rollout', action: 'undo', kind: 'Deployment', name: 'web', toRevision: 3, globals: defaults }],
    [['rollout', 'history', 'deployment/web'], {}, { verb: 'rollout', action: 'history', kind: 'Deployment', name: 'web', revision: 0, globals: defaults }],
    [['rollout', 'history', 'deploy', 'web', '--revision', '2'], {}, { verb: 'rollout', action: 'history', kind: 'Deployment', name: 'web', revision: 2, globals: defaults }],
    [['rollout', 'restart', 'daemonset/agent'], {}, { verb: 'rollout', action: 'restart', kind: 'DaemonSet', name: 'agent', globals: defaults }],
    // Other verbs keep --timeout as the request timeout in seconds.
    [['rollout', 'restart', 'deployment/web', '--timeout', '9'], {}, { verb: 'rollout', action: 'restart', kind: 'Deployment', name: 'web', globals: { ...defaults, timeoutMs: 9000 } }],
    [['rollout', '--help'], {}, { verb: 'help', topic: 'rollout' }],
  ])('%j', (argv, env, expected) => {
    expect(summary(parseCommandLine(argv, env))).toEqual(expected);
  });
});

describe('usage errors', () => {
  it.each<[string[], RegExp]>([
    [['scale', 'deployment/web'], /scale: --replicas N is required/],
    [['scale', 'deployment/web', '--replicas=-1'], /--replicas "-1": expected a whole number 0 or more/],
    [['scale', 'deployment/web', '--replicas', 'two'], /--replicas "two": expected a whole number 0 or more/],
    [['scale', 'daemonset/agent', '--replicas', '2'], /scale: daemonsets are not supported: expected deployment\/NAME/],
    [['scale', 'pod/web', '--replicas', '2'], /scale: pods are not supported/],
    [['scale', '--replicas', '2'], /scale: which object\? give deployment\/NAME/],
    [['scale', 'deployment', '--replicas', '2'], /scale: which deployment\?/],
    [['scale', 'deployment/web', 'extra', '--replicas', '2'], /scale: unexpected argument "extra"/],
    [['scale', 'widget/web', '--replicas', '2'], /scale: unknown kind "widget"/],
    [['scale', '-f', 'web.yaml', '--replicas', '2'], /scale: -f is not supported/],
    [['rollout'], /rollout: which action\? one of status, undo, history, restart/],
    [['rollout', 'pause', 'deployment/web'], /rollout: unknown action "pause"/],
    [['rollout', 'status'], /rollout status: which object\? give deployment\/NAME or daemonset\/NAME/],
    [['rollout', 'undo', 'daemonset/agent'], /rollout undo: daemonsets are not supported: expected deployment\/NAME/],
    [['rollout', 'history', 'ds/agent'], /rollout history: daemonsets are not supported/],
    [['rollout', 'status', 'deployment/web', '--timeout', 'soon'], /--timeout "soon": must be a duration/],
    [['rollout', 'status', 'deployment/web', '--watch=maybe'], /--watch=maybe: expected true or false/],
    [['rollout', 'undo', 'deployment/web', '--revision', '2'], /rollout undo: --revision is only for rollout history/],
    [['rollout', 'history', 'deployment/web', '--to-revision', '2'], /rollout history: --to-revision is only for rollout undo/],
    [['rollout', 'restart', 'deployment/web', '--watch=false'], /rollout restart: --watch is only for rollout status/],
    [['rollout', 'undo', 'deployment/web', '--to-revision', 'x'], /--to-revision "x": expected a whole number/],
    [['rollout', 'status', 'deployment/web', '--replicas', '2'], /rollout status: --replicas is only for scale/],
    [['get', 'pods', '--replicas', '2'], /get: --replicas is only for scale/],
    [['get', 'pods', '--watch=false'], /get: --watch is only for rollout status/],
  ])('%j', (argv, message) => {
    expect(() => parseCommandLine(argv, {})).toThrow(UsageError);
    expect(() => parseCommandLine(argv, {})).toThrow(message);
  });
});
