export { NodeAgent, type AgentLog } from './nodeAgent.js';
export { buildAgentConfig, type AgentConfig, type AgentConfigInput } from './config/agentConfig.js';
export { JsonLinesSink } from './sinks/jsonLinesSink.js';
export { TerminalSink } from './sinks/terminalSink.js';
export type { RowSink, IntervalSummary, ListenerRow } from './sinks/rowSink.js';
export type { ConnectionRow } from './connections/connectionRow.js';
export { NullSink } from './sinks/nullSink.js';
export { QueuedBatchSink, type BatchEncoder, type BatchSender, type QueuedBatchSinkOptions } from './transport/queuedBatchSink.js';
export { KafkaSender } from './transport/kafkaSender.js';
export { SendRefused } from './transport/sendRefused.js';
export { GrpcSender } from './transport/grpcSender.js';
// The shared pieces live in @weft/runtime (the CLI's ingest and api commands use them
// without loading the agent and its BPF addon); re-exported for the agent's users.
export { ConfigError, parseListenAddress, startMetricsServer } from '@weft/runtime';
export { probeKernel } from './doctor/kernelProbe.js';
export { doctorReport, type DoctorReport } from './doctor/doctorReport.js';
export type { DoctorFindings } from './doctor/doctorFindings.js';
