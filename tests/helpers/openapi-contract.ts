import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats, { type FormatsPlugin } from 'ajv-formats';
import { parse } from 'yaml';

/** The contract every response of the service must keep. */
export const SPEC_FILE = fileURLToPath(new URL('../../openapi.yaml', import.meta.url));

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface Reference {
  $ref: string;
}
export interface HeaderObject {
  required?: boolean;
  schema?: Record<string, unknown>;
}
export interface MediaTypeObject {
  schema?: Record<string, unknown>;
  examples?: Record<string, unknown>;
}
export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaTypeObject>;
}
export interface OperationObject {
  operationId?: string;
  requestBody?: unknown;
  responses: Record<string, ResponseObject | Reference>;
}
export type PathItem = Partial<Record<HttpMethod, OperationObject>> & { parameters?: unknown[] };
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, PathItem>;
  components: Record<string, Record<string, unknown>>;
}

let cachedSpec: OpenApiDocument | undefined;

/** The parsed openapi.yaml (read once per test worker). */
export function loadSpec(): OpenApiDocument {
  cachedSpec ??= parse(readFileSync(SPEC_FILE, 'utf8')) as OpenApiDocument;
  return cachedSpec;
}

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const isReference = (value: unknown): value is Reference =>
  typeof value === 'object' && value !== null && typeof (value as Reference).$ref === 'string';

/** Follows a local `$ref` (`#/components/...`), returning the object and its JSON pointer. */
function resolve<T>(value: T | Reference, pointer: string): { value: T; pointer: string } {
  let current: unknown = value;
  let at = pointer;
  while (isReference(current)) {
    at = current.$ref.replace(/^#/, '');
    current = at
      .split('/')
      .slice(1)
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')], loadSpec());
    if (current === undefined) throw new Error(`openapi.yaml: unresolved $ref ${at}`);
  }
  return { value: current as T, pointer: at };
}

// ---------------------------------------------------------------------------------------------
// Which operation a request addresses

interface PathMatcher {
  template: string;
  regex: RegExp;
  literalSegments: number;
}

let matchers: PathMatcher[] | undefined;

/** Matches paths the way the Koa router does: case-insensitive, optional trailing slash, one segment per parameter. */
function pathMatchers(): PathMatcher[] {
  matchers ??= Object.keys(loadSpec().paths).map((template) => {
    const segments = template.split('/').slice(1);
    const source = segments
      .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return {
      template,
      regex: new RegExp(`^/${source}/?$`, 'i'),
      literalSegments: segments.filter((segment) => !segment.startsWith('{')).length,
    };
  });
  return matchers;
}

export type OperationMatch =
  | { kind: 'operation'; template: string; method: HttpMethod; operation: OperationObject; pointer: string }
  | { kind: 'method-not-described'; templates: string[]; allow: string[] }
  | { kind: 'path-not-described' };

/**
 * The operation the spec describes for `method` on `pathname`: concrete paths win over
 * templated ones (OpenAPI's rule, and the order the routers are declared in). HEAD is the GET
 * operation without a body, as the router answers it.
 */
export function matchOperation(method: string, pathname: string): OperationMatch {
  const spec = loadSpec();
  const candidates = pathMatchers()
    .filter((m) => m.regex.test(pathname))
    .sort((a, b) => b.literalSegments - a.literalSegments);
  if (candidates.length === 0) return { kind: 'path-not-described' };
  const wanted = method.toLowerCase() as HttpMethod;
  const lookup: HttpMethod = wanted === 'head' ? 'get' : wanted;
  for (const { template } of candidates) {
    const operation = spec.paths[template]![lookup];
    if (operation) {
      return { kind: 'operation', template, method: lookup, operation, pointer: `/paths/${escapePointer(template)}/${lookup}` };
    }
  }
  const allow = new Set<string>();
  for (const { template } of candidates) {
    for (const m of HTTP_METHODS) if (spec.paths[template]![m]) allow.add(m.toUpperCase());
  }
  if (allow.has('GET')) allow.add('HEAD');
  return { kind: 'method-not-described', templates: candidates.map((c) => c.template), allow: [...allow].sort() };
}

// ---------------------------------------------------------------------------------------------
// Validating a response

// ajv-formats is CommonJS: Node's ESM loader hands over the plugin itself as the default export.
const addFormats = (typeof ajvFormats === 'function' ? ajvFormats : ajvFormats.default) as FormatsPlugin;

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

/** A validator for the schema at `pointer` inside openapi.yaml (refs resolve within the document). */
export function schemaValidator(pointer: string): ValidateFunction {
  if (!ajv) {
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(loadSpec() as unknown as Record<string, unknown>, 'openapi.yaml');
  }
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `openapi.yaml#${pointer}` });
    validators.set(pointer, validate);
  }
  return validate;
}

const describeErrors = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ');

export interface ObservedRequest {
  method: string;
  url: string;
}

export interface ObservedResponse {
  status: number;
  headers: Headers;
  /** The raw body. */
  text: string;
}

const PROBLEM_POINTER = '/components/schemas/Problem';
const JSON_MEDIA = /^application\/(?:[\w.+-]+\+)?json$/;

function mediaTypeOf(headers: Headers): string {
  return (headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A problem+json body with the given status and code, valid against the Problem schema. */
function checkProblem(req: ObservedRequest, res: ObservedResponse, status: number, code: string): string[] {
  if (res.status !== status) return [`expected ${status} ${code}, got ${res.status}`];
  if (mediaTypeOf(res.headers) !== 'application/problem+json') return [`expected application/problem+json, got "${mediaTypeOf(res.headers)}"`];
  if (req.method.toUpperCase() === 'HEAD') return [];
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return ['the body is not JSON'];
  }
  const validate = schemaValidator(PROBLEM_POINTER);
  if (!validate(body)) return [`the body does not match Problem: ${describeErrors(validate.errors)}`];
  return (body as { code: string }).code === code ? [] : [`expected code ${code}, got ${(body as { code: string }).code}`];
}

function sameMethods(allowHeader: string | null, expected: string[]): boolean {
  const actual = (allowHeader ?? '').split(',').map((m) => m.trim().toUpperCase()).filter(Boolean).sort();
  return actual.join(',') === expected.join(',');
}

function checkHeaders(response: ResponseObject, pointer: string, res: ObservedResponse): string[] {
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(response.headers ?? {})) {
    if (name.toLowerCase() === 'content-type') continue;
    const { value: header, pointer: headerPointer } = resolve<HeaderObject>(raw, `${pointer}/headers/${escapePointer(name)}`);
    const actual = res.headers.get(name);
    if (actual === null) {
      if (header.required) problems.push(`the required header ${name} is missing`);
      continue;
    }
    if (!header.schema) continue;
    const validate = schemaValidator(`${headerPointer}/schema`);
    const value = header.schema.type === 'integer' && /^-?\d+$/.test(actual) ? Number(actual) : actual;
    if (!validate(value)) problems.push(`header ${name}: ${JSON.stringify(actual)} ${describeErrors(validate.errors)}`);
  }
  return problems;
}

function checkBody(response: ResponseObject, pointer: string, req: ObservedRequest, res: ObservedResponse): string[] {
  const media = mediaTypeOf(res.headers);
  if (!response.content) {
    return res.text === '' ? [] : [`the spec describes no body, got ${media || 'an untyped body'}: ${res.text.slice(0, 200)}`];
  }
  const documented = Object.keys(response.content);
  if (!response.content[media]) return [`content type "${media}" is not documented (documented: ${documented.join(', ')})`];
  if (req.method.toUpperCase() === 'HEAD') return [];
  if (!JSON_MEDIA.test(media)) return [];
  let body: unknown;
  try {
    body = JSON.parse(res.text);
  } catch {
    return [`the body is not JSON: ${res.text.slice(0, 200)}`];
  }
  const validate = schemaValidator(`${pointer}/content/${escapePointer(media)}/schema`);
  return validate(body) ? [] : [`the body does not match the schema: ${describeErrors(validate.errors)}; body: ${res.text.slice(0, 500)}`];
}

/**
 * Everything in which `res` departs from openapi.yaml for the request that produced it; empty
 * when it conforms. A path or method the spec does not describe must be answered as the service
 * answers unknown routes (404 VER_0005, 405 VER_0006 with the right `Allow`); OPTIONS is the
 * router's own answer listing the described methods. A 404 VER_0005 is accepted anywhere, as a
 * process running only some of the services answers the others' paths with it.
 */
export function contractViolations(req: ObservedRequest, res: ObservedResponse): string[] {
  const { pathname } = new URL(req.url);
  const method = req.method.toUpperCase();
  const match = matchOperation(method, pathname);

  if (match.kind === 'path-not-described') return checkProblem(req, res, 404, 'VER_0005');
  if (match.kind === 'method-not-described') {
    if (method === 'OPTIONS') {
      if (res.status !== 200 && res.status !== 204) return [`OPTIONS answered ${res.status}`];
      return sameMethods(res.headers.get('allow'), match.allow)
        ? []
        : [`Allow is "${res.headers.get('allow')}", the spec describes ${match.allow.join(', ')}`];
    }
    const problems = checkProblem(req, res, 405, 'VER_0006');
    if (problems.length === 0 && !sameMethods(res.headers.get('allow'), match.allow)) {
      problems.push(`Allow is "${res.headers.get('allow')}", the spec describes ${match.allow.join(', ')}`);
    }
    return problems;
  }

  if (res.status === 404 && checkProblem(req, res, 404, 'VER_0005').length === 0) return [];
  const responses = match.operation.responses;
  const key = [String(res.status), `${String(res.status)[0]}XX`, 'default'].find((k) => responses[k] !== undefined);
  if (key === undefined) return [`status ${res.status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
  const { value: response, pointer } = resolve<ResponseObject>(responses[key]!, `${match.pointer}/responses/${key}`);
  return [...checkHeaders(response, pointer, res), ...checkBody(response, pointer, req, res)];
}

/** Throws, naming the operation and every violation, when `res` departs from openapi.yaml. */
export function assertMatchesContract(req: ObservedRequest, res: ObservedResponse): void {
  const problems = contractViolations(req, res);
  if (problems.length === 0) return;
  const { pathname } = new URL(req.url);
  const match = matchOperation(req.method, pathname);
  const where = match.kind === 'operation' ? `${match.method.toUpperCase()} ${match.template}` : `${req.method.toUpperCase()} ${pathname}`;
  throw new Error(`response ${res.status} to ${where} breaks openapi.yaml:\n  - ${problems.join('\n  - ')}`);
}
