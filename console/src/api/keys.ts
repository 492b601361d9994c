// Graphcache keys derived from the schema: an object type with an `id` is an entity (keyed by
// `__typename:id`); one without is embedded in its parent (PageInfo, edges, settings...).
// Derived, not listed, so the cache follows schema.graphql as it changes.
import type { KeyingConfig } from '@urql/exchange-graphcache';
import type { IntrospectionQuery } from 'graphql';

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

export function embeddedKeys(schema: IntrospectionQuery): KeyingConfig {
  const keys: KeyingConfig = {};
  for (const type of schema.__schema.types) {
    if (type.kind !== 'OBJECT' || ROOTS.has(type.name) || type.name.startsWith('__')) continue;
    if (!type.fields.some((field) => field.name === 'id')) keys[type.name] = () => null;
  }
  return keys;
}
