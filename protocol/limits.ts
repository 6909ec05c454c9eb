/**
 * Every size and shape limit on outside data, in one place. A payload, manifest or
 * request past one of them is refused with a reason naming the limit; nothing past
 * them reaches a parser that could be made to spend unbounded time, memory or stack.
 * The numbers leave ample room for a real fleet (see docs/protocol.md, "Limits").
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** The default for a payload of no more specific kind. */
export const MAX_PAYLOAD_BYTES = 1 * MiB;

/**
 * Largest payload per kind of message. A desired state carries whole pod specs (100
 * pods are ~100 KiB); statuses and events are small and written by agents, whose
 * messages the coordinator reads by the thousand; replies are written only by the
 * coordinator (`list pods` of a 10,000-pod fleet is ~15 MiB).
 */
export const payloadLimits = {
  nodeDesired: 4 * MiB,
  nodeStatus: 256 * KiB,
  podStatus: 256 * KiB,
  nodeEvent: 64 * KiB,
  coordinatorStatus: 16 * KiB,
  /** An apply request carries the manifests: twice the manifest limit leaves room for JSON's quotes. */
  request: 2 * MiB,
  reply: 64 * MiB,
} as const;

export type PayloadKind = keyof typeof payloadLimits;

/** Largest manifest text `baton apply` reads (a file or stdin); a Pi fleet's manifests are a few KiB. */
export const MAX_MANIFEST_BYTES = 1 * MiB;

/** Most objects in one manifest file (documents and List items) or one apply request. */
export const MAX_MANIFEST_OBJECTS = 1000;

/**
 * Deepest nesting of arrays and objects in any payload or manifest. The deepest field a
 * manifest has (a Deployment's node affinity values) is 12 levels down; 64 stays far
 * below where a recursive reader (JSON.stringify, the YAML composer) runs out of stack.
 */
export const MAX_NESTING_DEPTH = 64;

/** Most YAML aliases (`*name`) in one manifest file; also the YAML reader's expansion budget. */
export const MAX_YAML_ALIASES = 100;

/** Most problems reported for one manifest object; the rest are counted. */
export const MAX_PROBLEMS_PER_OBJECT = 20;
