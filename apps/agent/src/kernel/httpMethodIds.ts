import type { RecordLayout } from '@weft/native';

/** The kernel's method ids (enum weft_http_method) to their names. */
export class HttpMethodIds {
  private readonly names = new Map<number, string>();

  constructor(layout: RecordLayout) {
    for (const [name, id] of Object.entries(layout.l7Aggregate.methods)) this.names.set(id, name);
  }

  /** The method named by `id`; an id this agent does not know is a kernel/agent build mismatch. */
  nameOf(id: number): string {
    const name = this.names.get(id);
    if (name === undefined) throw new Error(`the kernel named HTTP method ${id}, which this agent does not know`);
    return name;
  }
}
