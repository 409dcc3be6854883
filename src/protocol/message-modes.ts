/**
 * The relay modes of `3:<mode>:payload` (protocol section 2), apart from the command types so
 * that the browser client can use them without Node's `Buffer` in its typings.
 */

/** Relay modes of `3:<mode>:payload`: 0 others, 1 all, 2 others ordered, 3 all ordered. */
export const MESSAGE_MODES = { others: 0, all: 1, othersOrdered: 2, allOrdered: 3 } as const;
export type MessageMode = (typeof MESSAGE_MODES)[keyof typeof MESSAGE_MODES];

/** True for modes that deliver to the sender as well (1 and 3). */
export function includesSender(mode: MessageMode): boolean {
  return mode === 1 || mode === 3;
}
