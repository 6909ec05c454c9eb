import { homedir } from 'node:os';
import { booleanOption, optionsHelp, parseOptions, stringOption, UsageError, type OptionSpec, type OptionValues } from '../protocol/options.js';
import { coordinatorOptions, defaultStateDir, parsePrefix, parseSans } from './config.js';

/** `baton-coordinator mosquitto-config`: its own flags (the state dir, prefix, SANs and anonymous read mean what they mean for the coordinator). */
export const mosquittoConfigOptions: readonly OptionSpec[] = [
  { name: 'out', kind: 'string', placeholder: 'DIR', description: 'where to write baton.conf, passwords, acl, ca.crt, server.crt and server.key (required)' },
  ...coordinatorOptions.filter((spec) => ['state-dir', 'prefix', 'tls-san', 'anonymous-read'].includes(spec.name)),
  { name: 'port', kind: 'string', placeholder: 'PORT', description: 'the plain MQTT listener', default: '1883' },
  { name: 'tls-port', kind: 'string', placeholder: 'PORT', description: 'the MQTT over TLS listener', default: '8883' },
  { name: 'help', kind: 'boolean', short: 'h', description: 'show this help' },
];

export function mosquittoConfigHelp(): string {
  return [
    'Usage: baton-coordinator mosquitto-config --out DIR [--state-dir DIR] [--anonymous-read] [options]',
    '',
    "Writes what an external mosquitto (2.0) needs to enforce Baton's credentials and",
    "rules: DIR/baton.conf (a plain and a TLS listener, global security settings),",
    'DIR/passwords, DIR/acl, and the TLS certificate and key from <state dir>/tls (made',
    'if missing). Makes the coordinator and admin credentials and admin.json if missing.',
    'Run the coordinator with --broker and --mosquitto-dir DIR to keep passwords and acl',
    'in step as nodes join.',
    '',
    'Options:',
    optionsHelp(mosquittoConfigOptions),
  ].join('\n');
}

export interface MosquittoConfigCommand {
  outDir: string;
  stateDir: string;
  prefix: string;
  tlsSans: string[];
  anonymousRead: boolean;
  port: number;
  tlsPort: number;
}

function parsePort(values: OptionValues, name: string): number {
  const text = stringOption(values, name) ?? '';
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535) throw new UsageError(`--${name} ${JSON.stringify(text)}: expected a port number, 1 to 65535`);
  return port;
}

/** The arguments after `mosquitto-config`; throws UsageError for anything wrong. */
export function parseMosquittoConfigArgs(argv: readonly string[], env: NodeJS.ProcessEnv, isRoot: boolean): { kind: 'help' } | { kind: 'mosquitto-config'; command: MosquittoConfigCommand } {
  const { values, positionals } = parseOptions(argv, env, mosquittoConfigOptions);
  if (values.help === true) return { kind: 'help' };
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const outDir = stringOption(values, 'out') ?? '';
  if (outDir === '') throw new UsageError('mosquitto-config needs --out DIR: the folder to write mosquitto\'s files into');
  const port = parsePort(values, 'port');
  const tlsPort = parsePort(values, 'tls-port');
  if (port === tlsPort) throw new UsageError(`--port and --tls-port are both ${port}: the plain and the TLS listener need a port each`);
  return {
    kind: 'mosquitto-config',
    command: {
      outDir,
      stateDir: stringOption(values, 'state-dir') ?? defaultStateDir(isRoot, env.HOME ?? homedir()),
      prefix: parsePrefix(values),
      tlsSans: parseSans(values),
      anonymousRead: booleanOption(values, 'anonymous-read'),
      port,
      tlsPort,
    },
  };
}
