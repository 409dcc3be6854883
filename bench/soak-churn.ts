/**
 * The soak's churn: clients that connect (TCP or WebSocket), join, switch rooms, leave, send,
 * list rooms, bind UDP, and disconnect abruptly, at random, so that the server keeps creating and
 * destroying sessions, rooms and UDP bindings while the checked clients talk.
 */
import { SoakClient, type SoakTarget } from './soak-client.js';
import { nowUs } from './wire.js';

/** A running churn; `stop` destroys its clients. */
export interface Churn {
  stop(): Promise<void>;
  actions(): number;
  failures(): number;
}

/** Most actions waiting for an answer at once, so a slow server is not buried in them. */
const MAX_IN_FLIGHT = 8;

export function startChurn(
  target: SoakTarget,
  population: number,
  perSecond: number,
  rooms: readonly string[],
): Churn {
  let clients: SoakClient[] = [];
  let inFlight = 0;
  let actions = 0;
  let failures = 0;
  let serial = 0;
  let stopped = false;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;

  async function open(): Promise<void> {
    const wire = Math.random() < 0.2 ? 'websocket' : 'tcp';
    const client = await SoakClient.open(wire, target, `churn-${serial++}`);
    clients.push(client);
    if (stopped) return client.destroy();
    await client.join(pick(rooms));
    if (wire === 'tcp' && Math.random() < 0.3) await client.bindUdp();
  }

  async function act(client: SoakClient): Promise<void> {
    const roll = Math.random();
    if (roll < 0.25) return client.join(pick(rooms.filter((room) => room !== client.room)));
    if (roll < 0.35) return client.room === undefined ? client.join(pick(rooms)) : client.leave();
    if (roll < 0.6) {
      client.send(`3:0:c${nowUs()}\n`);
      client.sendDatagram(`${client.id}:3:1:cu${nowUs()}`);
      return;
    }
    if (roll < 0.7) return client.send('1\n');
    client.destroy();
  }

  async function step(): Promise<void> {
    clients = clients.filter((client) => !client.closed);
    if (stopped || inFlight >= MAX_IN_FLIGHT) return;
    inFlight += 1;
    actions += 1;
    try {
      if (clients.length < population || Math.random() < 0.05) await open();
      else await act(pick(clients));
    } catch {
      // A client destroyed while its request was pending; real failures show as lost messages
      // of the checked clients or in the refusal counts.
      failures += 1;
    } finally {
      inFlight -= 1;
    }
  }

  const timer = setInterval(() => void step(), 1000 / perSecond);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      for (const client of clients) client.destroy();
      clients = [];
    },
    actions: () => actions,
    failures: () => failures,
  };
}
