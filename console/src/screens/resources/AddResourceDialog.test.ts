import { expect, test } from 'vitest';
import { fileLocation } from '../Sync';
import { resourceInput, type FieldSpec } from './AddResourceDialog';

const fields: FieldSpec[] = [
  { key: 'name', label: 'Name', required: true },
  { key: 'port', label: 'Port', kind: 'number' },
  { key: 'passwordRef', label: 'Password reference', kind: 'secret' },
  { key: 'database', label: 'Database' },
];

test('a resource form becomes the mutation input: numbers, references, empty fields left out', () => {
  expect(resourceInput(fields, { name: ' warehouse ', port: '5432', passwordRef: 'secret:pg/password', database: '' })).toEqual({
    name: 'warehouse',
    port: 5432,
    passwordRef: { secretName: 'pg', secretKey: 'password' },
  });
  expect(resourceInput(fields, { name: 'w', port: '54.3' })).toBe('Port: not a whole number');
  expect(resourceInput(fields, { name: 'w', passwordRef: 'hunter2' })).toMatch(/^Password reference: /);
});

test('sync file results read as file:line:column', () => {
  expect(fileLocation({ path: 'workflows.d/a.yaml', line: 3, column: 7 })).toBe('workflows.d/a.yaml:3:7');
  expect(fileLocation({ path: 'workflows.d/a.yaml', line: 3 })).toBe('workflows.d/a.yaml:3');
  expect(fileLocation({ path: 'workflows.d/a.yaml', line: null })).toBe('workflows.d/a.yaml');
});
