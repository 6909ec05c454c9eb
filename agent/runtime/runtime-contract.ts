import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../test/support/ports.js';
import { waitFor } from '../../test/support/wait.js';
import { defineExecContract } from './runtime-contract-exec.js';
import { defineImageContract } from './runtime-contract-images.js';
import { defineNamespaceContract } from './runtime-contract-namespaces.js';
import { defineStorageContract } from './runtime-contract-storage.js';
import {
  ContainerCreateError,
  ContainerStartError,
  ImagePullError,
  NameConflictError,
  type ActualContainer,
  type ContainerCreateSpec,
  type ContainerRuntime,
  type RuntimeEvent,
  type WatchState,
} from './runtime.js';

/**
 * The behaviour every ContainerRuntime must have, as vitest tests. Run against the fake
 * (fake-runtime.test.ts) and real Docker (test/integration/docker-runtime.test.ts), so
 * what the agent's unit tests learn from the fake holds for Docker too. The sections on
 * exec, images, storage and namespaces live in the runtime-contract-*.ts files beside it.
 */

export interface RuntimeContractSubject {
  readonly runtime: ContainerRuntime;
  /** An image present on the engine with busybox: `sh`, `sleep`, `echo`, `cat`, `ps`, `httpd`, `wget`, `dd`. */
  readonly image: string;
  /** An image that is absent and cannot be pulled. */
  readonly unpullableImage: string;
  /** Names a fresh image, absent from the engine, that a pull fetches. */
  pullableImage(): Promise<string>;
  /** Removes whatever containers carry `key=value` (test cleanup). */
  removeLabelled(key: string, value: string): Promise<void>;
  /** Removes an image the suite pulled or imported (test cleanup). */
  removeImage(image: string): Promise<void>;
}

export interface RuntimeContractOptions {
  /**
   * True for an engine that runs real processes: the suite then also checks what only
   * they can show (files shared through a volume, a server reached over a joined network,
   * a device read, an OOM kill, a timed-out command really gone). The fake records these
   * things without running anything, so for it they are only created and started.
   */
  readonly runsProcesses: boolean;
}

/** What the contract's sections share: the subject, unique scopes, specs and cleanup. */
export interface ContractContext {
  readonly subject: () => RuntimeContractSubject;
  readonly runsProcesses: boolean;
  /** A label value unique to one test; containers and volumes carrying it are removed after the test. */
  scope(): string;
  /** A container spec in the group, running `sleep 3600` unless overridden. */
  spec(group: string, overrides?: Partial<ContainerCreateSpec>): ContainerCreateSpec;
  /** Creates and starts a container; returns its ID. */
  run(group: string, overrides?: Partial<ContainerCreateSpec>): Promise<string>;
  find(group: string, id: string): Promise<ActualContainer | undefined>;
  /** Has an image removed after the test. */
  removeAfterwards(image: string): void;
}

export const CONTRACT_LABEL = 'io.baton.contract';
const LABEL = CONTRACT_LABEL;

export function defineRuntimeContract(name: string, subject: () => RuntimeContractSubject, options: RuntimeContractOptions): void {
  describe(`ContainerRuntime contract: ${name}`, () => {
    const used: string[] = [];
    const images: string[] = [];

    /** A label value unique to one test, so tests never see each other's containers. */
    function scope(): string {
      const value = `c-${randomBytes(4).toString('hex')}`;
      used.push(value);
      return value;
    }

    function spec(group: string, overrides: Partial<ContainerCreateSpec> = {}): ContainerCreateSpec {
      return {
        name: `baton-contract_${group}_${randomBytes(3).toString('hex')}`,
        image: subject().image,
        labels: { [LABEL]: group, 'io.baton.container': 'main' },
        command: ['sleep', '3600'],
        env: [],
        ports: [],
        ...overrides,
      };
    }

    async function find(group: string, id: string): Promise<ActualContainer | undefined> {
      const list = await subject().runtime.listContainers({ key: LABEL, value: group });
      return list.find((c) => c.id === id);
    }

    async function run(group: string, overrides: Partial<ContainerCreateSpec> = {}): Promise<string> {
      const id = await subject().runtime.createContainer(spec(group, overrides));
      await subject().runtime.startContainer(id);
      return id;
    }

    afterEach(async () => {
      const { runtime } = subject();
      for (const group of used.splice(0)) {
        await subject().removeLabelled(LABEL, group);
        for (const v of await runtime.listVolumes({ key: LABEL, value: group })) await runtime.removeVolume(v.name);
      }
      for (const image of images.splice(0)) await subject().removeImage(image);
    });

    const context: ContractContext = { subject, runsProcesses: options.runsProcesses, scope, spec, run, find, removeAfterwards: (image) => images.push(image) };

    it('lists nothing for a label no container carries', async () => {
      expect(await subject().runtime.listContainers({ key: LABEL, value: scope() })).toEqual([]);
    });

    it('creates a container that is listed with its labels, image and state created', async () => {
      const group = scope();
      const s = spec(group);
      const id = await subject().runtime.createContainer(s);
      const c = await find(group, id);
      expect(c).toMatchObject({ id, name: s.name, image: s.image, state: 'created' });
      expect(c?.labels).toMatchObject(s.labels);
      expect(c?.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(Number.isNaN(Date.parse(c?.createdAt ?? ''))).toBe(false);
      expect(c?.exitCode).toBeUndefined();
    });

    it('starts a container; starting it again is success', async () => {
      const group = scope();
      const id = await subject().runtime.createContainer(spec(group));
      await subject().runtime.startContainer(id);
      await subject().runtime.startContainer(id);
      const c = await find(group, id);
      expect(c?.state).toBe('running');
      expect(Number.isNaN(Date.parse(c?.startedAt ?? ''))).toBe(false);
      expect(c?.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    });

    it('stops a container with stop signal SIGKILL at once, though its PID 1 ignores SIGTERM', async () => {
      const group = scope();
      // `sleep` as PID 1 has no handler, so SIGTERM does nothing: only the signal asked for ends it.
      const id = await run(group, { stopSignal: 'SIGKILL' });
      const started = performance.now();
      await subject().runtime.stopContainer(id, 30);
      expect(performance.now() - started).toBeLessThan(10_000);
      const c = await find(group, id);
      expect(c?.state).toBe('exited');
      expect(c?.exitCode).toBe(137);
    });

    it('stops a running container; stopping it again is success', async () => {
      const group = scope();
      const id = await subject().runtime.createContainer(spec(group));
      await subject().runtime.startContainer(id);
      await subject().runtime.stopContainer(id, 1);
      await subject().runtime.stopContainer(id, 1);
      const c = await find(group, id);
      expect(c?.state).toBe('exited');
      expect(typeof c?.exitCode).toBe('number');
      expect(Number.isNaN(Date.parse(c?.finishedAt ?? ''))).toBe(false);
      expect(c?.ip).toBeUndefined();
    });

    it('removes a container, running or not; removing or stopping a gone one is success', async () => {
      const group = scope();
      const id = await subject().runtime.createContainer(spec(group));
      await subject().runtime.startContainer(id);
      await subject().runtime.removeContainer(id);
      expect(await find(group, id)).toBeUndefined();
      await subject().runtime.removeContainer(id);
      await subject().runtime.stopContainer(id, 1);
    });

    it('create with the name of an identical container returns that container', async () => {
      const group = scope();
      const s = spec(group);
      const id = await subject().runtime.createContainer(s);
      expect(await subject().runtime.createContainer(s)).toBe(id);
      expect(await subject().runtime.listContainers({ key: LABEL, value: group })).toHaveLength(1);
    });

    it('create with the name of a different container fails with NameConflictError', async () => {
      const group = scope();
      const s = spec(group);
      await subject().runtime.createContainer(s);
      const other = { ...s, labels: { ...s.labels, 'io.baton.container': 'other' } };
      await expect(subject().runtime.createContainer(other)).rejects.toBeInstanceOf(NameConflictError);
    });

    it('create from an absent image fails with ContainerCreateError', async () => {
      await expect(subject().runtime.createContainer(spec(scope(), { image: subject().unpullableImage }))).rejects.toBeInstanceOf(ContainerCreateError);
    });

    it('lists only the containers carrying the label asked for', async () => {
      const mine = scope();
      const theirs = scope();
      const a = await subject().runtime.createContainer(spec(mine));
      await subject().runtime.createContainer(spec(theirs));
      const listed = await subject().runtime.listContainers({ key: LABEL, value: mine });
      expect(listed.map((c) => c.id)).toEqual([a]);
    });

    it('tells a present image from an absent one', async () => {
      expect((await subject().runtime.inspectImage(subject().image))?.id).toMatch(/^sha256:/);
      expect(await subject().runtime.inspectImage(subject().unpullableImage)).toBeUndefined();
    });

    it('pulling an image that cannot be fetched fails with ImagePullError', async () => {
      await expect(subject().runtime.pullImage(subject().unpullableImage)).rejects.toBeInstanceOf(ImagePullError);
    });

    it('reports the exit code of a container whose process ended', async () => {
      const group = scope();
      const id = await subject().runtime.createContainer(spec(group, { command: ['sh', '-c', 'exit 3'] }));
      await subject().runtime.startContainer(id);
      const c = await waitFor('the container to exit', async () => {
        const found = await find(group, id);
        return found?.state === 'exited' ? found : undefined;
      }, { timeoutMs: 10_000 });
      expect(c.exitCode).toBe(3);
      // Docker may stamp a very short run's finish a hair before its start: only check both are times.
      expect(Number.isNaN(Date.parse(c.finishedAt ?? ''))).toBe(false);
      expect(Number.isNaN(Date.parse(c.startedAt ?? ''))).toBe(false);
    });

    it('a start that cannot bind its host port fails with ContainerStartError', async () => {
      const group = scope();
      const port = await freePort();
      const ports = [{ containerPort: 80, protocol: 'TCP' as const, hostPort: port, hostIP: '127.0.0.1' }];
      const first = await subject().runtime.createContainer(spec(group, { ports }));
      await subject().runtime.startContainer(first);
      const second = await subject().runtime.createContainer(spec(group, { ports }));
      await expect(subject().runtime.startContainer(second)).rejects.toBeInstanceOf(ContainerStartError);
    });

    it('watches events of the labelled containers only', async () => {
      const mine = scope();
      const theirs = scope();
      const seen: RuntimeEvent[] = [];
      const states: WatchState[] = [];
      const abort = new AbortController();
      subject().runtime.watchEvents({ key: LABEL, value: mine }, (e) => seen.push(e), abort.signal, (s) => states.push(s));
      try {
        // The watch may take a moment to be in place: keep making events until one arrives.
        const id = await subject().runtime.createContainer(spec(mine));
        const other = await subject().runtime.createContainer(spec(theirs));
        await subject().runtime.startContainer(other);
        await subject().runtime.startContainer(id);
        await waitFor('an event for the watched container', async () => {
          if (seen.some((e) => e.containerId === id)) return true;
          await subject().runtime.stopContainer(id, 0);
          await subject().runtime.startContainer(id);
          return false;
        }, { timeoutMs: 15_000, intervalMs: 300 });
        expect(seen.every((e) => e.containerId !== other)).toBe(true);
        // The watch said it was in place (and, the engine being up all along, never lost).
        expect(states).toEqual([{ state: 'watching' }]);
      } finally {
        abort.abort();
      }
    });

    it('reports its version as engine://version', async () => {
      expect(await subject().runtime.version()).toMatch(/^[a-z]+:\/\/\d+\.\d+/);
    });

    defineExecContract(context);
    defineImageContract(context);
    defineStorageContract(context);
    defineNamespaceContract(context);
  });
}
