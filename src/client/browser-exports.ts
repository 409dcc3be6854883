/** What both entry points export: everything that runs in a browser. */
export { MESSAGE_MODES, type MessageMode } from '../protocol/message-modes.js';
export { CLIENT_ERROR_CODES, RoomwireError, type ClientErrorCode } from './errors.js';
export type { ReconnectOptions } from './reconnect.js';
export type { JoinedRoom, RoomView } from './room-state.js';
export {
  RoomwireClient,
  type ClientEvents,
  type ClientStatus,
  type RoomInfo,
  type RoomwireClientOptions,
} from './roomwire-client.js';
export type {
  DatagramChannel,
  LineTransport,
  Timers,
  TransportFactory,
  TransportListener,
} from './transport.js';
export type { Listener, ListenerErrorHandler } from './typed-emitter.js';
export {
  webSocketTransport,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTransportOptions,
} from './websocket-transport.js';
