// An environment's build: its status (kept live by the screen's polling while a build runs),
// the image it produced, its error, and the installer's log, folded, showing its tail.
import type { EnvironmentFieldsFragment } from '../../gql/graphql';

const BUILD_LABELS: Record<string, string> = { NONE: 'not built', BUILDING: 'building', READY: 'ready', FAILED: 'failed' };
export const LOG_TAIL_LINES = 40;

/** The last `lines` lines of a log, and how many were left out before them. */
export function logTail(log: string, lines = LOG_TAIL_LINES): { text: string; omitted: number } {
  const all = log.replace(/\n$/, '').split('\n');
  const omitted = Math.max(0, all.length - lines);
  return { text: all.slice(omitted).join('\n'), omitted };
}

type Build = Pick<EnvironmentFieldsFragment, 'buildStatus' | 'buildError' | 'buildLog' | 'builtImage'>;

export function BuildCell({ environment: e }: { environment: Build }) {
  const tail = e.buildLog ? logTail(e.buildLog) : null;
  return (
    <div data-testid="build" data-build={e.buildStatus}>
      <span className="phase" data-build={e.buildStatus}>
        {BUILD_LABELS[e.buildStatus] ?? e.buildStatus}
      </span>
      {e.builtImage && <div className="muted small">{e.builtImage}</div>}
      {e.buildError && <pre className="error small build-log">{e.buildError}</pre>}
      {tail && (
        <details className="build-log-details">
          <summary>Build log{tail.omitted > 0 ? ` (last ${LOG_TAIL_LINES} lines)` : ''}</summary>
          {tail.omitted > 0 && <div className="muted small">… {tail.omitted} earlier lines</div>}
          <pre className="small build-log">{tail.text}</pre>
        </details>
      )}
    </div>
  );
}
