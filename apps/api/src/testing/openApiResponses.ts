/**
 * For tests (the API's specs and test/api): checks an answer against what the
 * OpenAPI document says that operation answers with that status, with Ajv
 * (JSON Schema 2020-12, the dialect of OpenAPI 3.1's schemas).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { OpenAPIObject } from '@nestjs/swagger';

// ajv-formats is CommonJS with its function as `default`.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

export interface DocumentedAnswer {
  /** application/json, text/plain ... as documented for this status. */
  mediaTypes: string[];
  schema: unknown;
}

export class OpenApiResponses {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ReturnType<Ajv2020['compile']>>();

  constructor(readonly document: OpenAPIObject) {
    // strict: false: OpenAPI's own keywords (example) sit beside JSON Schema's.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi.json', components: document.components ?? {} } as object);
  }

  /** What the document says `method path` answers with status; undefined when it documents no such answer. */
  documented(path: string, method: string, status: number): DocumentedAnswer | undefined {
    const operation = (this.document.paths[path] as Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> }> | undefined)?.[method.toLowerCase()];
    const response = operation?.responses?.[String(status)];
    if (response === undefined) return undefined;
    const content = response.content ?? {};
    const first = Object.values(content)[0];
    return { mediaTypes: Object.keys(content), schema: first?.schema };
  }

  /**
   * Why an answer does not match the document (undocumented status, content
   * type, or a body its schema refuses), or undefined when it matches.
   */
  mismatch(path: string, method: string, status: number, contentType: string | null, body: unknown): string | undefined {
    const answer = this.documented(path, method, status);
    if (answer === undefined) return `${method} ${path}: status ${status} is not documented`;
    const mediaType = (contentType ?? '').split(';')[0]?.trim() ?? '';
    if (answer.mediaTypes.length > 0 && !answer.mediaTypes.includes(mediaType)) return `${method} ${path} ${status}: content type ${contentType} is not one of ${answer.mediaTypes.join(', ')}`;
    if (answer.schema === undefined) return undefined;
    const key = `${method} ${path} ${status}`;
    const validate = this.compiled.get(key) ?? this.ajv.compile(rebase(answer.schema) as object);
    this.compiled.set(key, validate);
    if (validate(body)) return undefined;
    return `${method} ${path} ${status}: ${this.ajv.errorsText(validate.errors)}`;
  }
}

/** The document's #/components/... references, as references into the schema registered as openapi.json. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi.json${v}` : rebase(v)]),
  );
}
