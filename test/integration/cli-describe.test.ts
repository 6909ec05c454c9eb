import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodePayload } from '../../protocol/codec.js';
import type { NodeEvent, NodeStatus, PodStatusReport } from '../../protocol/messages.js';
import type { EventItem } from '../../protocol/requests.js';
import { runCli, type Running } from '../support/processes.js';
import { waitFor } from '../support/wait.js';
import { requireBuiltCli } from './cli-fixtures.js';
import {
  BrokerFixture,
  fakeNodeStatus,
  removeDir,
  requireBuiltCoordinator,
  startCoordinatorOn,
  TestClient,
  type BrokerKind,
} from './coordinator-harness.js';

/**
 * `baton get events` and `baton describe` against the built coordinator on a real
 * broker. The test plays the node: it publishes the node's status, the pod's retained
 * status and lifecycle events over MQTT as an agent does; what is under test is what
 * the coordinator keeps of them and what the CLI shows.
 */

const NODE = 'pi-describe';
const SECOND = 1000;

const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { app: web }
spec:
  containers:
    - name: httpd
      image: baton-test/busybox:1
      command: [httpd, -f, -p, "8080"]
      ports: [{ containerPort: 8080, name: http }]
      env:
        - { name: MODE, value: prod }
        - name: POD_NAME
          valueFrom: { fieldRef: { fieldPath: metadata.name } }
      resources: { limits: { memory: 64Mi } }
      livenessProbe:
        httpGet: { path: /healthz, port: 8080 }
`;

function nodeStatus(): NodeStatus {
  return {
    ...fakeNodeStatus(NODE, { labels: { 'node-role.kubernetes.io/edge': '' }, memory: '1Gi' }),
    startedAt: new Date(Date.now() - 3600 * SECOND).toISOString(),
    info: {
      architecture: 'arm64',
      operatingSystem: 'linux',
      osImage: 'Debian GNU/Linux 12 (bookworm)',
      kernelVersion: '6.6.31+rpt-rpi-v8',
      piModel: 'Raspberry Pi 4 Model B Rev 1.4',
      cpus: 4,
      memoryBytes: 2 ** 30,
      containerRuntimeVersion: 'docker://24.0.5',
      agentVersion: '0.1.0',
    },
  };
}

function ago(ms: number): string {
  return new Date(Date.now() - ms).toISOString();
}

function runningReport(uid: string): PodStatusReport {
  return {
    protocol: 'v1',
    node: NODE,
    name: 'web',
    uid,
    observedGeneration: 1,
    status: {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      hostIP: '192.168.1.20',
      podIP: '172.17.0.9',
      startTime: ago(120 * SECOND),
      containerStatuses: [
        {
          name: 'httpd',
          ready: true,
          restartCount: 1,
          image: 'baton-test/busybox:1',
          imageID: 'sha256:1234',
          containerID: 'docker://abcd',
          state: { running: { startedAt: ago(30 * SECOND) } },
          lastState: { terminated: { exitCode: 137, reason: 'Error', startedAt: ago(110 * SECOND), finishedAt: ago(35 * SECOND) } },
        },
      ],
    },
  };
}

function event(partial: Partial<NodeEvent> & Pick<NodeEvent, 'reason' | 'message'>): NodeEvent {
  return { protocol: 'v1', node: NODE, time: new Date().toISOString(), type: 'Normal', pod: 'web', container: 'httpd', ...partial };
}

beforeAll(async () => {
  requireBuiltCoordinator();
  await requireBuiltCli();
});

describe.each<BrokerKind>(['embedded', 'mosquitto'])('baton describe and get events, coordinator on the %s broker', (kind) => {
  let broker: BrokerFixture;
  let stateDir: string;
  let coordinator: Running | undefined;
  let client: TestClient;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    ({ broker, stateDir, coordinator, client } = await startCoordinatorOn(kind));
    env = { BATON_BROKER: broker.url, BATON_TIMEOUT: '5' };
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && coordinator) console.log(`coordinator output:\n${coordinator.output()}`);
    await client.stop();
    await coordinator?.stop();
    await broker.stop();
    await removeDir(stateDir);
  });

  async function publishEvent(e: NodeEvent | string, node = NODE): Promise<void> {
    await client.publishRaw(client.topics.nodeEvents(node), typeof e === 'string' ? e : encodePayload(e), false);
  }

  async function getEvents(): Promise<EventItem[]> {
    const result = await runCli(['get', 'events', '-o', 'json'], { env });
    if (result.code !== 0) throw new Error(`get events failed: ${result.stderr}`);
    return (JSON.parse(result.stdout) as { items: EventItem[] }).items;
  }

  /** A running pod `web` on the fake node: applied through the CLI, its status published as the node would. */
  async function runningPod(): Promise<string> {
    await client.setNode(nodeStatus());
    const applied = await runCli(['apply', '-f', '-'], { env, input: manifest });
    expect(applied.stdout).toBe('pod/web created\n');
    const desired = await waitFor('web in the node\'s desired state', () => client.desired(NODE)?.pods.find((p) => p.name === 'web'));
    await client.publishRaw(client.topics.podStatus(NODE, 'web'), encodePayload(runningReport(desired.uid)), true);
    return desired.uid;
  }

  it('keeps the events a node publishes, repeats counted, and shows them in get events and describe pod', async () => {
    const uid = await runningPod();
    const t0 = Date.now();
    const before = (seconds: number): string => new Date(t0 - seconds * SECOND).toISOString();
    await publishEvent(event({ reason: 'Pulled', message: 'Container image "baton-test/busybox:1" already present on machine', time: before(100) }));
    await publishEvent(event({ reason: 'Created', message: 'Created container httpd', time: before(99) }));
    await publishEvent(event({ reason: 'Started', message: 'Started container httpd', time: before(98) }));
    for (const seconds of [80, 60, 40]) {
      await publishEvent(event({ type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500', time: before(seconds) }));
    }
    await publishEvent(event({ reason: 'Killing', message: 'Container httpd failed liveness probe, will be restarted', time: before(36) }));
    // Not about this pod, or not events at all: kept elsewhere or dropped.
    await publishEvent(event({ pod: 'ghost', reason: 'Started', message: 'Started container httpd' }));
    await publishEvent(event({ pod: undefined, container: undefined, reason: 'NodeHasDiskPressure', type: 'Warning', message: 'SD card almost full' }));
    await publishEvent('not json at all');
    await publishEvent(encodePayload({ protocol: 'v1', node: NODE, reason: 'Started' }));
    await publishEvent(event({ node: 'pi-other', reason: 'Started', message: 'from the wrong topic' }));

    const events = await waitFor('the node event to be listed', async () => {
      const items = await getEvents();
      return items.some((i) => i.reason === 'NodeHasDiskPressure') ? items : undefined;
    });
    expect(events.map((e) => [e.involvedObject.kind, e.involvedObject.name, e.reason, e.count])).toEqual([
      ['Pod', 'web', 'Pulled', 1],
      ['Pod', 'web', 'Created', 1],
      ['Pod', 'web', 'Started', 1],
      ['Pod', 'web', 'Unhealthy', 3],
      ['Pod', 'web', 'Killing', 1],
      ['Pod', 'ghost', 'Started', 1],
      ['Node', NODE, 'NodeHasDiskPressure', 1],
    ]);
    const unhealthy = events[3]!;
    expect(unhealthy).toMatchObject({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', uid, fieldPath: 'spec.containers{httpd}' },
      type: 'Warning',
      source: { component: 'baton-agent', host: NODE },
    });
    expect([unhealthy.firstTimestamp, unhealthy.lastTimestamp]).toEqual([before(80), before(40)]);
    expect(unhealthy.metadata.name).toMatch(/^web\.[0-9a-f]+$/);

    const table = await runCli(['get', 'events'], { env });
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(lines).toContainEqual(expect.stringMatching(/^\d+s\s+Warning\s+Unhealthy\s+pod\/web\s+Liveness probe failed: HTTP probe failed with statuscode: 500$/));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\d+s\\s+Warning\\s+NodeHasDiskPressure\\s+node/${NODE}\\s+SD card almost full$`)));

    const one = await runCli(['get', 'event', unhealthy.metadata.name, '-o', 'json'], { env });
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: 'Event', reason: 'Unhealthy', count: 3 });

    const described = await runCli(['describe', 'pod', 'web'], { env });
    expect(described.stderr).toBe('');
    expect(described.code).toBe(0);
    const text = described.stdout.trimEnd();
    expect(text).toMatch(/^Name:\s+web$/m);
    expect(text).toMatch(new RegExp(`^Node:\\s+${NODE}/192\\.168\\.1\\.20$`, 'm'));
    expect(text).toMatch(/^Status:\s+Running$/m);
    expect(text).toMatch(/^IP:\s+172\.17\.0\.9$/m);
    expect(text).toMatch(/^ {4}State:\s+Running$/m);
    expect(text).toMatch(/^ {4}Last State:\s+Terminated\n {6}Reason:\s+Error\n {6}Exit Code:\s+137$/m);
    expect(text).toMatch(/^ {4}Restart Count:\s+1$/m);
    expect(text).toMatch(/^ {4}Port:\s+8080\/TCP \(http\)$/m);
    expect(text).toMatch(/^ {4}Liveness:\s+http-get http:\/\/:8080\/healthz delay=0s timeout=1s period=10s #success=1 #failure=3$/m);
    expect(text).toMatch(/^ {6}POD_NAME:\s+web \(v1:metadata\.name\)$/m);
    expect(text).toMatch(/^ {6}memory:\s+64Mi$/m);
    expect(text).toMatch(/^QoS Class:\s+Burstable$/m);
    const eventSection = text.slice(text.indexOf('Events:'));
    expect(eventSection.split('\n').slice(1).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['Type', 'Reason', 'Age', 'From', 'Message'],
      ['----', '------', '----', '----', '-------'],
      ['Normal', 'Pulled', expect.stringMatching(/^\d+s$/), 'baton-agent', 'Container image "baton-test/busybox:1" already present on machine'],
      ['Normal', 'Created', expect.stringMatching(/^\d+s$/), 'baton-agent', 'Created container httpd'],
      ['Normal', 'Started', expect.stringMatching(/^\d+s$/), 'baton-agent', 'Started container httpd'],
      ['Warning', 'Unhealthy', expect.stringMatching(/^\d+s \(x3 over \d+s\)$/), 'baton-agent', 'Liveness probe failed: HTTP probe failed with statuscode: 500'],
      ['Normal', 'Killing', expect.stringMatching(/^\d+s$/), 'baton-agent', 'Container httpd failed liveness probe, will be restarted'],
    ]);

    // Events live in the coordinator's memory only, never in its store (an SD card on a Pi).
    expect(await readFile(join(stateDir, 'store.json'), 'utf8')).not.toContain('Unhealthy');
  });

  it('describes a node with its facts, its pods and its events', async () => {
    await runningPod();
    await publishEvent(event({ type: 'Warning', reason: 'Unhealthy', message: 'Liveness probe failed: connection refused' }));
    await publishEvent(event({ pod: undefined, container: undefined, reason: 'Rebooted', type: 'Warning', message: 'Node rebooted' }));
    await waitFor('the node event', async () => (await getEvents()).some((e) => e.reason === 'Rebooted'));

    const described = await runCli(['describe', 'node', NODE], { env });
    expect(described.stderr).toBe('');
    expect(described.code).toBe(0);
    const text = described.stdout;
    expect(text).toMatch(new RegExp(`^Name:\\s+${NODE}$`, 'm'));
    expect(text).toMatch(/^Roles:\s+edge$/m);
    expect(text).toMatch(/^State:\s+online$/m);
    expect(text).toMatch(/^ {2}Ready\s+True\s+/m);
    expect(text).toMatch(/^ {2}Pi Model:\s+Raspberry Pi 4 Model B Rev 1\.4$/m);
    expect(text).toMatch(/^Non-terminated Pods:\s+\(1 in total\)$/m);
    expect(text).toMatch(/^ {2}default\s+web\s+0 \(0%\)\s+0 \(0%\)\s+64Mi \(6%\)\s+64Mi \(6%\)\s+\d+s$/m);
    expect(text).toMatch(/^ {2}Warning\s+Rebooted\s+\d+s\s+baton-agent\s+Node rebooted$/m);
    // Events about its pods belong to the pods' descriptions.
    expect(text).not.toMatch(/Liveness probe/);
  });

  it('says so, as get does, when the pod or node is not there', async () => {
    await client.setNode(nodeStatus());
    const pod = await runCli(['describe', 'pod', 'nope'], { env });
    expect(pod).toEqual({ code: 1, stdout: '', stderr: 'Error from coordinator: pods "nope" not found\n' });
    const node = await runCli(['describe', 'node', 'nope'], { env });
    expect(node).toEqual({ code: 1, stdout: '', stderr: 'Error: nodes "nope" not found\n' });
    const event = await runCli(['get', 'event', 'nope.123'], { env });
    expect(event).toEqual({ code: 1, stdout: '', stderr: 'Error from coordinator: events "nope.123" not found\n' });
    const none = await runCli(['get', 'events'], { env });
    expect(none).toEqual({ code: 0, stdout: '', stderr: 'No resources found.\n' });
  });
});
