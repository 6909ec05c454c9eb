/**
 * The installer as served: `scripts/install-agent.sh` with its two default lines filled
 * in. The script holds exactly `DEFAULT_SERVER=''` and `DEFAULT_BROKER=''` (the contract
 * between the script and this server); each is replaced by a single-quoted value, so a
 * value holding `'` would end the quoting early and is refused.
 */

export interface InstallerDefaults {
  server: string;
  broker: string;
}

const LINES = { server: /^DEFAULT_SERVER=''$/gm, broker: /^DEFAULT_BROKER=''$/gm } as const;

/** Why the script cannot be served, or undefined when it holds each default line exactly once. */
export function checkInstallerTemplate(script: string): string | undefined {
  for (const [name, pattern] of Object.entries(LINES)) {
    const count = script.match(pattern)?.length ?? 0;
    if (count !== 1) return `the installer holds ${count} lines DEFAULT_${name.toUpperCase()}='' (expected exactly one)`;
  }
  return undefined;
}

/** Throws if the template is wrong (see checkInstallerTemplate) or a value holds a `'` or a line break. */
export function fillInstallerDefaults(script: string, defaults: InstallerDefaults): string {
  const problem = checkInstallerTemplate(script);
  if (problem !== undefined) throw new Error(problem);
  for (const [name, value] of Object.entries(defaults)) {
    if (/['\n\r\0]/.test(value)) throw new Error(`DEFAULT_${name.toUpperCase()} ${JSON.stringify(value)}: a quote or a line break cannot go into the installer`);
  }
  return script
    .replace(LINES.server, () => `DEFAULT_SERVER='${defaults.server}'`)
    .replace(LINES.broker, () => `DEFAULT_BROKER='${defaults.broker}'`);
}
