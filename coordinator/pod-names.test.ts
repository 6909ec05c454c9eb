import { describe, expect, it } from 'vitest';
import { subdomainName } from '../protocol/names.js';
import { generatePodName, randomNameSuffix } from './pod-names.js';

describe('generatePodName', () => {
  it('appends a suffix, trying again while the name is taken', () => {
    const suffixes = ['aaaaa', 'bbbbb'];
    expect(generatePodName('web-abc', (n) => n === 'web-abc-aaaaa', () => suffixes.shift() ?? 'zzzzz')).toBe('web-abc-bbbbb');
  });

  it('cuts a long base so the name stays a valid DNS subdomain', () => {
    // A valid deployment name of 253 characters whose cut falls right after a dot.
    const base = `${'a'.repeat(246)}.${'b'.repeat(6)}-hash123456`;
    expect(subdomainName.safeParse(base.slice(0, 253)).success).toBe(true);
    const name = generatePodName(base, () => false, () => 'xxxxx');
    expect(name.length).toBeLessThanOrEqual(253);
    expect(subdomainName.safeParse(name).success).toBe(true);
    expect(name).toBe(`${'a'.repeat(246)}-xxxxx`);
  });

  it('draws suffixes of five characters from an alphabet without vowels', () => {
    for (let i = 0; i < 50; i++) expect(randomNameSuffix()).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});
