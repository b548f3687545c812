export type { EndpointIdentity } from './naming/endpointIdentity.js';
