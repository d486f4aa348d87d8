/**
 * The session gateway running in this process, if any: what the robots that act on live
 * sessions and on the listener (connection status, SocketServer Monitor) and the terminate
 * route reach. A robot run on a controller without a gateway finds none and says so.
 */
import type { SessionGateway } from './start-session-gateway';

let current: SessionGateway | null = null;

export function setLocalGateway(g: SessionGateway | null): void {
  current = g;
}

export function localGateway(): SessionGateway | null {
  return current;
}
