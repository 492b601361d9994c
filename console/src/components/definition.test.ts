import { expect, test } from 'vitest';
import { DefinitionError, definitionYaml, parseDefinition, type DefinitionSource } from './definition';

const workflow: DefinitionSource = {
  description: 'Greets',
  tags: ['demo'],
  trigger: { type: 'MANUAL', cron: null, timezone: 'UTC' },
  settings: { maxAttempts: 3, timeoutSeconds: null, nodeTimeoutSeconds: null, concurrency: 1 },
  deploymentSettings: null,
  nodes: [
    { id: 'check', type: 'condition', params: { expression: 'input.ok' }, dataSource: null, model: null, addOn: null, retry: null },
    { id: 'done', type: 'transform', params: { value: 'Hello {{ input.name }}' } },
  ],
  connections: [
    { from: 'check', to: 'done', on: 'TRUE' },
    { from: 'done', to: 'check', on: 'SUCCESS' },
  ],
};

test('the definition reads as workflows.d YAML: lower-case enums, no nulls', () => {
  const text = definitionYaml(workflow);
  expect(text).toContain('type: manual');
  expect(text).toContain('on: "true"');
  expect(text).not.toContain('null');
  expect(text).not.toContain('deployment');
  expect(text).toContain('value: Hello {{ input.name }}');
});

test('the YAML parses back to the update input the API takes', () => {
  const input = parseDefinition(definitionYaml(workflow));
  expect(input.trigger).toEqual({ type: 'MANUAL', timezone: 'UTC' });
  expect(input.connections).toEqual([
    { from: 'check', to: 'done', on: 'TRUE' },
    { from: 'done', to: 'check', on: 'SUCCESS' },
  ]);
  expect(input.nodes?.[0]).toEqual({ id: 'check', type: 'condition', params: { expression: 'input.ok' } });
  expect(input.tags).toEqual(['demo']);
});

test('broken YAML is refused with its line and column', () => {
  expect(() => parseDefinition('nodes:\n  - id: a\n   type: x\n')).toThrow(/^line 3:/);
  expect(() => parseDefinition('- a list')).toThrow(DefinitionError);
  expect(() => parseDefinition('connections: 3')).toThrow('connections: expected a list');
});
