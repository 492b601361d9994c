// An environment's build: its status, the image it produced, its error, and the installer's
// log, folded, showing its tail. `LiveBuildCell` follows the build as it happens through the
// `environmentUpdated` subscription (status changes and the log's tail while pip writes).
import { useSubscription } from 'urql';
import type { EnvironmentFieldsFragment, EnvironmentLiveSubscription } from '../../gql/graphql';
import { EnvironmentLive } from './documents';

const BUILD_LABELS: Record<string, string> = { NONE: 'not built', BUILDING: 'building', READY: 'ready', FAILED: 'failed' };
export const LOG_TAIL_LINES = 40;

/** The last `lines` lines of a log, and how many were left out before them. */
export function logTail(log: string, lines = LOG_TAIL_LINES): { text: string; omitted: number } {
  const all = log.replace(/\n$/, '').split('\n');
  const omitted = Math.max(0, all.length - lines);
  return { text: all.slice(omitted).join('\n'), omitted };
}

type Build = Pick<EnvironmentFieldsFragment, 'buildStatus' | 'buildError' | 'buildLog' | 'builtImage'>;
type Update = EnvironmentLiveSubscription['environmentUpdated'];

/** The build as of `event`, from the build as it was. An event's log is the log's last 4 KiB:
 * the snapshot's is not taken over a loaded log it ends (nothing new), later ones are. */
export function foldBuild(build: Build, event: Update): Build {
  if (event.__typename !== 'EnvironmentEvent' || event.kind === 'DELETED' || event.kind === 'LAGGED') return build;
  const status = event.buildStatus ?? build.buildStatus;
  const unchanged = event.kind === 'SNAPSHOT' && !!build.buildLog && !!event.logTail && build.buildLog.endsWith(event.logTail);
  return {
    ...build,
    buildStatus: status,
    buildError: event.kind === 'LOG' ? build.buildError : (event.buildError ?? null),
    buildLog: unchanged ? build.buildLog : (event.logTail ?? build.buildLog),
  };
}

/** BuildCell kept live by the environment's subscription. */
export function LiveBuildCell({ environment: e }: { environment: Build & { id: string } }) {
  const [live] = useSubscription(
    { query: EnvironmentLive, variables: { id: e.id } },
    (build: Build | undefined, event: EnvironmentLiveSubscription) => foldBuild(build ?? e, event.environmentUpdated),
  );
  return <BuildCell environment={live.data ?? e} />;
}

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
