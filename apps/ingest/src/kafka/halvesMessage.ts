export type { HalvesCodec, HalvesMessage } from '../ingestTypes.js';
