import { describe, expect, it } from 'vitest';
import { Topics } from '../../protocol/topics.js';
import { renderAclFile, renderMosquittoConfig, renderPasswordFile } from './mosquitto-files.js';

const topics = new Topics('baton');
const hash = (n: number): string => `$7$101$AAECAwQFBgcICQoL$${String(n).repeat(4)}==`;
const credentials = [
  { username: 'node.pi-b', passwordHash: hash(3) },
  { username: 'admin', passwordHash: hash(2) },
  { username: 'node.pi-a', passwordHash: hash(4) },
  { username: 'coordinator', passwordHash: hash(1) },
  { username: 'stranger', passwordHash: hash(5) },
  { username: 'node.bad name', passwordHash: hash(6) },
  { username: 'node.pi-c', passwordHash: 'plain' },
];

describe('mosquitto files', () => {
  it('password file: one line per Baton identity, coordinator and admin first', () => {
    expect(renderPasswordFile(credentials)).toBe(
      [`coordinator:${hash(1)}`, `admin:${hash(2)}`, `node.pi-a:${hash(4)}`, `node.pi-b:${hash(3)}`, ''].join('\n'),
    );
  });

  it('ACL: no anonymous lines when anonymous read is off; the rules of protocol/acl.ts per user', () => {
    expect(renderAclFile(credentials, topics, { anonymousRead: false })).toBe(
      [
        '# Written by baton-coordinator; rewritten on every credential change. Do not edit.',
        '# anonymous',
        '',
        'user coordinator',
        'topic readwrite #',
        'topic read $SYS/#',
        '',
        'user admin',
        'topic read #',
        'topic write baton/v1/coordinator/requests',
        'topic write baton/v1/clients/+/sync',
        'topic read $SYS/#',
        '',
        'user node.pi-a',
        'topic read baton/v1/nodes/pi-a/desired',
        'topic readwrite baton/v1/nodes/pi-a/status',
        'topic readwrite baton/v1/nodes/pi-a/pods/+',
        'topic read baton/v1/coordinator/status',
        'topic write baton/v1/nodes/pi-a/events',
        '',
        'user node.pi-b',
        'topic read baton/v1/nodes/pi-b/desired',
        'topic readwrite baton/v1/nodes/pi-b/status',
        'topic readwrite baton/v1/nodes/pi-b/pods/+',
        'topic read baton/v1/coordinator/status',
        'topic write baton/v1/nodes/pi-b/events',
        '',
      ].join('\n'),
    );
  });

  it('ACL: anonymous read lines come before the first user line', () => {
    const text = renderAclFile([], new Topics('lab'), { anonymousRead: true });
    expect(text.split('\n').slice(1)).toEqual([
      '# anonymous',
      'topic read lab/v1/nodes/+/status',
      'topic read lab/v1/nodes/+/pods/+',
      'topic read lab/v1/nodes/+/events',
      'topic read lab/v1/coordinator/status',
      '',
    ]);
  });

  it('config: both listeners, global security settings, absolute paths', () => {
    const text = renderMosquittoConfig({ dir: '/etc/mosquitto/conf.d/', anonymousRead: false, port: 1883, tlsPort: 8883 });
    const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(lines).toEqual([
      'per_listener_settings false',
      'allow_anonymous false',
      'password_file /etc/mosquitto/conf.d/passwords',
      'acl_file /etc/mosquitto/conf.d/acl',
      'set_tcp_nodelay true',
      'listener 1883',
      'listener 8883',
      'cafile /etc/mosquitto/conf.d/ca.crt',
      'certfile /etc/mosquitto/conf.d/server.crt',
      'keyfile /etc/mosquitto/conf.d/server.key',
    ]);
    expect(renderMosquittoConfig({ dir: '/x', anonymousRead: true, port: 1, tlsPort: 2 })).toContain('allow_anonymous true\n');
  });
});
