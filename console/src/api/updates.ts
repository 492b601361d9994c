// How mutation results and events change lists graphcache cannot update by itself: a new
// workflow joins the workflow lists and a new execution the execution lists (they are fetched
// again), a deleted workflow leaves every list and screen; a secret set or deleted changes the
// secret list (fetched again: it is sorted by name on the server).
import type { Cache, UpdatesConfig } from '@urql/exchange-graphcache';

/** Drops every cached page of a root list field, whatever its arguments: the next read of
 * it goes to the network, so a new item shows up in the place the server sorts it. */
export function invalidateList(cache: Cache, field: string): void {
  for (const entry of cache.inspectFields('Query')) {
    if (entry.fieldName === field) cache.invalidate('Query', entry.fieldName, entry.arguments ?? undefined);
  }
}

function typename(result: Record<string, unknown>, field: string): string | undefined {
  const member = result[field] as { __typename?: string } | null | undefined;
  return member?.__typename;
}

const workflowCreated = (field: string) => (result: Record<string, unknown>, _args: unknown, cache: Cache) => {
  if (typename(result, field) !== 'Workflow') return;
  invalidateList(cache, 'workflows');
  invalidateList(cache, 'templates');
};

const executionCreated = (field: string) => (result: Record<string, unknown>, _args: unknown, cache: Cache) => {
  if (typename(result, field) === 'Execution') invalidateList(cache, 'executions');
};

export const updates: UpdatesConfig = {
  Subscription: {
    executionsUpdated(result, _args, cache) {
      const event = result.executionsUpdated as { __typename?: string; kind?: string } | null;
      // READY: the feed starts here; what changed before it (since the list was read) is in no
      // event, so the list is read again. CREATED: a new run, placed where the server sorts it.
      if (event?.__typename === 'ExecutionEvent' && (event.kind === 'CREATED' || event.kind === 'READY')) {
        invalidateList(cache, 'executions');
      }
    },
  },
  Mutation: {
    runWorkflow: executionCreated('runWorkflow'),
    retryExecution: executionCreated('retryExecution'),
    createWorkflow: workflowCreated('createWorkflow'),
    cloneWorkflow: workflowCreated('cloneWorkflow'),
    createTemplate: workflowCreated('createTemplate'),
    createWorkflowFromTemplate: workflowCreated('createWorkflowFromTemplate'),
    setSecret(result, _args, cache) {
      if (typename(result, 'setSecret') === 'Secret') invalidateList(cache, 'secrets');
    },
    deleteSecret(result, _args, cache) {
      const deleted = result.deleteSecret as { __typename?: string; deletedId?: string } | null;
      if (deleted?.__typename !== 'SecretDeleted' || !deleted.deletedId) return;
      cache.invalidate({ __typename: 'Secret', id: deleted.deletedId });
      invalidateList(cache, 'secrets');
    },
    deleteWorkflow(result, _args, cache) {
      const deleted = result.deleteWorkflow as { __typename?: string; deletedId?: string } | null;
      if (deleted?.__typename !== 'WorkflowDeleted' || !deleted.deletedId) return;
      cache.invalidate({ __typename: 'Workflow', id: deleted.deletedId });
    },
  },
};
