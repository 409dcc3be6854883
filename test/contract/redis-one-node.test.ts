import { contractSuite } from './contract-suite.js';
import { redisTarget } from './targets.js';

contractSuite(redisTarget(1));
