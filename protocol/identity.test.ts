import { describe, expect, it } from 'vitest';
import { adminIdentity, anonymousIdentity, coordinatorIdentity, describeIdentity, identityOfUsername, mayUseClientId, nodeIdentity, usernameOf, type Identity } from './identity.js';

describe('identities and usernames', () => {
  it.each<[Identity, string | undefined]>([
    [coordinatorIdentity, 'coordinator'],
    [adminIdentity, 'admin'],
    [nodeIdentity('pi-1'), 'node.pi-1'],
    [nodeIdentity('rack.pi-1'), 'node.rack.pi-1'],
    [anonymousIdentity, undefined],
  ])('%j has username %j, and back', (identity, username) => {
    expect(usernameOf(identity)).toBe(username);
    if (username !== undefined) expect(identityOfUsername(username)).toEqual(identity);
  });

  it.each(['', 'Admin', 'coordinator2', 'node.', 'node.Pi-1', 'node.pi_1', 'node.-pi', 'node.pi/1', 'node.+', 'node.#', 'nodepi-1', 'anonymous', `node.${'a'.repeat(254)}`])(
    '%j names no identity',
    (username) => {
      expect(identityOfUsername(username)).toBeUndefined();
    },
  );

  it.each<[Identity, string, boolean]>([
    [nodeIdentity('pi-1'), 'baton-agent-pi-1', true],
    [nodeIdentity('pi-1'), 'baton-agent-pi-2', false],
    [nodeIdentity('pi-1'), 'baton-agent-pi-10', false],
    [nodeIdentity('pi-1'), 'baton-cli-0a1b', false],
    [nodeIdentity('pi-1'), 'baton-coordinator', false],
    [nodeIdentity('pi-1'), '', false],
    [adminIdentity, 'baton-cli-0a1b2c', true],
    [adminIdentity, 'mqtt-explorer-1', true],
    [adminIdentity, 'baton-agent-pi-1', false],
    [adminIdentity, 'baton-coordinator', false],
    [adminIdentity, 'baton-coordinator-lab', false],
    [anonymousIdentity, 'mosquitto-sub-1', true],
    [anonymousIdentity, 'baton-agent-pi-1', false],
    [anonymousIdentity, 'baton-coordinator', false],
    [coordinatorIdentity, 'baton-coordinator', true],
    [coordinatorIdentity, 'baton-coordinator-lab', true],
  ])('%j with client id %j: %s', (identity, clientId, allowed) => {
    expect(mayUseClientId(identity, clientId)).toBe(allowed);
  });

  it('describes identities for log lines', () => {
    expect([coordinatorIdentity, adminIdentity, nodeIdentity('pi-1'), anonymousIdentity].map(describeIdentity)).toEqual(['coordinator', 'admin', 'node pi-1', 'anonymous']);
  });
});
