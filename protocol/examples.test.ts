import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifests } from './parse-manifests.js';

/** The manifests under examples/ are what users copy first: each must be valid as it stands. */
const dir = join(import.meta.dirname, '..', 'examples');
const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));

describe('examples/', () => {
  it('has examples', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s is a valid manifest', (file) => {
    expect(parseManifests(readFileSync(join(dir, file), 'utf8'), file).length).toBeGreaterThan(0);
  });
});
