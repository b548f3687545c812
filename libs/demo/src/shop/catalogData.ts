/** The shop's products: what the database serves and the load generator browses. */
export interface Product {
  id: string;
  name: string;
  priceCents: number;
  category: string;
}

const NAMES: Array<[string, string]> = [
  ['Sunglasses', 'accessories'],
  ['Tank Top', 'clothing'],
  ['Watch', 'accessories'],
  ['Loafers', 'footwear'],
  ['Hairdryer', 'hair'],
  ['Candle Holder', 'decor'],
  ['Salt & Pepper Shakers', 'kitchen'],
  ['Bamboo Glass Jar', 'kitchen'],
  ['Mug', 'kitchen'],
  ['Vintage Typewriter', 'vintage'],
  ['Film Camera', 'vintage'],
  ['City Bike', 'cycling'],
];

export const PRODUCTS: readonly Product[] = NAMES.flatMap(([name, category], i) => [
  { id: `sku-${1001 + 2 * i}`, name, priceCents: 999 + ((i * 3719) % 18000), category },
  { id: `sku-${1002 + 2 * i}`, name: `${name} (limited)`, priceCents: 2499 + ((i * 5113) % 24000), category },
]);

export const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY', 'CAD', 'CHF'] as const;
