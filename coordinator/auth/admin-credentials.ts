import * as z from 'zod';
import { PROTOCOL_VERSION } from '../../protocol/version.js';

/**
 * `<state dir>/admin.json` (0600): what the `baton` CLI needs to talk to the broker as
 * `admin`. The coordinator writes it on every start (the broker URL or CA may have
 * changed); the CLI reads it through `--credentials FILE`, `BATON_CREDENTIALS` or
 * `~/.config/baton/admin.json`.
 */

export const ADMIN_CREDENTIALS_FILE_NAME = 'admin.json';

export const adminCredentialsSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  /** The broker as seen from the coordinator's machine; `--broker` wins over it. */
  broker: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
  /** The coordinator's CA certificate, PEM, for an `mqtts://` broker; absent when TLS is off. */
  ca: z.string().min(1).optional(),
});
export type AdminCredentials = z.output<typeof adminCredentialsSchema>;
