/**
 * A typical 2 KB JSON order and the OpenAPI schema it is validated against in the
 * `portcullis (validation)` target: nested objects, an array of line items, formats,
 * enums, bounds, no unknown properties.
 */
const item = (n: number) => ({
  sku: `SKU-${String(n).padStart(6, '0')}`,
  name: `Stainless steel widget, size ${n}`,
  quantity: n + 1,
  unitPrice: { amount: 1999 + n, currency: 'EUR' },
  tags: ['hardware', 'steel', 'outdoor'],
});

export const ORDER_2KB = JSON.stringify({
  orderId: 'ord-2026-000123',
  createdAt: '2026-11-23T10:15:30Z',
  customer: {
    id: 'cus-84423',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '+44 20 7946 0958',
  },
  shipping: {
    street: '12 Analytical Engine Way',
    city: 'London',
    postalCode: 'NW1 6XE',
    country: 'GB',
    instructions: 'Leave with the concierge if nobody answers the door.',
  },
  items: [1, 2, 3, 4, 5, 6, 7, 8, 9].map(item),
  payment: { method: 'card', reference: 'pay-7f3a9c2e', captured: false },
  priority: 'standard',
  notes:
    'Please pack the widgets separately; the customer reuses the boxes for shipping returns. Call ahead on delivery.',
});

const money = {
  type: 'object',
  required: ['amount', 'currency'],
  properties: {
    amount: { type: 'integer', minimum: 0 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
};

export const ORDER_SCHEMA = {
  type: 'object',
  required: ['orderId', 'customer', 'items'],
  properties: {
    orderId: { type: 'string', pattern: '^ord-[0-9-]+$' },
    createdAt: { type: 'string', format: 'date-time' },
    customer: {
      type: 'object',
      required: ['id', 'email'],
      properties: {
        id: { type: 'string', maxLength: 64 },
        name: { type: 'string', maxLength: 200, 'x-data-class': 'pii.name' },
        email: { type: 'string', format: 'email', 'x-data-class': 'pii.email' },
        phone: { type: 'string', maxLength: 32, 'x-data-class': 'pii.phone' },
      },
    },
    shipping: {
      type: 'object',
      properties: {
        street: { type: 'string', maxLength: 200 },
        city: { type: 'string', maxLength: 100 },
        postalCode: { type: 'string', maxLength: 16 },
        country: { type: 'string', pattern: '^[A-Z]{2}$' },
        instructions: { type: 'string', maxLength: 500 },
      },
    },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['sku', 'quantity', 'unitPrice'],
        properties: {
          sku: { type: 'string', pattern: '^SKU-[0-9]{6}$' },
          name: { type: 'string', maxLength: 200 },
          quantity: { type: 'integer', minimum: 1, maximum: 10000 },
          unitPrice: money,
          tags: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 32 } },
        },
      },
    },
    payment: {
      type: 'object',
      properties: {
        method: { type: 'string', enum: ['card', 'invoice', 'transfer'] },
        reference: { type: 'string', maxLength: 64 },
        captured: { type: 'boolean' },
      },
    },
    priority: { type: 'string', enum: ['standard', 'express'] },
    notes: { type: 'string', maxLength: 1000 },
  },
};
