import { contractSuite } from './contract-suite.js';
import { IN_PROCESS } from './targets.js';

contractSuite(IN_PROCESS);
