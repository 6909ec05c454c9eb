import { access } from 'node:fs/promises';
import { repoRoot } from '../support/processes.js';

/** The CLI tests run the built program: `npm run build` (or `npm test`) first. */
export async function requireBuiltCli(): Promise<void> {
  try {
    await access(`${repoRoot}dist/baton.js`);
  } catch {
    throw new Error('dist/baton.js is missing: run `npm run build` before the CLI integration tests');
  }
}

let counter = 0;

/** A topic prefix of its own per test, so retained messages of one test never leak into another. */
export function freshPrefix(): string {
  counter += 1;
  return `clitest${process.pid}n${counter}`;
}

export function isoAgo(ms: number): string {
  return new Date(Date.now() - ms).toISOString();
}
