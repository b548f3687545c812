export type { BatchHeader, ConnectionSample, ListenerSample } from './connectionSample.js';
export type { RequestSampleProtocol } from './requestProtocol.js';
export { MAX_DURATION_US, MAX_REQUEST_DURATIONS, requestSamplesOf, type AgentRequestInput, type RequestSample } from './requestSample.js';
export { AgentBatchEncoder, encodeBatch, SCHEMA_VERSION, type AgentListenerInput, type AgentRowInput, type EncodableConnection, type EncodableListener } from './batchEncoder.js';
export { decodeNodeBatch, TelemetryDecodeError, DEFAULT_DECODE_LIMITS, type DecodeLimits, type DecodedBatch, type DecodeRejection } from './batchDecoder.js';
