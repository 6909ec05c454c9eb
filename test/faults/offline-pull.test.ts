import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, TEST_IMAGE } from '../support/docker.js';
import { waitFor } from '../support/wait.js';
import { desiredState, specPod } from '../integration/agent-harness.js';
import { useAgentTestBed } from '../integration/agent-testbed.js';
import { FAST_BACKOFF } from './earlier-run.js';

/**
 * imagePullPolicy Always with the registry out of reach, as on a Pi whose network is
 * down: the pull fails, and the container still starts and restarts from the image
 * already on the node instead of waiting in ImagePullBackOff until the network is back.
 */

/** An image "from" a registry on a port nothing listens on: every pull of it is refused at once. */
const UNREACHABLE = '127.0.0.1:1/baton-test/busybox:1';

const bed = useAgentTestBed();

beforeAll(async () => {
  await docker('tag', TEST_IMAGE, UNREACHABLE);
});

afterAll(async () => {
  await docker('rmi', UNREACHABLE).catch(() => undefined);
});

describe('imagePullPolicy Always with the registry unreachable', () => {
  it('starts and restarts the container from the image on the node, and says the pull failed', async () => {
    const watch = await bed.node('offpull', FAST_BACKOFF);
    const pod = specPod('latest', {
      restartPolicy: 'Always',
      containers: [{ name: 'main', image: UNREACHABLE, imagePullPolicy: 'Always', command: ['sh', '-c', 'sleep 0.5; exit 1'] }],
    });
    await bed.view.publishDesired(desiredState(watch.node, 1, [pod]));

    await waitFor('the container restarted twice from the local image', () => (bed.view.podStatus(watch.node, 'latest')?.status.containerStatuses[0]?.restartCount ?? 0) >= 2, { timeoutMs: 30_000 });
    const failed = watch.events.filter((e) => e.reason === 'Failed' && e.message.includes(UNREACHABLE));
    expect(failed.length).toBeGreaterThan(0);
    expect(watch.events.some((e) => e.reason === 'Started' && e.container === 'main')).toBe(true);
  });
});
