import { describe, expect, it } from 'vitest';
import { errorCatalog } from '../../shared/errors/catalog.ts';
import { HTTP_METHODS, loadSpec, type ResponseObject } from '../helpers/openapi-contract.ts';

const catalog = Object.values(errorCatalog);
const byCode = new Map<string, (typeof catalog)[number]>(catalog.map((entry) => [entry.code, entry]));

type Json = Record<string, unknown>;

function resolveRef<T>(value: unknown): T {
  const ref = (value as { $ref?: string }).$ref;
  if (!ref) return value as T;
  const [, , kind, name] = ref.split('/');
  return loadSpec().components[kind!]![name!] as T;
}

/** The codes a problem+json response lists: the `enum` narrowing `code` in its schema. */
function listedCodes(response: ResponseObject): string[] | undefined {
  const schema = response.content?.['application/problem+json']?.schema as { allOf?: Json[] } | undefined;
  if (!schema) return undefined;
  for (const part of schema.allOf ?? []) {
    const code = (part.properties as Json | undefined)?.code as { enum?: string[] } | undefined;
    if (code?.enum) return code.enum;
  }
  return [];
}

/** Every documented response: `METHOD path status` with the response object. */
function documentedResponses(): { where: string; status: string; response: ResponseObject }[] {
  const found = [];
  for (const [path, item] of Object.entries(loadSpec().paths)) {
    for (const method of HTTP_METHODS) {
      for (const [status, raw] of Object.entries(item[method]?.responses ?? {})) {
        found.push({ where: `${method.toUpperCase()} ${path} ${status}`, status, response: resolveRef<ResponseObject>(raw) });
      }
    }
  }
  return found;
}

describe('error codes in openapi.yaml', () => {
  it('ErrorCode lists exactly the codes of the catalog', () => {
    const spec = loadSpec().components.schemas!.ErrorCode as { enum: string[] };
    expect([...spec.enum].sort()).toEqual(catalog.map((entry) => entry.code).sort());
  });

  it("ErrorCode's table gives every code the catalog's status and title", () => {
    const description = (loadSpec().components.schemas!.ErrorCode as { description: string }).description;
    const rows = [...description.matchAll(/^\| (VER_\d{4}) \| (\d{3}) \| (.+) \|$/gm)].map(([, code, status, title]) => ({
      code,
      status: Number(status),
      title,
    }));
    expect(rows).toEqual(catalog.map(({ code, status, title }) => ({ code, status, title })));
  });

  it('every problem response lists the codes it can carry, each of that status', () => {
    const mismatched: string[] = [];
    for (const { where, status, response } of documentedResponses()) {
      const codes = listedCodes(response);
      if (codes === undefined) continue;
      if (codes.length === 0) mismatched.push(`${where}: no code enum`);
      for (const code of codes) {
        const entry = byCode.get(code);
        if (!entry || String(entry.status) !== status) mismatched.push(`${where}: ${code} is ${entry?.status ?? 'not in the catalog'}`);
      }
    }
    expect(mismatched).toEqual([]);
  });

  it('every problem example uses its code, title, status and type', () => {
    const wrong: string[] = [];
    for (const { where, response } of documentedResponses()) {
      const media = response.content?.['application/problem+json'];
      for (const [name, raw] of Object.entries(media?.examples ?? {})) {
        const example = resolveRef<{ value: Json }>(raw).value;
        const entry = byCode.get(String(example.code));
        const expected = entry && { status: entry.status, title: entry.title, type: `urn:verification-srv:problem:${entry.code}` };
        if (!expected || JSON.stringify({ status: example.status, title: example.title, type: example.type }) !== JSON.stringify(expected)) {
          wrong.push(`${where} example ${name}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('documents every error response as problem+json (except readiness, which reports its checks)', () => {
    const wrong = documentedResponses()
      .filter(({ status, response }) => /^[45]/.test(status) && !response.content?.['application/problem+json'])
      .filter(({ where }) => !where.startsWith('GET /readyz 503'))
      .map(({ where }) => where);
    expect(wrong).toEqual([]);
  });
});
