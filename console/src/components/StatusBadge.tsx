import type { WorkflowStatus } from '../gql/graphql';

const LABELS: Record<WorkflowStatus, string> = {
  DRAFT: 'draft',
  ACTIVE: 'active',
  PAUSED: 'paused',
  ARCHIVED: 'archived',
};

/** A workflow's status as a coloured pill (colour by the `data-status` attribute). */
export function StatusBadge({ status }: { status: WorkflowStatus }) {
  return (
    <span className="badge" data-status={status}>
      {LABELS[status] ?? String(status).toLowerCase()}
    </span>
  );
}
