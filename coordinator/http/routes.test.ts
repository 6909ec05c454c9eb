import { describe, expect, it } from 'vitest';
import { allowedMethods, matchRoute, type Route } from './routes.js';

describe('matchRoute', () => {
  it.each<[string, string, Route]>([
    ['GET', '/install.sh', { kind: 'installer' }],
    ['HEAD', '/install.sh?x=1', { kind: 'installer' }],
    ['GET', '/baton-agent.service', { kind: 'unit' }],
    ['GET', '/binaries/SHA256SUMS', { kind: 'sums' }],
    ['GET', '/binaries/baton-agent-linux-arm64', { kind: 'binary', name: 'baton-agent-linux-arm64' }],
    ['HEAD', '/binaries/baton-agent-linux-arm64.xz#frag', { kind: 'binary', name: 'baton-agent-linux-arm64.xz' }],
    ['GET', '/binaries/baton%2Dagent', { kind: 'binary', name: 'baton-agent' }],
    ['GET', '/ca.crt', { kind: 'ca' }],
    ['HEAD', '/ca.crt?pin=x', { kind: 'ca' }],
    ['GET', '/ca.crt/', { kind: 'not-found' }],
    ['POST', '/ca.crt', { kind: 'method-not-allowed' }],
    ['POST', '/join', { kind: 'join' }],
    ['POST', '/join?x=1', { kind: 'join' }],
    ['GET', '/join', { kind: 'method-not-allowed' }],
    ['post', '/join', { kind: 'method-not-allowed' }],
    ['POST', '/join/', { kind: 'method-not-allowed' }],
    ['GET', '/', { kind: 'not-found' }],
    ['GET', '/install.sh/', { kind: 'not-found' }],
    ['GET', '/INSTALL.SH', { kind: 'not-found' }],
    ['GET', '/binaries/', { kind: 'not-found' }],
    ['GET', '/binaries/../package.json', { kind: 'not-found' }],
    ['GET', '/binaries/..%2Fpackage.json', { kind: 'not-found' }],
    ['GET', '/binaries/..%2fpackage.json', { kind: 'not-found' }],
    ['GET', '/binaries/%2e%2e', { kind: 'not-found' }],
    ['GET', '/binaries/..%5Cpackage.json', { kind: 'not-found' }],
    ['GET', '/binaries/.hidden', { kind: 'not-found' }],
    ['GET', '/binaries/%E0%A4%A', { kind: 'not-found' }],
    ['GET', '/binaries/sub/dir', { kind: 'not-found' }],
    ['GET', 'http://evil/install.sh', { kind: 'not-found' }],
    ['POST', '/install.sh', { kind: 'method-not-allowed' }],
    ['PUT', '/binaries/x', { kind: 'method-not-allowed' }],
    ['OPTIONS', '*', { kind: 'method-not-allowed' }],
    ['get', '/install.sh', { kind: 'method-not-allowed' }],
  ])('%s %s', (method, target, route) => {
    expect(matchRoute(method, target)).toEqual(route);
  });

  it('names the methods a target takes', () => {
    expect(allowedMethods('/join')).toEqual(['POST']);
    expect(allowedMethods('/install.sh')).toEqual(['GET', 'HEAD']);
  });
});
