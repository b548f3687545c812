import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { OTHER_ROUTE, RouteTable, templateRoute } from './routeTemplate.js';

describe('templateRoute', () => {
  it('collapses numbers, UUIDs, hashes and long tokens, and drops the query', () => {
    assert.equal(templateRoute('/users/1007/orders?delay_ms=20&status=500'), '/users/{n}/orders');
    assert.equal(templateRoute('/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301'), '/orders/{uuid}');
    assert.equal(templateRoute('/blobs/9e107d9d372bb6826bd81d3542a419d6'), '/blobs/{hex}');
    assert.equal(templateRoute('/s/aGVsbG8gd29ybGQgMTIzNDU2Nzg5'), '/s/{id}');
    assert.equal(templateRoute('/api/v1/health#top'), '/api/v1/health');
    assert.equal(templateRoute('/'), '/');
  });

  it('keeps words, even long ones without digits', () => {
    assert.equal(templateRoute('/api/v2/customers/search'), '/api/v2/customers/search');
    assert.equal(templateRoute('/deadbeefdeadbeef'), '/deadbeefdeadbeef');
  });

  it('takes the path of an absolute-form target, and calls anything else other', () => {
    assert.equal(templateRoute('http://catalog.shop:8080/items/42?x=1'), '/items/{n}');
    assert.equal(templateRoute('http://catalog.shop'), '/');
    assert.equal(templateRoute('*'), '*');
    assert.equal(templateRoute('catalog.shop:443'), '{other}');
  });

  it('bounds very deep paths', () => {
    const deep = `/${Array.from({ length: 40 }, (_, i) => `p${i}x`).join('/')}`;
    const route = templateRoute(deep);
    assert.ok(route.endsWith('/{rest}'));
    assert.equal(route.split('/').length, 14);
  });
});

describe('RouteTable', () => {
  it('admits up to its bound and reports the rest as {other}, counted', () => {
    const table = new RouteTable(2);
    assert.equal(table.routeOf('/a/1'), '/a/{n}');
    assert.equal(table.routeOf('/b'), '/b');
    assert.equal(table.routeOf('/c'), OTHER_ROUTE);
    assert.equal(table.routeOf('/d'), OTHER_ROUTE);
    assert.equal(table.routeOf('/a/2'), '/a/{n}', 'an admitted template stays admitted');
    assert.equal(table.size, 2);
    assert.equal(table.overflows, 2);
  });

  it('refuses a bound that is not a positive integer', () => {
    assert.throws(() => new RouteTable(0), /positive integer/);
  });
});
