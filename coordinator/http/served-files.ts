import installer from '../../scripts/install-agent.sh';
import unit from '../../systemd/baton-agent.service';

/**
 * The files the install server hands out as they were when the coordinator was built
 * (esbuild's `text` loader): a single-binary coordinator has no checkout to read them from.
 * Only main.ts imports this; tests of the pure parts use literal strings instead.
 */
export const servedFiles = { installer, unit } as const;
