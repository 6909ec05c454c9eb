import type { NodeDesired } from '../protocol/messages.js';
import { specHash, type PodContainer } from './container-labels.js';
import { pickCurrent } from './container-situation.js';
import { needsSandbox } from './container-spec.js';
import { currentSandbox } from './plan.js';
import type { ProbeTarget } from './probes/probe-manager.js';

/**
 * The containers the probe workers should watch: the current, running instance of every
 * desired container that has a probe. Pure; the agent passes the result to the workers.
 */
export function probeTargets(desired: NodeDesired, ours: readonly PodContainer[]): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  for (const pod of desired.pods) {
    const mine = ours.filter((c) => c.podUid === pod.uid);
    const hasSandbox = needsSandbox(pod.spec);
    const sandbox = hasSandbox ? currentSandbox(pod, mine) : undefined;
    if (hasSandbox && sandbox === undefined) continue;
    for (const spec of pod.spec.containers) {
      if (!spec.livenessProbe && !spec.readinessProbe && !spec.startupProbe) continue;
      const instances = mine.filter((c) => !c.isSandbox && c.container === spec.name);
      const current = pickCurrent(instances, specHash(spec, pod.spec), hasSandbox ? (sandbox?.actual.id ?? null) : undefined, pod.spec.restartPolicy);
      // A container outside the pod's sandbox is being stopped (restartPolicy Never): no probes.
      if (current === undefined || current.actual.state !== 'running' || current.sandboxId !== sandbox?.actual.id) continue;
      const address = pod.spec.hostNetwork === true ? '127.0.0.1' : (sandbox ?? current).actual.ip;
      targets.push({
        containerId: current.actual.id,
        pod: pod.name,
        podUid: pod.uid,
        container: spec.name,
        spec,
        startedAt: Date.parse(current.actual.startedAt ?? current.actual.createdAt),
        address,
      });
    }
  }
  return targets;
}
