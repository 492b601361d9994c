// The four kinds of resource the Resources screen lists: their columns, their form's fields
// (the `<Kind>Input` of the API) and their create, update and delete mutations.
import type { ReactNode } from 'react';
import type { TypedDocumentNode } from 'urql';
import type { ResourceListsQuery } from '../../gql/graphql';
import { LiveBuildCell } from './BuildCell';
import {
  CreateAddOn,
  CreateDataSource,
  CreateEnvironment,
  CreateModel,
  DeleteAddOn,
  DeleteDataSource,
  DeleteEnvironment,
  DeleteModel,
  UpdateAddOn,
  UpdateDataSource,
  UpdateEnvironment,
  UpdateModel,
} from './documents';
import type { FieldSpec } from './form';
import { describeSecretRef } from './secretRef';

export interface Item {
  id: string;
  name: string;
  managedBy: string;
  sourcePath?: string | null;
}

export interface Kind<T extends Item> {
  key: string;
  title: string;
  singular: string;
  items(data: ResourceListsQuery): T[];
  total(data: ResourceListsQuery): number;
  columns: [string, (item: T) => ReactNode][];
  fields: FieldSpec[];
  create: TypedDocumentNode<Record<string, unknown>, { input: never }>;
  update: TypedDocumentNode<Record<string, unknown>, { id: string; input: never }>;
  remove: TypedDocumentNode<Record<string, unknown>, { id: string }>;
}

type Env = ResourceListsQuery['environments']['nodes'][number];
type Source = ResourceListsQuery['dataSources']['nodes'][number];
type AddOn = ResourceListsQuery['addOns']['nodes'][number];
type Model = ResourceListsQuery['models']['nodes'][number];

function runtime(e: Env): string {
  const base = e.image ?? e.baseImage ?? (e.dockerfile ? 'Dockerfile' : 'base image');
  return e.python ? `${base} + python ${e.python.version ?? ''} (${e.python.packages.length} packages)` : base;
}

export const KINDS = [
  {
    key: 'environments',
    title: 'Environments',
    singular: 'environment',
    items: (d) => d.environments.nodes,
    total: (d) => d.environments.totalCount,
    columns: [
      ['Runtime', (e) => <code>{runtime(e)}</code>],
      ['Build', (e) => <LiveBuildCell environment={e} />],
    ],
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'image', label: 'Image', placeholder: 'registry/image:tag' },
      { key: 'baseImage', label: 'Base image' },
      { key: 'dockerfile', label: 'Dockerfile', kind: 'textarea' },
      { key: 'python.version', label: 'Python version', placeholder: '3.12' },
      { key: 'python.packages', label: 'Python packages', kind: 'lines', placeholder: 'one requirement a line: pandas==2.2' },
    ],
    create: CreateEnvironment,
    update: UpdateEnvironment,
    remove: DeleteEnvironment,
  } as Kind<Env>,
  {
    key: 'data-sources',
    title: 'Data sources',
    singular: 'data source',
    items: (d) => d.dataSources.nodes,
    total: (d) => d.dataSources.totalCount,
    columns: [
      ['Type', (s) => s.type],
      ['Where', (s) => <code>{`${s.user ? `${s.user}@` : ''}${s.host ?? ''}${s.port ? `:${s.port}` : ''}/${s.database ?? ''}`}</code>],
      ['Password', (s) => <code>{describeSecretRef(s.passwordRef)}</code>],
    ],
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'type', label: 'Type', required: true, placeholder: 'postgres' },
      { key: 'host', label: 'Host', required: true },
      { key: 'port', label: 'Port', kind: 'number' },
      { key: 'database', label: 'Database' },
      { key: 'user', label: 'User' },
      { key: 'passwordRef', label: 'Password', kind: 'secret' },
      { key: 'options', label: 'Options (JSON)', kind: 'json', placeholder: '{"sslmode": "require"}' },
    ],
    create: CreateDataSource,
    update: UpdateDataSource,
    remove: DeleteDataSource,
  } as Kind<Source>,
  {
    key: 'add-ons',
    title: 'Add-ons',
    singular: 'add-on',
    items: (d) => d.addOns.nodes,
    total: (d) => d.addOns.totalCount,
    columns: [
      ['Type', (a) => a.type],
      ['Endpoint', (a) => <code>{a.endpoint}</code>],
      ['Credentials', (a) => <code>{describeSecretRef(a.credentialsRef)}</code>],
    ],
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'type', label: 'Type', required: true, placeholder: 'redis' },
      { key: 'endpoint', label: 'Endpoint' },
      { key: 'credentialsRef', label: 'Credentials', kind: 'secret' },
      { key: 'config', label: 'Config (JSON)', kind: 'json' },
    ],
    create: CreateAddOn,
    update: UpdateAddOn,
    remove: DeleteAddOn,
  } as Kind<AddOn>,
  {
    key: 'models',
    title: 'Models',
    singular: 'model',
    items: (d) => d.models.nodes,
    total: (d) => d.models.totalCount,
    columns: [
      ['Provider', (m) => m.provider],
      ['Model', (m) => <code>{m.model}</code>],
      ['Base URL', (m) => m.baseUrl ?? '—'],
      ['API key', (m) => <code>{describeSecretRef(m.apiKeyRef)}</code>],
    ],
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'provider', label: 'Provider', required: true, placeholder: 'openai' },
      { key: 'model', label: 'Model', required: true },
      { key: 'baseUrl', label: 'Base URL' },
      { key: 'apiKeyRef', label: 'API key', kind: 'secret' },
    ],
    create: CreateModel,
    update: UpdateModel,
    remove: DeleteModel,
  } as Kind<Model>,
] as unknown as Kind<Item>[]; // each kind is typed above; the screen treats them alike
