// A workflow's definition as the YAML a person reads and edits in the console, and back to the
// `UpdateWorkflowInput` the API takes. Enum values are written in lower case, as in
// workflows.d/ files; nulls and empty parts are left out so the text stays short.
import { parseDocument, stringify } from 'yaml';
import type { EdgeKind, TriggerType, UpdateWorkflowInput } from '../gql/graphql';

/** A workflow's saved deployment settings (the definition's `deployment`). */
export interface DeploymentSettingsLike {
  environment: string;
  cpu: number;
  memory: string;
  disk: string;
  gpu: number;
  gpuType?: string | null;
  autoscale?: { min: number; max: number } | null;
}

export interface DefinitionSource {
  description: string;
  tags: string[];
  trigger: { type: TriggerType; cron?: string | null; timezone: string };
  settings: { maxAttempts: number; timeoutSeconds?: number | null; nodeTimeoutSeconds?: number | null; concurrency?: number | null };
  deploymentSettings?: DeploymentSettingsLike | null;
  nodes: {
    id: string;
    type: string;
    params: unknown;
    dataSource?: string | null;
    model?: string | null;
    addOn?: string | null;
    retry?: { maxAttempts: number; backoffSeconds: number } | null;
  }[];
  connections: { from: string; to: string; on: EdgeKind }[];
}

/** Drops null and undefined members (and __typename), recursively through plain objects. */
export function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === null || member === undefined || key === '__typename') continue;
    out[key] = compact(member);
  }
  return out;
}

export function definitionObject(w: DefinitionSource): Record<string, unknown> {
  const nodes = w.nodes.map((node) => {
    const params = node.params && typeof node.params === 'object' && Object.keys(node.params).length === 0 ? null : node.params;
    return compact({ ...node, params });
  });
  return compact({
    description: w.description || null,
    tags: w.tags.length ? w.tags : null,
    trigger: { ...w.trigger, type: w.trigger.type.toLowerCase() },
    settings: w.settings,
    deployment: w.deploymentSettings,
    nodes,
    connections: w.connections.map((c) => (c.on === 'SUCCESS' ? { from: c.from, to: c.to } : { ...c, on: c.on.toLowerCase() })),
  }) as Record<string, unknown>;
}

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

export function definitionYaml(w: DefinitionSource): string {
  return toYaml(definitionObject(w));
}

export class DefinitionError extends Error {}

function record(value: unknown, where: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new DefinitionError(`${where}: expected a mapping`);
  return value as Record<string, unknown>;
}

function upper(value: unknown): unknown {
  return typeof value === 'string' ? value.toUpperCase() : value;
}

/** The edited text as the input of `updateWorkflow`; DefinitionError (with `line:column`) when
 * it is not YAML or not a mapping. The API checks everything else and answers InvalidInput. */
export function parseDefinition(text: string): UpdateWorkflowInput {
  const doc = parseDocument(text, { prettyErrors: true });
  const problem = doc.errors[0];
  if (problem) {
    const at = problem.linePos?.[0];
    throw new DefinitionError(at ? `line ${at.line}:${at.col}: ${problem.message.split('\n')[0]}` : problem.message);
  }
  const root = record(doc.toJS(), 'the definition');
  const input: Record<string, unknown> = {};
  for (const key of ['description', 'tags', 'settings', 'deployment', 'nodes'] as const) {
    if (key in root) input[key] = root[key];
  }
  if ('trigger' in root) {
    const trigger = record(root.trigger, 'trigger');
    input.trigger = { ...trigger, type: upper(trigger.type ?? 'manual') };
  }
  if ('connections' in root) {
    if (!Array.isArray(root.connections)) throw new DefinitionError('connections: expected a list');
    input.connections = root.connections.map((c: unknown, i: number) => {
      const connection = record(c, `connections.${i}`);
      return { ...connection, on: upper(connection.on ?? 'success') };
    });
  }
  return input as UpdateWorkflowInput;
}
