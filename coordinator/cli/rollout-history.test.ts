import { describe, expect, it } from 'vitest';
import { describeRevision, historyTable } from './rollout-history.js';

/** `rollout history` as kubectl prints it. */

describe('historyTable', () => {
  it('lists revisions oldest first with their change-cause, <none> when there is none, ended by an empty line', () => {
    const text = historyTable('deployment.apps/web', [{ revision: 3, changeCause: 'kubectl set image web app=a:3' }, { revision: 2 }, { revision: 10, changeCause: '' }]);
    expect(text).toBe(
      ['deployment.apps/web', 'REVISION  CHANGE-CAUSE', '2         <none>', '3         kubectl set image web app=a:3', '10        <none>', ''].join('\n'),
    );
  });

  it('says so when nothing is kept', () => {
    expect(historyTable('deployment.apps/web', [])).toBe('No rollout history found.');
  });
});

describe('describeRevision', () => {
  it("describes the revision's pod template as kubectl does", () => {
    const text = describeRevision('deployment.apps/web', {
      revision: 2,
      changeCause: 'new image',
      template: {
        metadata: { labels: { app: 'web', tier: 'front' } },
        spec: { containers: [{ name: 'app', image: 'a:2', command: ['sleep', '3600'], ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
      },
    });
    expect(text.split('\n')).toEqual([
      'deployment.apps/web with revision #2',
      'Pod Template:',
      '  Labels:       app=web',
      '                tier=front',
      '  Annotations:  kubernetes.io/change-cause: new image',
      '  Containers:',
      '    app:',
      '      Image:      a:2',
      '      Port:       80/TCP',
      '      Host Port:  0/TCP',
      '      Command:',
      '        sleep',
      '        3600',
      '      Environment:  <none>',
      '      Mounts:       <none>',
      '  Volumes:          <none>',
    ]);
  });
});
