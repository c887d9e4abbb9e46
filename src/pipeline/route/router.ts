import type { OperationSpec, TemplateSegment } from '../../config/openapi.ts';

/** What a route leads to: one operation of one API. */
export interface RouteTarget {
  readonly api: string;
  readonly operation: OperationSpec;
  /** Gateway-side path template (base path included), for logs and audit. */
  readonly template: string;
  /** Parameter names in the order their values are captured. */
  readonly paramNames: readonly string[];
}

export interface RouteMatch {
  readonly target: RouteTarget;
  readonly params: Readonly<Record<string, string>>;
}

/** A path matched but not with this method; `allow` lists the methods that would. */
export interface MethodMismatch {
  readonly allow: string;
}

interface PatternEdge {
  readonly regex: RegExp;
  readonly node: TrieNode;
}

class TrieNode {
  readonly literals = new Map<string, TrieNode>();
  readonly patterns: PatternEdge[] = [];
  param: TrieNode | undefined;
  methods: Map<string, RouteTarget> | undefined;
}

/**
 * The routes of one host: a segment trie. At each segment a literal beats a patterned
 * segment, which beats a whole-segment parameter (OpenAPI: concrete paths match first).
 */
export class HostRoutes {
  readonly #root = new TrieNode();

  /** Adds a route; returns the target already registered for the same method and shape. */
  add(segments: readonly TemplateSegment[], method: string, target: RouteTarget): RouteTarget | undefined {
    let node = this.#root;
    for (const segment of segments) {
      if (segment.kind === 'literal') {
        let next = node.literals.get(segment.value);
        if (next === undefined) {
          next = new TrieNode();
          node.literals.set(segment.value, next);
        }
        node = next;
      } else if (segment.kind === 'param') {
        node.param ??= new TrieNode();
        node = node.param;
      } else {
        let edge = node.patterns.find((p) => p.regex.source === segment.regex.source);
        if (edge === undefined) {
          edge = { regex: segment.regex, node: new TrieNode() };
          node.patterns.push(edge);
        }
        node = edge.node;
      }
    }
    node.methods ??= new Map();
    const existing = node.methods.get(method);
    if (existing !== undefined) return existing;
    node.methods.set(method, target);
    return undefined;
  }

  match(method: string, segments: readonly string[]): RouteMatch | MethodMismatch | undefined {
    const values: string[] = [];
    const node = walk(this.#root, segments, 0, values);
    if (node === undefined) return undefined;
    const target = node.methods!.get(method);
    if (target === undefined) return { allow: [...node.methods!.keys()].sort().join(', ') };
    if (values.length === 0) return { target, params: EMPTY_PARAMS };
    const params: Record<string, string> = {};
    for (let i = 0; i < values.length; i++) params[target.paramNames[i]!] = values[i]!;
    return { target, params };
  }
}

const EMPTY_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function walk(
  node: TrieNode,
  segments: readonly string[],
  i: number,
  values: string[],
): TrieNode | undefined {
  if (i === segments.length) return node.methods === undefined ? undefined : node;
  const segment = segments[i]!;
  const literal = node.literals.get(segment);
  if (literal !== undefined) {
    const found = walk(literal, segments, i + 1, values);
    if (found !== undefined) return found;
  }
  if (segment === '') return undefined;
  for (const edge of node.patterns) {
    const m = edge.regex.exec(segment);
    if (m === null) continue;
    const mark = values.length;
    for (let g = 1; g < m.length; g++) values.push(m[g]!);
    const found = walk(edge.node, segments, i + 1, values);
    if (found !== undefined) return found;
    values.length = mark;
  }
  if (node.param !== undefined) {
    values.push(segment);
    const found = walk(node.param, segments, i + 1, values);
    if (found !== undefined) return found;
    values.pop();
  }
  return undefined;
}

/** Routes of every configured host; a `name:port` entry beats a bare `name` one. */
export class RouteTable {
  readonly #exact = new Map<string, HostRoutes>();
  readonly #anyPort = new Map<string, HostRoutes>();

  /** The routes for a configured host entry (already normalised), created on first use. */
  routesFor(entry: string): HostRoutes {
    const map = hasPort(entry) ? this.#exact : this.#anyPort;
    let routes = map.get(entry);
    if (routes === undefined) {
      routes = new HostRoutes();
      map.set(entry, routes);
    }
    return routes;
  }

  /** Routes for a request's normalised Host value, or undefined if the host is not served. */
  lookup(host: string): HostRoutes | undefined {
    return this.#exact.get(host) ?? this.#anyPort.get(stripPort(host));
  }
}

function hasPort(host: string): boolean {
  return stripPort(host) !== host;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
