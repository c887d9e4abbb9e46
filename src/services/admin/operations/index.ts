import type { AdminOperation } from '../operation.ts';
import { getConsistencyProof } from './get-consistency-proof.ts';
import { getInclusionProof } from './get-inclusion-proof.ts';
import { getLatestHead } from './get-latest-head.ts';
import { getMetrics } from './get-metrics.ts';
import { getOpenApi } from './get-openapi.ts';
import { listHeads } from './list-heads.ts';

/** Every admin operation; the server and the OpenAPI document are built from this list. */
export const ADMIN_OPERATIONS: readonly AdminOperation[] = [
  getLatestHead,
  listHeads,
  getInclusionProof,
  getConsistencyProof,
  getMetrics,
  getOpenApi,
] as unknown as readonly AdminOperation[];
