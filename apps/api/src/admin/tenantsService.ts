import type { TenantId } from '@weft/store';
import type { Tenant, TenantAdministration } from '../auth/apiControl.js';
import { translated } from '../errors/libraryErrors.js';
import { NotFoundError, PermissionDeniedError } from '../errors/serviceErrors.js';
import type { CreatedTenant, TenantList, TenantView } from './adminDto.js';
import { toCreatedKey } from './keysService.js';

export interface CreateTenantRequest {
  name: string;
}

function toTenantView(tenant: Tenant): TenantView {
  return { id: tenant.id, name: tenant.name, created_at: tenant.createdAt };
}

/**
 * Tenants. A key sees its own tenant only. Creating one is the operator's: only admin keys of
 * the first tenant (the one `weft up` makes on its first start) may, and the new tenant comes
 * with a first key of every scope, shown once. Any other tenant's admin key gets a 403.
 */
export class TenantsService {
  constructor(private readonly control: TenantAdministration) {}

  async list(tenant: TenantId): Promise<TenantList> {
    const own = await translated(() => this.control.getTenant(tenant));
    // The key authenticated a moment ago: its tenant can be gone only if deleted by hand.
    if (own === null) throw new NotFoundError('the tenant of this key no longer exists');
    return { tenants: [toTenantView(own)] };
  }

  async create(tenant: TenantId, request: CreateTenantRequest): Promise<CreatedTenant> {
    const operator = await translated(() => this.control.firstTenant());
    if (operator === null || operator.id !== tenant) throw new PermissionDeniedError("only the operator's tenant (the first one) may create tenants");
    // Tenant and key in one transaction: a failure between them would leave a tenant without a
    // key, holding its name for good.
    const { tenant: created, adminKey } = await translated(() => this.control.createTenantWithAdminKey(request.name));
    return { tenant: toTenantView(created), admin_key: toCreatedKey(adminKey) };
  }
}
