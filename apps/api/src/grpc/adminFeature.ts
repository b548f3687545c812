/** weft.api.v1.AdminService over the REST API's KeysService and TenantsService. */
import type { CreatedKey, Key } from '../admin/adminDto.js';
import type { KeysService } from '../admin/keysService.js';
import type { TenantsService } from '../admin/tenantsService.js';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { AdminService, type ApiKeySchema } from './gen/weft/api/v1/admin_service_pb.js';
import { grpcFeature } from './grpcFeature.js';
import { invalidField } from './grpcStatusError.js';
import { scopes, scopeToProto } from './protoEnums.js';

function toProtoKey(key: Key): MessageInitShape<typeof ApiKeySchema> {
  return {
    id: key.id,
    tenantId: key.tenant_id,
    name: key.name,
    scopes: key.scopes.map(scopeToProto),
    createdAt: key.created_at,
    lastUsedAt: key.last_used_at ?? '',
    revokedAt: key.revoked_at ?? '',
    expiresAt: key.expires_at ?? '',
  };
}

function toProtoCreated(created: CreatedKey) {
  return { key: toProtoKey(created.key), plaintext: created.plaintext };
}

export function adminFeature(keys: Pick<KeysService, 'create' | 'list' | 'revoke'>, tenants: Pick<TenantsService, 'create' | 'list'>) {
  return grpcFeature({
    service: AdminService,
    scope: 'admin',
    handlers: {
      async createKey(request, caller) {
        return toProtoCreated(await keys.create(caller.tenantId, { name: request.name, scopes: scopes(request.scopes) }));
      },
      async listKeys(_request, caller) {
        return { keys: (await keys.list(caller.tenantId)).keys.map(toProtoKey) };
      },
      async revokeKey(request, caller) {
        if (request.id === '') throw invalidField('id', 'id is empty: give the key id (the <id> of weft_<id>_<secret>)');
        return { key: toProtoKey(await keys.revoke(caller.tenantId, request.id)) };
      },
      async createTenant(request, caller) {
        const created = await tenants.create(caller.tenantId, { name: request.name });
        return {
          tenant: { id: created.tenant.id, name: created.tenant.name, createdAt: created.tenant.created_at },
          adminKey: toProtoKey(created.admin_key.key),
          adminKeyPlaintext: created.admin_key.plaintext,
        };
      },
      async listTenants(_request, caller) {
        const list = await tenants.list(caller.tenantId);
        return { tenants: list.tenants.map((t) => ({ id: t.id, name: t.name, createdAt: t.created_at })) };
      },
    },
  });
}
