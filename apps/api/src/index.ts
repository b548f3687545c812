export { startApiServer, ApiListenError, type ApiServer, type ApiServerOptions } from './apiServer.js';
export type { ServiceMapReader, ServiceMapRead, ServiceRecord, EdgeAggregate } from './map/serviceMapReader.js';
export { StoreServiceMapReader } from './map/storeServiceMapReader.js';
export { parseWindow, parseTime, TimeParameterError, type TimeWindow } from './time/timeWindow.js';
