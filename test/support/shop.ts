import { contractFile } from './config.ts';

/**
 * An OpenAPI 3.0 document (served as API `pets`, the name the test gateway file uses) with
 * schemas for parameters, JSON, text, form and multipart bodies, and responses.
 */
export const SHOP_OPENAPI = `openapi: 3.0.3
info: { title: Shop, version: '1' }
paths:
  /orders:
    post:
      operationId: createOrder
      parameters:
        - { name: dryRun, in: query, schema: { type: boolean } }
        - { name: x-tenant, in: header, required: true, schema: { type: string, pattern: '^[a-z]+$' } }
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/Order' }
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Order' }
  /orders/{orderId}:
    get:
      operationId: getOrder
      parameters:
        - { name: orderId, in: path, required: true, schema: { type: integer, minimum: 1 } }
        - { name: fields, in: query, schema: { type: array, items: { type: string, enum: [id, item] } } }
        - { name: session, in: cookie, schema: { type: string, pattern: '^[a-f0-9]+$' } }
      responses:
        '200':
          description: the order
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Order' }
        '404': { description: no such order }
  /files:
    post:
      operationId: uploadFile
      requestBody:
        content:
          application/octet-stream: {}
          multipart/form-data:
            schema:
              type: object
              required: [title, file]
              properties:
                title: { type: string, maxLength: 20 }
                copies: { type: integer, minimum: 1 }
                file: { type: string, format: binary }
      responses: { '201': { description: stored } }
  /notes:
    post:
      operationId: createNote
      requestBody:
        content:
          text/plain: { schema: { type: string, maxLength: 50 } }
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [text]
              properties:
                text: { type: string }
                pinned: { type: boolean }
      responses: { '201': { description: stored } }
components:
  schemas:
    Order:
      type: object
      required: [item, quantity]
      properties:
        id: { type: integer }
        item: { type: string, minLength: 1, maxLength: 40 }
        quantity: { type: integer, minimum: 0, exclusiveMinimum: true, maximum: 1000 }
        note: { type: string, nullable: true }
        email: { type: string, format: email, x-data-class: pii.email }
        address: { $ref: '#/components/schemas/Address' }
    Address:
      type: object
      properties:
        street: { type: string, x-data-class: pii.address }
        next: { $ref: '#/components/schemas/Address' }
`;

export const SHOP_OPERATIONS = ['createOrder', 'getOrder', 'uploadFile', 'createNote'];

/** Test gateway files: the shop API and a contract for `acme` with the given content rules. */
export function shopFiles(content: Record<string, unknown> = {}, partner = 'acme'): Record<string, unknown> {
  return {
    'apis/pets.yaml': SHOP_OPENAPI,
    [`contracts/${partner}.yaml`]: contractFile(partner, SHOP_OPERATIONS, { content }),
  };
}

/** A valid order body. */
export const ORDER = { item: 'widget', quantity: 2 };
