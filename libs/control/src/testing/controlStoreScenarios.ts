/**
 * The control store's behaviour, as scenarios both engines must pass: the spec beside the code
 * runs them on SQLite (a temp file), test/control/controlStore.test.ts on a real PostgreSQL.
 * Each scenario makes its own ground truth (the tenants and keys it creates, the clock it
 * sets) and checks what the store answers, and what the tables hold, against it. The tables
 * are read past the store, through the location's own connection.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { LOGIN_KEY_NAME, type ControlStore } from '../controlStore.js';
import { ApiKeyNotFoundError, ControlInputError, TenantNameTakenError, TenantNotFoundError } from '../controlStoreErrors.js';
import type { OpenControlStoreOptions } from '../openControlStore.js';
import { CONTROL_MIGRATIONS } from '../controlMigrations.js';
import type { Scope } from '../scopes.js';

export type ControlTable = 'tenants' | 'api_keys' | 'login_links' | 'kysely_migration';

/** An empty, isolated database: its own file or its own PostgreSQL database. */
export interface ControlStoreLocation {
  /** Opens (and migrates) a store there. */
  open(options?: OpenControlStoreOptions): Promise<ControlStore>;
  /** Every row of a table, read with the location's own connection, not the store's. */
  readTable(table: ControlTable): Promise<Record<string, unknown>[]>;
}

export interface ControlStoreHarness {
  newLocation(): Promise<ControlStoreLocation>;
}

export interface ControlStoreScenario {
  name: string;
  run(harness: ControlStoreHarness, note: (message: string) => void): Promise<void>;
}

const ALL_MIGRATIONS = Object.keys(CONTROL_MIGRATIONS).sort();
const PLAINTEXT_SHAPE = /^weft_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/;

async function withStore<T>(location: ControlStoreLocation, options: OpenControlStoreOptions | undefined, body: (store: ControlStore) => Promise<T>): Promise<T> {
  const store = await location.open(options);
  try {
    return await body(store);
  } finally {
    await store.close();
  }
}

/** The id and secret of a plaintext key, split the way the format is defined (first two underscores). */
function partsOf(plaintext: string): { id: string; secret: string } {
  const afterPrefix = plaintext.slice('weft_'.length);
  const split = afterPrefix.indexOf('_');
  return { id: afterPrefix.slice(0, split), secret: afterPrefix.slice(split + 1) };
}

/** A clock the scenario moves by hand. */
function manualClock(start: Date): { now: () => Date; advance: (ms: number) => void; iso: () => string } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
    iso: () => new Date(current).toISOString(),
  };
}

export const controlStoreScenarios: ControlStoreScenario[] = [
  {
    name: 'a tenant made with its admin key: both or neither; a taken name leaves no second tenant and no stray key',
    async run(harness) {
      const location = await harness.newLocation();
      await withStore(location, undefined, async (store) => {
        const { tenant, adminKey } = await store.createTenantWithAdminKey('  acme  ');
        assert.equal(tenant.name, 'acme');
        assert.equal(adminKey.key.tenantId, tenant.id);
        assert.deepEqual(await store.authenticate(adminKey.plaintext), { tenantId: tenant.id, keyId: adminKey.key.id, scopes: ['read', 'write', 'ingest', 'admin'] });
        await assert.rejects(store.createTenantWithAdminKey('acme'), TenantNameTakenError);
        await assert.rejects(store.createTenantWithAdminKey(''), ControlInputError);
        assert.deepEqual((await store.listTenants()).map((t) => t.name), ['acme']);
        assert.equal((await store.listKeys(tenant.id)).length, 1);
        const keys = await location.readTable('api_keys');
        assert.equal(keys.length, 1, 'the refused tenant left no key behind');
      });
    },
  },
  {
    name: 'a created key authenticates to its tenant and scopes; what is listed never holds a secret',
    async run(harness) {
      const location = await harness.newLocation();
      const clock = manualClock(new Date('2031-02-03T04:05:06.789Z'));
      await withStore(location, { now: clock.now }, async (store) => {
        const tenant = await store.createTenant('  acme  ');
        assert.equal(tenant.name, 'acme', 'the name is trimmed');
        assert.equal(tenant.createdAt, '2031-02-03T04:05:06.789Z');
        assert.deepEqual(await store.getTenant(tenant.id), tenant);
        assert.deepEqual(await store.listTenants(), [tenant]);
        assert.equal(await store.getTenant('nosuchtenant'), null);

        const created = await store.createKey({ tenantId: tenant.id, name: 'collector', scopes: ['ingest', 'read', 'ingest'] });
        assert.match(created.plaintext, PLAINTEXT_SHAPE);
        assert.equal(partsOf(created.plaintext).id, created.key.id);
        assert.deepEqual(created.key, {
          id: created.key.id,
          tenantId: tenant.id,
          name: 'collector',
          scopes: ['read', 'ingest'],
          createdAt: '2031-02-03T04:05:06.789Z',
          lastUsedAt: null,
          revokedAt: null,
          expiresAt: null,
        });

        assert.deepEqual(await store.authenticate(created.plaintext), { tenantId: tenant.id, keyId: created.key.id, scopes: ['read', 'ingest'] });
        const listed = await store.listKeys(tenant.id);
        assert.equal(listed.length, 1);
        assert.deepEqual(Object.keys(listed[0] ?? {}).sort(), ['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'scopes', 'tenantId']);
        assert.equal(listed[0]?.lastUsedAt, '2031-02-03T04:05:06.789Z', 'authenticating wrote last_used_at');
        const serialized = JSON.stringify(listed);
        assert.ok(!serialized.includes(partsOf(created.plaintext).secret), 'listKeys holds no secret');

        const admin = await store.createKey({ tenantId: tenant.id, name: 'ops', scopes: ['admin', 'write'] });
        assert.deepEqual((await store.authenticate(admin.plaintext))?.scopes, ['write', 'admin']);
        assert.notEqual(admin.plaintext, created.plaintext);
      });
    },
  },
  {
    name: 'a revoked key, a wrong secret, an unknown id and garbage are refused',
    async run(harness) {
      const location = await harness.newLocation();
      const clock = manualClock(new Date('2031-05-01T00:00:00.000Z'));
      await withStore(location, { now: clock.now }, async (store) => {
        const tenant = await store.createTenant('acme');
        const doomed = await store.createKey({ tenantId: tenant.id, name: 'doomed', scopes: ['write'] });
        clock.advance(1); // keys list oldest first
        const kept = await store.createKey({ tenantId: tenant.id, name: 'kept', scopes: ['read'] });
        const { id, secret } = partsOf(doomed.plaintext);

        let wrongSecret = randomBytes(32).toString('base64url');
        while (wrongSecret === secret) wrongSecret = randomBytes(32).toString('base64url');
        const refused: unknown[] = [
          `weft_${id}_${wrongSecret}`,
          `weft_${partsOf(kept.plaintext).id}_${secret}`, // another key's id with this secret
          `weft_aaaaaaaaaaaa_${secret}`, // an id nobody has
          '',
          'weft_',
          `weft_${id}`,
          `weft_${id}_`,
          `${doomed.plaintext}x`,
          doomed.plaintext.slice(0, -1),
          ` ${doomed.plaintext}`,
          `Bearer ${doomed.plaintext}`,
          doomed.plaintext.toUpperCase(),
          `weft-${id}-${secret}`,
          "weft_aaaaaaaaaaaa_' OR 1=1 --aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          undefined,
          42,
          { plaintext: doomed.plaintext },
        ];
        for (const candidate of refused) {
          assert.equal(await store.authenticate(candidate as string), null, `refused: ${JSON.stringify(candidate)}`);
        }
        assert.ok(await store.authenticate(doomed.plaintext), 'the right plaintext still works');

        clock.advance(999);
        const revoked = await store.revokeKey(tenant.id, doomed.key.id);
        assert.equal(revoked.revokedAt, '2031-05-01T00:00:01.000Z');
        assert.equal(await store.authenticate(doomed.plaintext), null, 'a revoked key is refused');
        clock.advance(1000);
        assert.deepEqual(await store.revokeKey(tenant.id, doomed.key.id), revoked, 'revoking twice changes nothing');
        assert.deepEqual((await store.authenticate(kept.plaintext))?.keyId, kept.key.id, 'the other key still works');
        const listed = await store.listKeys(tenant.id);
        assert.deepEqual(
          listed.map((key) => [key.name, key.revokedAt]),
          [
            ['doomed', '2031-05-01T00:00:01.000Z'],
            ['kept', null],
          ],
        );
        await assert.rejects(store.revokeKey(tenant.id, 'aaaaaaaaaaaa'), ApiKeyNotFoundError);
      });
    },
  },
  {
    name: "tenants are apart: another tenant's key can be neither listed nor revoked",
    async run(harness) {
      const location = await harness.newLocation();
      await withStore(location, undefined, async (store) => {
        const alpha = await store.createTenant('alpha');
        const beta = await store.createTenant('beta');
        const alphaKey = await store.createKey({ tenantId: alpha.id, name: 'a', scopes: ['read'] });
        const betaKey = await store.createKey({ tenantId: beta.id, name: 'b', scopes: ['read'] });

        assert.deepEqual((await store.listKeys(alpha.id)).map((key) => key.id), [alphaKey.key.id]);
        assert.deepEqual((await store.listKeys(beta.id)).map((key) => key.id), [betaKey.key.id]);
        await assert.rejects(store.revokeKey(alpha.id, betaKey.key.id), ApiKeyNotFoundError, "alpha cannot revoke beta's key");
        assert.deepEqual(await store.authenticate(betaKey.plaintext), { tenantId: beta.id, keyId: betaKey.key.id, scopes: ['read'] });
        assert.equal((await store.listKeys(beta.id))[0]?.revokedAt, null);
        assert.deepEqual((await store.authenticate(alphaKey.plaintext))?.tenantId, alpha.id);
        assert.deepEqual(
          (await store.listTenants()).map((tenant) => tenant.name),
          ['alpha', 'beta'],
        );

        await assert.rejects(store.createKey({ tenantId: 'nosuchtenant', name: 'x', scopes: ['read'] }), TenantNotFoundError);
        await assert.rejects(store.listKeys('nosuchtenant'), TenantNotFoundError);
        await assert.rejects(store.createTenant('alpha'), TenantNameTakenError);
        await assert.rejects(store.createTenant('   '), ControlInputError);
        await assert.rejects(store.createKey({ tenantId: alpha.id, name: 'x', scopes: [] }), ControlInputError);
        await assert.rejects(store.createKey({ tenantId: alpha.id, name: 'x', scopes: ['root' as Scope] }), ControlInputError);
        assert.equal((await location.readTable('tenants')).length, 2, 'the refused calls wrote nothing');
        assert.equal((await location.readTable('api_keys')).length, 2);
      });
    },
  },
  {
    name: 'ensureFirstTenant makes the first tenant and an admin key once, then returns null',
    async run(harness, note) {
      const location = await harness.newLocation();
      let firstKey: string | null = null;
      await withStore(location, undefined, async (store) => {
        firstKey = await store.ensureFirstTenant();
        assert.ok(firstKey, 'the first start gets a key');
        assert.match(firstKey, PLAINTEXT_SHAPE);
        const tenants = await store.listTenants();
        assert.deepEqual(tenants.map((tenant) => tenant.name), ['default']);
        assert.deepEqual(await store.authenticate(firstKey), { tenantId: tenants[0]?.id, keyId: partsOf(firstKey).id, scopes: ['read', 'write', 'ingest', 'admin'] });
        assert.equal(await store.ensureFirstTenant(), null, 'the second call');
        assert.equal(await store.ensureFirstTenant('other'), null, 'another name changes nothing');
      });
      await withStore(location, undefined, async (store) => {
        assert.equal(await store.ensureFirstTenant(), null, 'after a restart');
        assert.equal((await store.listTenants()).length, 1);
        assert.ok(await store.authenticate(firstKey as unknown as string), 'the first key survives the restart');
      });
      assert.equal((await location.readTable('api_keys')).length, 1);

      // A database that has tenants already (made by hand) is not a first start either.
      const existing = await harness.newLocation();
      await withStore(existing, undefined, async (store) => {
        await store.createTenant('acme');
        assert.equal(await store.ensureFirstTenant(), null);
        assert.deepEqual((await store.listTenants()).map((tenant) => tenant.name), ['acme']);
      });
      assert.equal((await existing.readTable('api_keys')).length, 0);
      note('first key created once, null on the next calls and after a restart');
    },
  },
  {
    name: "the operator's tenant is the one the first start made, whatever the clocks of the hosts that made the others; none before",
    async run(harness) {
      const location = await harness.newLocation();
      const clock = manualClock(new Date('2031-05-06T07:08:09.000Z'));
      await withStore(location, { now: clock.now }, async (store) => {
        assert.equal(await store.firstTenant(), null);
        assert.notEqual(await store.ensureFirstTenant('zulu'), null);
        const first = await store.firstTenant();
        assert.equal(first?.name, 'zulu');
        // A host whose clock is an hour behind makes a tenant that sorts before zulu.
        clock.advance(-3_600_000);
        await store.createTenant('alpha');
        await store.createTenantWithAdminKey('mike');
        assert.deepEqual(await store.firstTenant(), first);
        assert.equal((await location.readTable('tenants')).filter((t) => Number(t.operator) === 1).length, 1);
      });
      await withStore(location, undefined, async (store) => {
        assert.deepEqual((await store.firstTenant())?.name, 'zulu', 'after a restart');
      });
    },
  },
  {
    name: 'reopening keeps the data and does not rerun the migrations',
    async run(harness) {
      const location = await harness.newLocation();
      const made = await withStore(location, undefined, async (store) => {
        assert.deepEqual(store.migrationsApplied, ALL_MIGRATIONS, 'a new database gets every migration');
        const tenant = await store.createTenant('acme');
        const key = await store.createKey({ tenantId: tenant.id, name: 'k', scopes: ['ingest'] });
        return { tenant, key };
      });
      const migrationRows = await location.readTable('kysely_migration');
      assert.deepEqual(migrationRows.map((row) => row.name).sort(), ALL_MIGRATIONS);
      for (let reopen = 0; reopen < 2; reopen++) {
        await withStore(location, undefined, async (store) => {
          assert.deepEqual(store.migrationsApplied, [], 'nothing to apply');
          assert.deepEqual(await store.listTenants(), [made.tenant]);
          assert.deepEqual(await store.authenticate(made.key.plaintext), { tenantId: made.tenant.id, keyId: made.key.key.id, scopes: ['ingest'] });
        });
      }
      assert.deepEqual(await location.readTable('kysely_migration'), migrationRows, 'the migration records are untouched');
    },
  },
  {
    name: 'the database holds only the SHA-256 of each secret, never the plaintext',
    async run(harness) {
      const location = await harness.newLocation();
      const keys = await withStore(location, undefined, async (store) => {
        const firstKey = await store.ensureFirstTenant();
        assert.ok(firstKey);
        const made = [{ id: partsOf(firstKey).id, plaintext: firstKey }];
        const tenant = await store.createTenant('acme');
        for (let i = 0; i < 5; i++) {
          const created = await store.createKey({ tenantId: tenant.id, name: `key ${i}`, scopes: ['read', 'write'] });
          made.push({ id: created.key.id, plaintext: created.plaintext });
        }
        return made;
      });
      const rows = [...(await location.readTable('api_keys')), ...(await location.readTable('tenants'))];
      const everything = JSON.stringify(rows);
      assert.equal(rows.filter((row) => 'secret_hash' in row).length, keys.length);
      for (const { id, plaintext } of keys) {
        const { secret } = partsOf(plaintext);
        assert.ok(!everything.includes(plaintext), 'no plaintext key in any row');
        assert.ok(!everything.includes(secret), 'no secret in any row');
        const row = rows.find((candidate) => candidate.id === id);
        assert.ok(row, `a row for key ${id}`);
        assert.equal(row.secret_hash, createHash('sha256').update(secret).digest('hex'));
      }
    },
  },
  {
    name: 'last_used_at is written at most once per resolution, and not for refused keys',
    async run(harness) {
      const location = await harness.newLocation();
      const clock = manualClock(new Date('2032-01-01T12:00:00.000Z'));
      await withStore(location, { now: clock.now, lastUsedResolutionMs: 60_000 }, async (store) => {
        const tenant = await store.createTenant('acme');
        const key = await store.createKey({ tenantId: tenant.id, name: 'k', scopes: ['read'] });
        const lastUsed = async (): Promise<unknown> => (await location.readTable('api_keys')).find((row) => row.id === key.key.id)?.last_used_at;

        assert.equal(await lastUsed(), null);
        const wrong = `weft_${key.key.id}_${randomBytes(32).toString('base64url')}`;
        assert.equal(await store.authenticate(wrong), null);
        assert.equal(await lastUsed(), null, 'a wrong secret is no use');

        assert.ok(await store.authenticate(key.plaintext));
        const first = clock.iso();
        assert.equal(await lastUsed(), first);
        clock.advance(30_000);
        assert.ok(await store.authenticate(key.plaintext));
        assert.equal(await lastUsed(), first, 'within the resolution: no write');
        clock.advance(31_000);
        assert.ok(await store.authenticate(key.plaintext));
        assert.equal(await lastUsed(), clock.iso(), 'past the resolution: written');
        assert.equal((await store.listKeys(tenant.id))[0]?.lastUsedAt, clock.iso());

        const used = clock.iso();
        await store.revokeKey(tenant.id, key.key.id);
        clock.advance(120_000);
        assert.equal(await store.authenticate(key.plaintext), null);
        assert.equal(await lastUsed(), used, 'a revoked key is not recorded as used');
      });
    },
  },
  {
    name: 'a login link is redeemed once, before it lapses, for a key of its tenant and scopes that expires; only its hash is stored',
    async run(harness) {
      const location = await harness.newLocation();
      const clock = manualClock(new Date('2033-05-06T07:00:00.000Z'));
      await withStore(location, { now: clock.now }, async (store) => {
        const tenant = await store.createTenant('acme');
        const other = await store.createTenant('other');
        const link = await store.createLoginLink({ tenantId: tenant.id, scopes: ['write', 'read'], ttlMs: 10 * 60_000 });
        assert.match(link.plaintext, /^weftlogin_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
        assert.equal(link.expiresAt, '2033-05-06T07:10:00.000Z');
        const secret = link.plaintext.slice('weftlogin_'.length + 13);
        const rows = await location.readTable('login_links');
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.secret_hash, createHash('sha256').update(secret).digest('hex'));
        assert.ok(!JSON.stringify(rows).includes(secret), 'the table holds no secret');
        // A link is not a key, and a key is not a link.
        assert.equal(await store.authenticate(link.plaintext), null);
        const wrong = link.plaintext.slice(0, -4) + (link.plaintext.endsWith('AAAA') ? 'BBBB' : 'AAAA');
        assert.equal(await store.redeemLoginLink(wrong, 60_000), null, 'a wrong secret redeems nothing');

        clock.advance(9 * 60_000);
        const key = await store.redeemLoginLink(link.plaintext, 3_600_000);
        assert.ok(key, 'redeemed before it lapsed');
        assert.equal(key.key.name, LOGIN_KEY_NAME);
        assert.equal(key.key.tenantId, tenant.id);
        assert.deepEqual(key.key.scopes, ['read', 'write']);
        assert.equal(key.key.expiresAt, '2033-05-06T08:09:00.000Z');
        assert.deepEqual(await store.authenticate(key.plaintext), { tenantId: tenant.id, keyId: key.key.id, scopes: ['read', 'write'] });
        assert.equal(await store.redeemLoginLink(link.plaintext, 3_600_000), null, 'a second redeem gets nothing');
        assert.deepEqual((await store.listKeys(other.id)).length, 0);

        clock.advance(3_600_000);
        assert.equal(await store.authenticate(key.plaintext), null, 'the key lapsed with its lifetime');

        const late = await store.createLoginLink({ tenantId: tenant.id, scopes: ['read'], ttlMs: 60_000 });
        clock.advance(60_000);
        assert.equal(await store.redeemLoginLink(late.plaintext, 60_000), null, 'a lapsed link redeems nothing');

        // Asked for at once, one redeem wins.
        const raced = await store.createLoginLink({ tenantId: tenant.id, scopes: ['read'], ttlMs: 60_000 });
        const results = await Promise.all(Array.from({ length: 5 }, () => store.redeemLoginLink(raced.plaintext, 60_000)));
        assert.equal(results.filter((r) => r !== null).length, 1);
        assert.equal((await store.listKeys(tenant.id)).filter((k) => k.name === LOGIN_KEY_NAME).length, 2);

        await assert.rejects(store.createLoginLink({ tenantId: 'nosuchtenant', scopes: ['read'], ttlMs: 1 }), TenantNotFoundError);
        await assert.rejects(store.createLoginLink({ tenantId: tenant.id, scopes: [], ttlMs: 1 }), ControlInputError);
        await assert.rejects(store.createLoginLink({ tenantId: tenant.id, scopes: ['read'], ttlMs: 0 }), ControlInputError);
      });
    },
  },
];
