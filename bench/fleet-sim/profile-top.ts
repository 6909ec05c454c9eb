import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * The top functions of a V8 .cpuprofile (from `node --cpu-prof`) by self time and by
 * total time (self plus callees, each function counted once per stack):
 * `node --import ./bench/ts-hooks.mjs bench/fleet-sim/profile-top.ts FILE [N]`.
 */

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
type Profile = z.output<typeof profileSchema>;

export interface FunctionTime {
  readonly name: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

/** Self and total time per function (name, file and line), most self time first. */
export function functionTimes(profile: Profile): FunctionTime[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const label = (id: number): string => {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) return '?';
    const file = frame.url.split('/').slice(-1)[0] ?? '';
    return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const own = label(id);
    self.set(own, (self.get(own) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(at);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + ms);
    }
  });
  return [...total.keys()].map((name) => ({ name, selfMs: self.get(name) ?? 0, totalMs: total.get(name) ?? 0 })).sort((a, b) => b.selfMs - a.selfMs);
}

async function main(): Promise<void> {
  const [file, count] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-top FILE.cpuprofile [N]');
  const times = functionTimes(profileSchema.parse(JSON.parse(await readFile(file, 'utf8'))));
  const n = Number(count ?? 25);
  const print = (title: string, rows: FunctionTime[]): void => {
    process.stdout.write(`${title}\n`);
    for (const t of rows.slice(0, n)) process.stdout.write(`${t.selfMs.toFixed(0).padStart(8)} ms self ${t.totalMs.toFixed(0).padStart(8)} ms total  ${t.name}\n`);
  };
  print('by self time:', times);
  print('\nby total time:', [...times].sort((a, b) => b.totalMs - a.totalMs));
}

if (process.argv[1]?.endsWith('profile-top.ts')) void main();
