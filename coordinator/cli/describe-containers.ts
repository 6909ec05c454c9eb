import type { ContainerState, ContainerStatus } from '../../protocol/messages.js';
import { parseCpuMillis, parseMemoryBytes } from '../../protocol/quantity.js';
import { cell, formatTime, indent, printBool } from './describe-text.js';
import type { ContainerView, DescribedPod, EnvView, ProbeView } from './describe-views.js';

/** The `Containers:` section of `baton describe pod`, in kubectl's words and order. Pure. */

/** `http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3`, as kubectl. */
export function describeProbe(probe: ProbeView): string {
  const attrs = `delay=${probe.initialDelaySeconds}s timeout=${probe.timeoutSeconds}s period=${probe.periodSeconds}s #success=${probe.successThreshold} #failure=${probe.failureThreshold}`;
  if (probe.exec !== undefined) return `exec [${probe.exec.command.join(' ')}] ${attrs}`;
  if (probe.httpGet !== undefined) {
    const { scheme, host, port, path } = probe.httpGet;
    return `http-get ${scheme.toLowerCase()}://${joinHostPort(host ?? '', port)}${path} ${attrs}`;
  }
  if (probe.tcpSocket !== undefined) return `tcp-socket ${probe.tcpSocket.host ?? ''}:${probe.tcpSocket.port} ${attrs}`;
  return `unknown ${attrs}`;
}

function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `State:` or `Last State:` and the lines under it. */
export function stateLines(title: string, state: ContainerState): string[] {
  const l2 = indent(2);
  const l3 = indent(3);
  if (state.running !== undefined) return [`${l2}${title}:\tRunning`, `${l3}Started:\t${formatTime(state.running.startedAt)}`];
  if (state.terminated !== undefined) {
    const t = state.terminated;
    return [
      `${l2}${title}:\tTerminated`,
      ...(t.reason !== '' ? [`${l3}Reason:\t${cell(t.reason)}`] : []),
      ...(t.message !== undefined && t.message !== '' ? [`${l3}Message:\t${cell(t.message)}`] : []),
      `${l3}Exit Code:\t${t.exitCode}`,
      ...(t.signal !== undefined && t.signal > 0 ? [`${l3}Signal:\t${t.signal}`] : []),
      `${l3}Started:\t${formatTime(t.startedAt)}`,
      `${l3}Finished:\t${formatTime(t.finishedAt)}`,
    ];
  }
  const waiting = state.waiting;
  return [
    `${l2}${title}:\tWaiting`,
    ...(waiting !== undefined && waiting.reason !== '' ? [`${l3}Reason:\t${cell(waiting.reason)}`] : []),
    ...(waiting?.message !== undefined && waiting.message !== '' ? [`${l3}Message:\t${cell(waiting.message)}`] : []),
  ];
}

function portLines(container: ContainerView): string[] {
  const l2 = indent(2);
  const ports = container.ports.map((p) => `${p.containerPort}/${p.protocol}${p.name !== undefined ? ` (${p.name})` : ''}`);
  const hostPorts = container.ports.map((p) => `${p.hostPort ?? 0}/${p.protocol}`);
  const line = (one: string, many: string, values: string[]): string =>
    values.length > 1 ? `${l2}${many}:\t${values.join(', ')}` : `${l2}${one}:\t${values[0] ?? '<none>'}`;
  return [line('Port', 'Ports', ports), line('Host Port', 'Host Ports', hostPorts)];
}

function listLines(title: string, values: readonly string[] | undefined): string[] {
  if (values === undefined || values.length === 0) return [];
  return [`${indent(2)}${title}:`, ...values.flatMap((v) => v.split('\n').map((line) => `${indent(3)}${cell(line)}`))];
}

function resourceLines(title: string, amounts: { cpu?: string | undefined; memory?: string | undefined } | undefined): string[] {
  const entries = (['cpu', 'memory'] as const).flatMap((name) => (amounts?.[name] !== undefined ? [`${indent(3)}${name}:\t${cell(amounts[name])}`] : []));
  return entries.length === 0 ? [] : [`${indent(2)}${title}:`, ...entries];
}

/** The value a `valueFrom.fieldRef` stands for in this pod, as kubectl resolves it. */
function fieldValue(pod: DescribedPod, fieldPath: string): string {
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'status.hostIP':
      return pod.status.hostIP ?? '';
    case 'status.podIP':
      return pod.status.podIP ?? '';
    default:
      return '';
  }
}

function envLines(pod: DescribedPod, env: readonly EnvView[]): string[] {
  if (env.length === 0) return [`${indent(2)}Environment:\t<none>`];
  const l3 = indent(3);
  return [
    `${indent(2)}Environment:`,
    ...env.flatMap((e) => {
      const ref = e.valueFrom?.fieldRef;
      if (ref !== undefined) return [`${l3}${cell(e.name)}:\t${cell(fieldValue(pod, ref.fieldPath))} (${cell(ref.apiVersion ?? 'v1')}:${cell(ref.fieldPath)})`];
      return (e.value ?? '').split('\n').map((line, i) => (i === 0 ? `${l3}${cell(e.name)}:\t${cell(line)}` : `${l3}\t${cell(line)}`));
    }),
  ];
}

function mountLines(container: ContainerView): string[] {
  if (container.volumeMounts.length === 0) return [`${indent(2)}Mounts:\t<none>`];
  const sorted = [...container.volumeMounts].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
  return [`${indent(2)}Mounts:`, ...sorted.map((m) => `${indent(3)}${cell(m.mountPath)} from ${cell(m.name)} (${m.readOnly ? 'ro' : 'rw'})`)];
}

function containerLines(pod: DescribedPod, container: ContainerView, status: ContainerStatus | undefined): string[] {
  const l2 = indent(2);
  const probes: [string, ProbeView | undefined][] = [
    ['Liveness', container.livenessProbe],
    ['Readiness', container.readinessProbe],
    ['Startup', container.startupProbe],
  ];
  return [
    `${indent(1)}${cell(container.name)}:`,
    ...(status !== undefined ? [`${l2}Container ID:\t${cell(status.containerID)}`] : []),
    `${l2}Image:\t${cell(container.image)}`,
    ...(status !== undefined ? [`${l2}Image ID:\t${cell(status.imageID)}`] : []),
    ...portLines(container),
    ...listLines('Command', container.command),
    ...listLines('Args', container.args),
    ...(status !== undefined
      ? [
          ...stateLines('State', status.state),
          ...(status.lastState?.terminated !== undefined ? stateLines('Last State', status.lastState) : []),
          `${l2}Ready:\t${printBool(status.ready)}`,
          `${l2}Restart Count:\t${status.restartCount}`,
        ]
      : []),
    ...resourceLines('Limits', container.resources.limits),
    ...resourceLines('Requests', container.resources.requests),
    ...probes.flatMap(([title, probe]) => (probe !== undefined ? [`${l2}${title}:\t${describeProbe(probe)}`] : [])),
    ...envLines(pod, container.env),
    ...mountLines(container),
  ];
}

export function containersLines(pod: DescribedPod): string[] {
  const statuses = new Map(pod.status.containerStatuses.map((s) => [s.name, s]));
  if (pod.spec.containers.length === 0) return ['Containers: <none>'];
  return ['Containers:', ...pod.spec.containers.flatMap((c) => containerLines(pod, c, statuses.get(c.name)))];
}

/**
 * Kubernetes' QoS class: BestEffort without any request or limit, Guaranteed when every
 * container limits CPU and memory and requests no other amount (a missing request is
 * the limit), else Burstable.
 */
export function qosClass(containers: readonly ContainerView[]): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const amounts = containers.map((c) => c.resources);
  const any = amounts.some((r) => [r.requests?.cpu, r.requests?.memory, r.limits?.cpu, r.limits?.memory].some((v) => v !== undefined));
  if (!any) return 'BestEffort';
  const guaranteed = amounts.every((r) => {
    const { limits, requests } = r;
    if (limits?.cpu === undefined || limits.memory === undefined) return false;
    const cpuEqual = requests?.cpu === undefined || parseCpuMillis(requests.cpu) === parseCpuMillis(limits.cpu);
    const memoryEqual = requests?.memory === undefined || parseMemoryBytes(requests.memory) === parseMemoryBytes(limits.memory);
    return cpuEqual && memoryEqual;
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
