import { capacityContract } from '../contract/capacity.js';
import { redisTarget } from '../contract/targets.js';

// The capacity races of the contract suite (test/contract/capacity.ts) on a three-node cluster:
// simultaneous joins of a full room, joins cut short by a disconnect, simultaneous creations
// beyond maxRooms, each with its clients taking turns over the three nodes.
capacityContract(redisTarget(3));
