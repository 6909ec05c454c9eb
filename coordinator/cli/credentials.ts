import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { readFileIfExists } from '../../protocol/atomic-file.js';
import { parseBrokerUrl } from '../../protocol/broker-url.js';
import { validate } from '../../protocol/validation.js';
import { adminCredentialsSchema } from '../auth/admin-credentials.js';
import type { GlobalOptions } from './args.js';
import { CliError } from './errors.js';

/**
 * The admin credentials the CLI connects with: `--credentials FILE` / BATON_CREDENTIALS,
 * else `$XDG_CONFIG_HOME/baton/admin.json` (`~/.config/baton/admin.json`) if it exists, else none (a broker without
 * authentication, as before). The file is the coordinator's `admin.json`; its broker is
 * used unless --broker / BATON_BROKER is given. A file named but missing, unreadable or
 * malformed is an error that names it, never silently skipped.
 */

export interface Connection {
  broker: string;
  username?: string;
  password?: string;
  /** The CA certificate (PEM) an `mqtts://` broker is pinned to. */
  ca?: string;
}

/** The user's configuration folder: XDG_CONFIG_HOME when set (an absolute path), else ~/.config. */
function configHome(): string {
  const xdg = process.env['XDG_CONFIG_HOME'];
  return xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.config');
}

/** Where the CLI looks when no file is named. */
export function defaultCredentialsPath(config: string = configHome()): string {
  return join(config, 'baton', 'admin.json');
}

export async function resolveConnection(options: GlobalOptions, config: string = configHome()): Promise<Connection> {
  const named = options.credentials;
  const path = named ?? defaultCredentialsPath(config);
  const how = named !== undefined ? '--credentials / BATON_CREDENTIALS' : 'the default';
  let text: string | undefined;
  try {
    text = await readFileIfExists(path);
  } catch (error) {
    throw new CliError(`cannot read the credentials file ${path} (${how}): ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) {
    if (named !== undefined) throw new CliError(`the credentials file ${path} (--credentials / BATON_CREDENTIALS) does not exist; copy admin.json from the coordinator's state directory`);
    return { broker: options.broker };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`the credentials file ${path} is not valid JSON; copy admin.json from the coordinator's state directory again`);
  }
  const read = validate(adminCredentialsSchema, json);
  if (!read.ok) throw new CliError(`the credentials file ${path} is not a Baton admin.json (${read.problems.slice(0, 3).join('; ')})`);
  const { broker, username, password, ca } = read.value;
  if (options.brokerGiven !== true) {
    try {
      parseBrokerUrl(broker);
    } catch (error) {
      throw new CliError(`the credentials file ${path}: broker: ${(error as Error).message}`);
    }
  }
  return { broker: options.brokerGiven === true ? options.broker : broker, username, password, ...(ca !== undefined ? { ca } : {}) };
}
