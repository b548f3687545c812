export type { EndpointIdentity } from '../ingestTypes.js';
