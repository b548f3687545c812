/**
 * What each shop service does with a request: which upstreams it calls, in
 * which order, and how big its answer is. Every call listed in
 * shopTopology.ts is made by at least one of the load generator's actions
 * (loadGenerator.ts), so every edge carries traffic in every window.
 */
import { CURRENCIES, PRODUCTS, type Product } from '../shop/catalogData.js';
import type { ShopServiceKey } from '../shop/shopTopology.js';
import type { CacheClient } from './cacheStore.js';
import type { DatabaseClient } from './databaseStore.js';
import type { HttpUpstream } from './httpUpstream.js';
import type { Route, ServiceReply, ServiceRequest } from './httpService.js';

/** The clients a service calls its upstreams with. */
export interface ShopClients {
  http(service: ShopServiceKey): HttpUpstream;
  cache(): CacheClient;
  database(): DatabaseClient;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const userOf = (request: ServiceRequest): string => request.query.get('user') ?? 'anonymous';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface CartItem {
  product: string;
  quantity: number;
}

function cartItems(value: Buffer | null): CartItem[] {
  if (value === null) return [];
  const parsed = JSON.parse(value.toString('utf8')) as unknown;
  return Array.isArray(parsed) ? (parsed as CartItem[]) : [];
}

function bodyField(request: ServiceRequest, field: string): string | undefined {
  const body = request.body as Record<string, unknown> | null;
  const value = body?.[field];
  return typeof value === 'string' ? value : undefined;
}

function frontend(c: ShopClients): Route[] {
  const catalog = c.http('catalog');
  const currency = c.http('currency');
  const cart = c.http('cart');
  const recommendation = c.http('recommendation');
  const shipping = c.http('shipping');
  const checkout = c.http('checkout');
  const page = (body: Record<string, unknown>, bytes: number): ServiceReply => ({ body, bytes, html: true });
  return [
    {
      method: 'GET',
      pattern: /^\/$/,
      handle: async (r) => {
        const [currencies, products, items] = await Promise.all([
          currency.json('GET', '/currencies'),
          catalog.json('GET', '/products'),
          cart.json('GET', `/cart/${userOf(r)}`),
        ]);
        return page({ currencies, products, items }, 14_000 + Math.floor(Math.random() * 4_000));
      },
    },
    {
      method: 'GET',
      pattern: /^\/product\/([\w-]+)$/,
      handle: async (r) => {
        const id = r.params[0] ?? '';
        const [product, price, recommended, items] = await Promise.all([
          catalog.json('GET', `/products/${id}`),
          currency.json('POST', '/convert', { from: 'USD', to: pick(CURRENCIES), amount_cents: 1999 }),
          recommendation.json('GET', `/recommendations?product=${id}`),
          cart.json('GET', `/cart/${userOf(r)}`),
        ]);
        return page({ product, price, recommended, items }, 9_000 + Math.floor(Math.random() * 3_000));
      },
    },
    {
      method: 'POST',
      pattern: /^\/cart$/,
      handle: async (r) => {
        const id = bodyField(r, 'product') ?? pick(PRODUCTS).id;
        const product = await catalog.json('GET', `/products/${id}`);
        await cart.call('POST', `/cart/${userOf(r)}`, { product: id, quantity: 1 + Math.floor(Math.random() * 3) });
        return page({ added: product }, 2_000);
      },
    },
    {
      method: 'GET',
      pattern: /^\/cart$/,
      handle: async (r) => {
        const [items, recommended, quote, total] = await Promise.all([
          cart.json('GET', `/cart/${userOf(r)}`),
          recommendation.json('GET', '/recommendations'),
          shipping.json('GET', '/quote?items=2'),
          currency.json('POST', '/convert', { from: 'USD', to: 'EUR', amount_cents: 4998 }),
        ]);
        return page({ items, recommended, quote, total }, 7_000 + Math.floor(Math.random() * 2_000));
      },
    },
    {
      method: 'POST',
      pattern: /^\/checkout$/,
      handle: async (r) => {
        const order = await checkout.json('POST', `/orders?user=${userOf(r)}`, { currency: pick(CURRENCIES), email: `${userOf(r)}@example.com` });
        return page({ order }, 4_000);
      },
    },
    {
      method: 'POST',
      pattern: /^\/setCurrency$/,
      handle: async () => page({ currencies: await currency.json('GET', '/currencies') }, 1_500),
    },
  ];
}

function cart(c: ShopClients): Route[] {
  const cache = c.cache();
  return [
    {
      method: 'GET',
      pattern: /^\/cart\/([\w-]+)$/,
      handle: async (r) => ({ body: { user: r.params[0], items: cartItems(await cache.get(`cart:${r.params[0]}`)) } }),
    },
    {
      method: 'POST',
      pattern: /^\/cart\/([\w-]+)$/,
      handle: async (r) => {
        const key = `cart:${r.params[0]}`;
        const items = cartItems(await cache.get(key));
        items.push({ product: bodyField(r, 'product') ?? pick(PRODUCTS).id, quantity: 1 });
        // A cart keeps its last 20 lines.
        await cache.set(key, JSON.stringify(items.slice(-20)));
        return { body: { user: r.params[0], items: items.length } };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/cart\/([\w-]+)$/,
      handle: async (r) => {
        await cache.del(`cart:${r.params[0]}`);
        return { body: { user: r.params[0], items: 0 } };
      },
    },
  ];
}

function currency(c: ShopClients): Route[] {
  const cache = c.cache();
  const rates = async (): Promise<Record<string, number>> => {
    const cached = await cache.get('currency:rates');
    if (cached !== null) return JSON.parse(cached.toString('utf8')) as Record<string, number>;
    const fresh = Object.fromEntries(CURRENCIES.map((code, i) => [code, Number((0.6 + i * 0.31).toFixed(4))]));
    await cache.set('currency:rates', JSON.stringify(fresh));
    return fresh;
  };
  return [
    { method: 'GET', pattern: /^\/currencies$/, handle: async () => ({ body: { currencies: Object.keys(await rates()) } }) },
    {
      method: 'POST',
      pattern: /^\/convert$/,
      handle: async (r) => {
        const table = await rates();
        const to = bodyField(r, 'to') ?? 'EUR';
        const amount = Number((r.body as { amount_cents?: number } | null)?.amount_cents ?? 0);
        return { body: { currency: to, amount_cents: Math.round(amount * (table[to] ?? 1)) } };
      },
    },
  ];
}

function catalog(c: ShopClients): Route[] {
  const database = c.database();
  return [
    {
      method: 'GET',
      pattern: /^\/products$/,
      handle: async () => {
        const result = await database.query('SELECT id, name, description, price_cents, category, picture FROM products ORDER BY id');
        return { body: { products: PRODUCTS, rows: result.rows }, bytes: 6_000 };
      },
    },
    {
      method: 'GET',
      pattern: /^\/products\/([\w-]+)$/,
      handle: async (r) => {
        const result = await database.query(`SELECT id, name, description, price_cents, category, picture FROM products WHERE id = '${r.params[0] ?? ''}'`);
        const product = PRODUCTS.find((p) => p.id === r.params[0]);
        if (result.rows === 0 || !product) return { status: 404, body: { error: `no product ${r.params[0]}` } };
        return { body: { product }, bytes: 1_500 };
      },
    },
  ];
}

function recommendation(c: ShopClients): Route[] {
  const catalogService = c.http('catalog');
  return [
    {
      method: 'GET',
      pattern: /^\/recommendations$/,
      handle: async (r) => {
        const { products } = await catalogService.json<{ products: Product[] }>('GET', '/products');
        const exclude = r.query.get('product');
        const candidates = products.filter((p) => p.id !== exclude);
        return { body: { products: Array.from({ length: 4 }, () => pick(candidates).id) } };
      },
    },
  ];
}

function shipping(c: ShopClients): Route[] {
  const database = c.database();
  let shipped = 0;
  return [
    {
      method: 'GET',
      pattern: /^\/quote$/,
      handle: async (r) => {
        const rates = await database.query("SELECT service, price_cents, days FROM shipping_rates WHERE region = 'eu'");
        const items = Number(r.query.get('items') ?? '1');
        return { body: { services: rates.rows, cost_cents: 499 + 150 * Math.max(0, items - 1) } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/ship$/,
      handle: async () => {
        shipped++;
        await database.query(`INSERT INTO shipments (tracking_id, created_at) VALUES ('TRK${shipped}', now())`);
        return { body: { tracking_id: `TRK-${Date.now().toString(36)}-${shipped}` } };
      },
    },
  ];
}

function checkout(c: ShopClients): Route[] {
  const cartService = c.http('cart');
  const catalogService = c.http('catalog');
  const currencyService = c.http('currency');
  const shippingService = c.http('shipping');
  const payment = c.http('payment');
  const email = c.http('email');
  return [
    {
      method: 'POST',
      pattern: /^\/orders$/,
      handle: async (r) => {
        const user = userOf(r);
        const { items } = await cartService.json<{ items: CartItem[] }>('GET', `/cart/${user}`);
        const lines = (items.length > 0 ? items.slice(0, 2) : [{ product: pick(PRODUCTS).id, quantity: 1 }]).map((i) => i.product);
        for (const id of lines) await catalogService.call('GET', `/products/${id}`);
        const total = await currencyService.json<{ amount_cents: number }>('POST', '/convert', { from: 'USD', to: bodyField(r, 'currency') ?? 'EUR', amount_cents: 2999 * lines.length });
        const quote = await shippingService.json<{ cost_cents: number }>('GET', `/quote?items=${lines.length}`);
        const charge = await payment.json<{ transaction_id: string }>('POST', '/charge', { amount_cents: total.amount_cents + quote.cost_cents, card: '4242-xxxx-xxxx-4242' });
        const shipment = await shippingService.json<{ tracking_id: string }>('POST', '/ship', { user, items: lines });
        await email.call('POST', '/send', { to: bodyField(r, 'email') ?? `${user}@example.com`, template: 'order_confirmation' });
        await cartService.call('DELETE', `/cart/${user}`);
        return { body: { order_id: `ORD-${charge.transaction_id}`, tracking_id: shipment.tracking_id, total_cents: total.amount_cents + quote.cost_cents }, bytes: 700 };
      },
    },
  ];
}

function payment(c: ShopClients): Route[] {
  const provider = c.http('payment-provider');
  return [
    {
      method: 'POST',
      pattern: /^\/charge$/,
      handle: async (r) => {
        const charge = await provider.json<{ id: string }>('POST', '/v1/charges', { amount: (r.body as { amount_cents?: number } | null)?.amount_cents ?? 0, currency: 'eur' });
        return { body: { transaction_id: charge.id } };
      },
    },
  ];
}

function email(): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/send$/,
      handle: async () => {
        // Rendering the template.
        await sleep(1 + Math.random() * 3);
        return { body: { sent: true } };
      },
    },
  ];
}

/** The external payment provider's API (it answers in 20-60 ms, as a remote API does). */
export function paymentProviderRoutes(): Route[] {
  let charges = 0;
  return [
    {
      method: 'POST',
      pattern: /^\/v1\/charges$/,
      handle: async () => {
        await sleep(20 + Math.random() * 40);
        charges++;
        return { body: { id: `ch_${Date.now().toString(36)}${charges}`, object: 'charge', status: 'succeeded', livemode: false }, bytes: 420 };
      },
    },
  ];
}

/** The routes of a shop service that answers HTTP. */
export function shopRoutes(service: ShopServiceKey, clients: ShopClients): Route[] {
  switch (service) {
    case 'frontend':
      return frontend(clients);
    case 'cart':
      return cart(clients);
    case 'currency':
      return currency(clients);
    case 'catalog':
      return catalog(clients);
    case 'recommendation':
      return recommendation(clients);
    case 'shipping':
      return shipping(clients);
    case 'checkout':
      return checkout(clients);
    case 'payment':
      return payment(clients);
    case 'email':
      return email();
    case 'payment-provider':
      return paymentProviderRoutes();
    default:
      throw new Error(`${service} does not answer HTTP`);
  }
}
