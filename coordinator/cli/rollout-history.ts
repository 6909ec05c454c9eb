import * as z from 'zod';
import type { Revision } from '../../protocol/requests.js';
import { validate } from '../../protocol/validation.js';
import { containersLines } from './describe-containers.js';
import { volumeLines } from './describe-pod.js';
import { cell, mapLines, renderDescription } from './describe-text.js';
import { viewDescribedPod } from './describe-views.js';
import { alignTabs } from './tab-columns.js';

/**
 * `baton rollout history` as kubectl prints it: the object, then a REVISION /
 * CHANGE-CAUSE table (`<none>` for a revision made without a change-cause), or with
 * `--revision N` that revision's pod template described. Pure.
 */

/** The table, oldest revision first, ended by an empty line as kubectl's is. */
export function historyTable(ref: string, revisions: readonly Revision[]): string {
  if (revisions.length === 0) return 'No rollout history found.';
  const rows = [...revisions]
    .sort((a, b) => a.revision - b.revision)
    .map((r) => `${r.revision}\t${cell(r.changeCause !== undefined && r.changeCause !== '' ? r.changeCause : '<none>')}`);
  return [ref, ...alignTabs(['REVISION\tCHANGE-CAUSE', ...rows]), ''].join('\n');
}

const templateView = z.object({
  metadata: z
    .object({
      labels: z.record(z.string(), z.string()).optional().catch(undefined),
      annotations: z.record(z.string(), z.string()).optional().catch(undefined),
    })
    .catch({}),
  spec: z.record(z.string(), z.unknown()).catch({}),
});

/** One revision: `deployment.apps/web with revision #2`, then `Pod Template:` as kubectl describes one. */
export function describeRevision(ref: string, revision: Revision): string {
  const read = validate(templateView, revision.template ?? {});
  const template = read.ok ? read.value : { metadata: {}, spec: {} };
  const annotations = { ...template.metadata.annotations, ...(revision.changeCause !== undefined ? { 'kubernetes.io/change-cause': revision.changeCause } : {}) };
  const pod = viewDescribedPod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: '', namespace: 'default', uid: '', creationTimestamp: '' },
    spec: template.spec,
  });
  const lines = [
    ...mapLines('Labels', template.metadata.labels),
    ...mapLines('Annotations', annotations, ': '),
    ...containersLines(pod),
    ...volumeLines(pod.spec.volumes),
  ];
  return [`${ref} with revision #${revision.revision}`, 'Pod Template:', renderDescription(lines.map((line) => `  ${line}`))].join('\n');
}
