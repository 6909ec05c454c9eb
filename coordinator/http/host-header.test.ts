import { describe, expect, it } from 'vitest';
import { parseHostHeader, urlHost } from './host-header.js';

describe('parseHostHeader', () => {
  it.each([
    ['pi-hub.local:8484', { authority: 'pi-hub.local:8484', hostname: 'pi-hub.local', port: 8484 }],
    ['192.168.1.10:8484', { authority: '192.168.1.10:8484', hostname: '192.168.1.10' , port: 8484 }],
    ['hub', { authority: 'hub', hostname: 'hub' }],
    ['Hub.Example.org.', { authority: 'Hub.Example.org.', hostname: 'Hub.Example.org' }],
    ['[fd00::1]:8484', { authority: '[fd00::1]:8484', hostname: 'fd00::1', port: 8484 }],
    ['[::1]', { authority: '[::1]', hostname: '::1' }],
    ['my_pi:1', { authority: 'my_pi:1', hostname: 'my_pi', port: 1 }],
  ])('accepts %j', (header, expected) => {
    expect(parseHostHeader(header)).toEqual(expected);
  });

  it.each([
    [undefined],
    [''],
    ['hub:'],
    ['hub:0'],
    ['hub:65536'],
    ['hub:8484:1'],
    ["hub'; rm -rf /"],
    ['hub $(id)'],
    ['my hub'],
    ['hub`id`'],
    ['user@hub'],
    ['hub/x'],
    ['-hub'],
    ['hub..x'],
    ['[fd00::1'],
    ['[hub]:80'],
    ['fd00::1'],
    ['hub\n'],
    ['a'.repeat(256)],
  ])('refuses %j', (header) => {
    expect(parseHostHeader(header)).toBeUndefined();
  });
});

describe('urlHost', () => {
  it('puts IPv6 addresses in brackets and nothing else', () => {
    expect(urlHost('fd00::1')).toBe('[fd00::1]');
    expect(urlHost('hub.local')).toBe('hub.local');
  });
});
