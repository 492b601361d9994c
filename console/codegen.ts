// Typed documents from the repository's schema.graphql (the SDL the API is built from).
// `npm run codegen` writes src/gql/; `npm run codegen:check` fails when it is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: false,
        scalars: { DateTime: 'string', Cursor: 'string', JSON: 'unknown' },
      },
    },
    // What graphcache needs to match fragments on unions and interfaces (result unions).
    'src/gql/introspection.ts': {
      plugins: ['urql-introspection'],
      config: { module: 'es2015', useTypeImports: true },
    },
  },
};

export default config;
