/** The REST API's answers, as the OpenAPI document (apps/api/openapi.json) types them. */
import type { components } from '../api/schema.ts';

type Schemas = components['schemas'];
export type MapNode = Schemas['MapNode_Output'];
export type MapEdge = Schemas['Edge_Output'];
export type MapResponse = Schemas['MapResponseDto_Output'];
export type NeighborhoodNode = Schemas['NeighborhoodNode_Output'];
export type NeighborhoodResponse = Schemas['NeighborhoodDto_Output'];
export type SeriesPoint = Schemas['SeriesPoint_Output'];
export type SeriesResponse = Schemas['SeriesDto_Output'];
export type BreakdownGroup = Schemas['BreakdownGroup_Output'];
export type BreakdownResponse = Schemas['BreakdownDto_Output'];
export type EdgeRoute = Schemas['EdgeRoute_Output'];
export type RoutesResponse = Schemas['RoutesDto_Output'];
export type EdgeChange = Schemas['EdgeChange_Output'];
export type ChangesResponse = Schemas['ChangesDto_Output'];
export type EdgeStats = Schemas['EdgeStats_Output'];
export type Service = Schemas['Service_Output'];
export type ServiceView = Schemas['ServiceViewDto_Output'];
export type ServicePage = Schemas['ServicePageDto_Output'];
export type Session = Schemas['SessionDto_Output'];
