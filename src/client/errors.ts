/**
 * Codes the client library raises itself, beside the server's own `9:<code>` codes (protocol
 * section 7), which reach callers unchanged.
 */
export const CLIENT_ERROR_CODES = {
  /** The method needs an open connection (or the client is reconnecting). */
  not_connected: 'not connected to the server',
  /** The server could not be reached. */
  connect_failed: 'cannot connect to the server',
  /** The connection ended before the server answered. */
  connection_closed: 'the connection closed',
  /** An argument the server would refuse or misread, such as `:` in a username. */
  bad_argument: 'bad argument',
  /** The server did not answer within `requestTimeoutMs`. */
  timeout: 'no answer from the server in time',
  /** The method needs a login first. */
  not_logged_in: 'log in first',
  /** Sending needs a room first. */
  not_in_room: 'join a room first',
  /** `sendUnreliable` before `bindUdp` finished. */
  udp_not_bound: 'UDP is not bound: call bindUdp() first',
  /** This transport has no UDP (WebSocket, in a browser). */
  udp_unavailable: 'this connection has no UDP (WebSocket): use send()',
} as const;

export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;

/**
 * A refusal by the server (`code` is its `9:<code>`, `reason` its text) or a client-side
 * failure (`code` is a {@link ClientErrorCode}).
 */
export class RoomwireError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RoomwireError';
  }

  /** A client-side failure with its default message, or the one given. */
  static client(code: ClientErrorCode, message?: string, options?: ErrorOptions): RoomwireError {
    return new RoomwireError(code, message ?? CLIENT_ERROR_CODES[code], options);
  }
}
