import type { ExecutionStatus, SpanStatus } from '../gql/graphql';

/** An execution's or a span's status as a coloured pill (colour by `data-status`). */
export function ExecutionStatusBadge({ status }: { status: ExecutionStatus | SpanStatus }) {
  return (
    <span className="badge run" data-status={status}>
      {status.toLowerCase()}
    </span>
  );
}
