import { optionsHelp } from '../../protocol/options.js';
import { filenameSpec, globalSpecs, outputSpec, type Verb } from './args.js';

/** The text of `baton --help` and `baton <verb> --help`. */

const globalFlags = `Global flags:\n${optionsHelp(globalSpecs)}`;

const verbHelp: Record<Verb, string> = {
  apply: [
    'Usage: baton apply -f FILE|DIR|- [-f ...]',
    '',
    'Creates or updates the Pods, Deployments and DaemonSets in the given manifests.',
    'Every file is validated first; if any object is invalid, every problem is printed',
    'and nothing is sent. A directory means its *.yaml, *.yml and *.json files, sorted.',
    '',
    'Flags:',
    optionsHelp([filenameSpec]),
    '',
    'Example:',
    '  baton apply -f web.yaml',
    '  cat web.yaml | baton apply -f -',
  ].join('\n'),
  get: [
    'Usage: baton get nodes|pods|deployments|daemonsets|events [NAME] [-o wide|json|yaml]',
    '',
    'Lists objects as a table, or prints them as JSON or YAML. Nodes are read straight',
    'from the agents\' retained statuses on the broker (no coordinator needed); pods show',
    'the status their node reported last. Events are what the agents reported over the',
    'last hour (pulls, starts, kills, failed probes, back-offs), repeats counted, oldest',
    'first. Kinds may be shortened as in kubectl: node/no, pod/po, deployment/deploy,',
    'daemonset/ds, event/ev.',
    '',
    'Flags:',
    optionsHelp([outputSpec]),
    '',
    'Example:',
    '  baton get nodes -o wide',
    '  baton get pods web-7d4b9c8f6-x2x9k -o yaml',
    '  baton get events',
  ].join('\n'),
  describe: [
    'Usage: baton describe pods|nodes [NAME]',
    '',
    'Shows one pod or node in detail, as kubectl describe does, with the events about it',
    'from the last hour. A pod: its node, status, containers (image, ports, state and last',
    'state, restarts, limits, probes, environment, mounts), conditions and volumes. A node:',
    'its labels, conditions, capacity, system facts, the pods on it and what they ask for.',
    'Without NAME, every pod or node. Times are in UTC.',
    '',
    'Example:',
    '  baton describe pod web-7d4b9c8f6-x2x9k',
    '  baton describe node pi-kitchen',
  ].join('\n'),
  delete: [
    'Usage: baton delete KIND NAME',
    '       baton delete -f FILE|DIR|- [-f ...]',
    '',
    'Deletes a Pod, Deployment or DaemonSet; with -f, every object in the manifests.',
    '',
    'Flags:',
    optionsHelp([filenameSpec]),
    '',
    'Example:',
    '  baton delete deployment web',
    '  baton delete -f web.yaml',
  ].join('\n'),
};

export function helpText(topic: Verb | undefined): string {
  if (topic !== undefined) return `${verbHelp[topic]}\n\n${globalFlags}\n`;
  return [
    'baton: run Kubernetes manifests on a fleet of Raspberry Pis.',
    '',
    'Usage: baton COMMAND [ARGS] [FLAGS]',
    '',
    'Commands:',
    '  apply -f FILE|DIR|-                 create or update objects from manifests',
    '  get KIND [NAME] [-o wide|json|yaml] list nodes, pods, deployments, daemonsets or events',
    '  describe pod|node [NAME]            show a pod or node in detail, with its events',
    '  delete KIND NAME | -f FILE          delete objects',
    '',
    globalFlags,
    '',
    'Exit status: 0 done, 1 error, 2 usage error.',
    'Run `baton COMMAND --help` for more about a command.',
    '',
  ].join('\n');
}
