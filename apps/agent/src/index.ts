export { NodeAgent, type AgentLog } from './nodeAgent.js';
export { buildAgentConfig, type AgentConfig, type AgentConfigInput } from './config/agentConfig.js';
export { ConfigError } from './config/configError.js';
export { JsonLinesSink } from './sinks/jsonLinesSink.js';
export { TerminalSink } from './sinks/terminalSink.js';
export type { RowSink, IntervalSummary, ListenerRow } from './sinks/rowSink.js';
export type { ConnectionRow } from './connections/connectionRow.js';
export { NullSink } from './sinks/nullSink.js';
