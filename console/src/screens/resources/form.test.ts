import { expect, test } from 'vitest';
import { fileLocation } from '../Sync';
import { formValues, resourceInput, type FieldSpec } from './form';

const fields: FieldSpec[] = [
  { key: 'name', label: 'Name', required: true },
  { key: 'port', label: 'Port', kind: 'number' },
  { key: 'passwordRef', label: 'Password reference', kind: 'secret' },
  { key: 'database', label: 'Database' },
  { key: 'options', label: 'Options', kind: 'json' },
  { key: 'python.version', label: 'Python version' },
  { key: 'python.packages', label: 'Python packages', kind: 'lines' },
];

test('a resource form becomes the mutation input: numbers, references, lists, JSON, empty fields left out', () => {
  expect(
    resourceInput(fields, {
      name: ' warehouse ',
      port: '5432',
      passwordRef: 'secret:pg-password',
      database: '',
      options: '{"sslmode": "require"}',
      'python.packages': 'pandas==2.2\n\n numpy \n',
    }),
  ).toEqual({
    name: 'warehouse',
    port: 5432,
    passwordRef: { secret: 'pg-password' },
    options: { sslmode: 'require' },
    python: { packages: ['pandas==2.2', 'numpy'] },
  });
  expect(resourceInput(fields, { name: 'w', port: '54.3' })).toBe('Port: not a whole number');
  expect(resourceInput(fields, { name: 'w', passwordRef: 'hunter2' })).toMatch(/^Password reference: /);
  expect(resourceInput(fields, { name: 'w', options: '{sslmode' })).toBe('Options: not valid JSON');
});

test('an existing resource fills the edit form so that saving it unchanged sends the same spec', () => {
  const item = {
    name: 'warehouse',
    port: 5432,
    passwordRef: { secret: 'pg-password', k8sSecretName: null, env: null },
    database: null,
    options: {},
    python: { version: '3.12', packages: ['pandas==2.2', 'numpy'] },
  };
  const values = formValues(fields, item);
  expect(values).toEqual({
    name: 'warehouse',
    port: '5432',
    passwordRef: 'secret:pg-password',
    database: '',
    options: '',
    'python.version': '3.12',
    'python.packages': 'pandas==2.2\nnumpy',
  });
  expect(resourceInput(fields, values)).toEqual({
    name: 'warehouse',
    port: 5432,
    passwordRef: { secret: 'pg-password' },
    python: { version: '3.12', packages: ['pandas==2.2', 'numpy'] },
  });
});

test('sync file results read as file:line:column', () => {
  expect(fileLocation({ path: 'workflows.d/a.yaml', line: 3, column: 7 })).toBe('workflows.d/a.yaml:3:7');
  expect(fileLocation({ path: 'workflows.d/a.yaml', line: 3 })).toBe('workflows.d/a.yaml:3');
  expect(fileLocation({ path: 'workflows.d/a.yaml', line: null })).toBe('workflows.d/a.yaml');
});
