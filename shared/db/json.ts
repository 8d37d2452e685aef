/** A value PostgreSQL stores in a `jsonb` column as it is (no Dates, no undefined). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A `jsonb` object: per-method state and attributes that are not secret. */
export type JsonObject = { [key: string]: JsonValue };
