import { measureScale, type ScaleResult } from './measure-scale.js';
import { scaleReport } from './scale-report.js';

/**
 * The scale bench on its own: `node --import ./bench/ts-hooks.mjs bench/fleet-sim/run-scale.ts
 * [NODES...] [--pods-per-node N] [--singles N] [--cpu-prof DIR]` (default 100 500 1000 nodes,
 * 10 pods each). `npm run build` first: it runs dist/baton-coordinator.js and dist/baton.js.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizes: number[] = [];
  let podsPerNode = 10;
  let singlePods = 20;
  let cpuProfileDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--pods-per-node') podsPerNode = Number(args[++i]);
    else if (arg === '--singles') singlePods = Number(args[++i]);
    else if (arg === '--cpu-prof') cpuProfileDir = args[++i];
    else if (/^\d+$/.test(arg)) sizes.push(Number(arg));
    else throw new Error(`unknown argument ${JSON.stringify(arg)}`);
  }
  const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  const results: ScaleResult[] = [];
  for (const nodes of sizes.length > 0 ? sizes : [100, 500, 1000]) {
    results.push(await measureScale({ nodes, podsPerNode, say, singlePods, ...(cpuProfileDir !== undefined ? { cpuProfileDir } : {}) }));
    process.stdout.write(`${JSON.stringify(results[results.length - 1])}\n`);
  }
  process.stdout.write(`${scaleReport(results)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
