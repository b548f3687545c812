import type { Registry } from 'prom-client';
import type { EdgeQueries } from '@weft/store';
import { KeysService } from './admin/keysService.js';
import { TenantsService } from './admin/tenantsService.js';
import type { ApiControl } from './auth/apiControl.js';
import { AuthenticationCache, type AuthenticationCacheOptions } from './auth/authenticationCache.js';
import { CallerAuthorization, authFailureCounter } from './auth/callerAuthorization.js';
import { ChangesService } from './changes/changesService.js';
import { EdgesService } from './edges/edgesService.js';
import { MapService } from './map/mapService.js';
import { ServicesService } from './services/servicesService.js';
import { SessionService } from './session/sessionService.js';

/**
 * The API's operations, independent of the transport: the REST controllers and the gRPC
 * server both call these, with the caller's tenant from its key, and answer their errors
 * (errors/serviceErrors.ts) each in its own terms.
 */
export interface ApiServices {
  map: MapService;
  services: ServicesService;
  edges: EdgesService;
  changes: ChangesService;
  keys: KeysService;
  tenants: TenantsService;
  /** The web app's cookie sessions (REST only). */
  sessions: SessionService;
  /** Checks `Bearer <key>` for an operation's scope, counting refusals. */
  authorization: CallerAuthorization;
}

export interface ApiServicesOptions {
  /** Where weft_api_auth_failures_total is registered. */
  registry: Registry;
  authCache?: AuthenticationCacheOptions;
  /** The clock `now` in times is read from (tests set it). */
  nowMs?: () => number;
}

export function createApiServices(queries: EdgeQueries, control: ApiControl, options: ApiServicesOptions): ApiServices {
  const nowMs = options.nowMs ?? Date.now;
  const cache = new AuthenticationCache(control, options.authCache);
  return {
    map: new MapService(queries, nowMs),
    services: new ServicesService(queries, nowMs),
    edges: new EdgesService(queries, nowMs),
    changes: new ChangesService(queries, nowMs),
    keys: new KeysService(control, cache),
    tenants: new TenantsService(control),
    sessions: new SessionService(cache, control, cache),
    authorization: new CallerAuthorization(cache, authFailureCounter(options.registry)),
  };
}
