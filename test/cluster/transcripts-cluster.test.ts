import { transcriptsContract } from '../contract/transcripts.js';
import { redisTarget } from '../contract/targets.js';

// The golden transcripts over a three-node cluster sharing one Redis, the transcript's clients
// taking turns over the nodes (A on the first, B on the second, C on the third, D on the
// first...). The contract suite (test/contract) plays them on the in-process server and on
// clusters of one and two nodes.
transcriptsContract(redisTarget(3));
