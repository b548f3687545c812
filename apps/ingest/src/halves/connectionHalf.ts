export type { ConnectionHalf, ListenerReport } from '../ingestTypes.js';
