/** The edge a series or breakdown is about: checked, and as conditions on the tables' columns. */
import type { SqlParams } from './querySql.js';
import { QueryInputError, type EdgeSelector } from './queryTypes.js';

export function checkSelector(selector: EdgeSelector): void {
  if (typeof selector.source !== 'string' || selector.source === '') throw new QueryInputError('source', 'source must be a service id');
  if (typeof selector.target !== 'string' || selector.target === '') throw new QueryInputError('target', 'target must be a service id');
  if (selector.port !== undefined && !(Number.isInteger(selector.port) && selector.port >= 0 && selector.port <= 65535)) {
    throw new QueryInputError('port', 'port must be an integer 0..65535');
  }
}

/** The selector's conditions on client_service, server_service and server_port. */
export function selectorWhere(selector: EdgeSelector, params: SqlParams): string[] {
  return [
    `client_service = ${params.bind(selector.source, 'String')}`,
    `server_service = ${params.bind(selector.target, 'String')}`,
    ...(selector.port !== undefined ? [`server_port = ${params.bind(selector.port, 'UInt16')}`] : []),
  ];
}
