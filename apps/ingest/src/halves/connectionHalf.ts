export type { ConnectionHalf, ListenerReport, RequestReport } from '../ingestTypes.js';
