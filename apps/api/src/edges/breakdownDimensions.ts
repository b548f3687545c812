import type { BreakdownDimension } from '@weft/store';

/** Every failure domain a breakdown splits by, as the store names them. */
export const BREAKDOWN_DIMENSIONS = [
  'client_version', 'server_version',
  'client_instance', 'server_instance',
  'client_zone', 'server_zone',
  'client_node', 'server_node',
  'client_process', 'server_process',
  'server_port',
] as const satisfies readonly BreakdownDimension[];

// Every dimension the store knows is listed (the satisfies above checks the other way).
type Missing = Exclude<BreakdownDimension, (typeof BREAKDOWN_DIMENSIONS)[number]>;
const none: [Missing] extends [never] ? true : false = true;
void none;
