import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type ContractConfig, ContractSchema } from './contract-schema.ts';
import { type ApiConfig, type GatewayConfig, GatewaySchema } from './gateway-schema.ts';
import type { ConfigIssue } from './issues.ts';
import { loadOpenApi, type OpenApiSpec } from './openapi.ts';
import { type PolicyFile, readPolicyFiles } from './policy-files.ts';
import { SourceFile } from './source.ts';
import { compileSchema, validateSource } from './validate.ts';

export const GATEWAY_FILE = 'portcullis.yaml';
export const CONTRACTS_DIR = 'contracts';

export interface LoadedApi {
  readonly name: string;
  readonly config: ApiConfig;
  readonly spec: OpenApiSpec;
}

export interface LoadedContract {
  readonly partner: string;
  readonly config: ContractConfig;
  readonly source: SourceFile;
}

/** Every file of a configuration directory, schema-checked, before cross-checks and compilation. */
export interface LoadedConfig {
  readonly dir: string;
  readonly gateway: GatewayConfig;
  readonly gatewaySource: SourceFile;
  readonly apis: ReadonlyMap<string, LoadedApi>;
  readonly contracts: ReadonlyMap<string, LoadedContract>;
  /** Operators' Cedar policy files (`policies/**\/*.cedar`), parsed by the authorize stage. */
  readonly policyFiles: readonly PolicyFile[];
  /** Content hash of every file read: the plan version. */
  readonly version: string;
}

const validateGateway = compileSchema<GatewayConfig>(GatewaySchema);
const validateContract = compileSchema<ContractConfig>(ContractSchema);

/**
 * Reads a configuration directory. Files that fail their schema are left out of the
 * result and their issues returned, so the compiler can still cross-check the rest and one
 * `portcullis check` shows everything to fix. `config` is undefined only when the gateway
 * file itself is unusable.
 */
export function loadConfig(dirInput: string): { config: LoadedConfig | undefined; issues: ConfigIssue[] } {
  const dir = resolve(dirInput);
  const issues: ConfigIssue[] = [];
  const hash = createHash('sha256');
  const read = (path: string): SourceFile | undefined => {
    const source = SourceFile.read(path, relative(dir, path) || path);
    if (Array.isArray(source)) {
      issues.push(...source);
      return undefined;
    }
    hash.update(`${source.file}\0${source.text}\0`);
    return source;
  };

  const gatewaySource = read(join(dir, GATEWAY_FILE));
  let gateway: GatewayConfig | undefined;
  if (gatewaySource !== undefined) {
    const result = validateSource(validateGateway, gatewaySource);
    issues.push(...result.issues);
    gateway = result.value;
  }

  const apis = new Map<string, LoadedApi>();
  for (const [name, config] of Object.entries(gateway?.apis ?? {})) {
    const path = resolve(dir, config.openapi);
    const { spec, issues: specIssues } = loadOpenApi(path, relative(dir, path));
    issues.push(...specIssues);
    if (spec === undefined) continue;
    hash.update(`${spec.file}\0${spec.source.text}\0`);
    apis.set(name, { name, config, spec });
  }

  const contracts = new Map<string, LoadedContract>();
  for (const path of contractFiles(dir, issues)) {
    const source = read(path);
    if (source === undefined) continue;
    const { value, issues: contractIssues } = validateSource(validateContract, source);
    issues.push(...contractIssues);
    if (value === undefined) continue;
    const existing = contracts.get(value.partner);
    if (existing !== undefined) {
      issues.push(
        source.issue(
          ['partner'],
          `partner \`${value.partner}\` is already defined in ${existing.source.file}`,
        ),
      );
      continue;
    }
    contracts.set(value.partner, { partner: value.partner, config: value, source });
  }

  const policyFiles = readPolicyFiles(dir, issues);
  for (const policy of policyFiles) hash.update(`${policy.file}\0${policy.text}\0`);

  if (gateway === undefined || gatewaySource === undefined) return { config: undefined, issues };
  return {
    config: {
      dir,
      gateway,
      gatewaySource,
      apis,
      contracts,
      policyFiles,
      version: hash.digest('hex').slice(0, 16),
    },
    issues,
  };
}

function contractFiles(dir: string, issues: ConfigIssue[]): string[] {
  const contractsDir = join(dir, CONTRACTS_DIR);
  try {
    return readdirSync(contractsDir)
      .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
      .sort()
      .map((f) => join(contractsDir, f));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    issues.push({ file: CONTRACTS_DIR, line: 1, column: 1, path: '', message: 'directory not readable' });
    return [];
  }
}
