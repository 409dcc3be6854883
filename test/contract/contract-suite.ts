/**
 * The room contract (issue 11): one suite, run against each sequencer (core/sequencer.ts) the
 * way colyseus runs one Presence suite per implementation. A target is the in-process server or
 * a Redis cluster of some nodes (targets.ts); the suite is the golden transcripts, the
 * join/leave/master rules, ordering and capacity races, all over real TCP sockets, each room's
 * state checked against what its members were told (test/helpers/join-order-model.ts).
 */
import { describe } from 'node:test';
import { capacityContract } from './capacity.js';
import { orderingContract } from './ordering.js';
import { roomRulesContract } from './room-rules.js';
import type { ContractTarget } from './targets.js';
import { transcriptsContract } from './transcripts.js';

export function contractSuite(target: ContractTarget): void {
  describe(`the room contract on ${target.name}`, () => {
    transcriptsContract(target);
    roomRulesContract(target);
    orderingContract(target);
    capacityContract(target);
  });
}
