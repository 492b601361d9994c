// One workflow: its graph, definition and revisions (and executions), its deployment, and
// every lifecycle action. The workflow's subscription keeps it live: a deploy's phase moves
// from progressing to available (or failed, with the reason) without a reload.
import { ArrowLeft, Copy, EyeOff, Globe, LayoutTemplate, Pause, Play, PowerOff, Rocket, Share2, Trash2 } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Link, useLocation, useParams, useSearch } from 'wouter';
import { MutationError, useProblem } from '../components/MutationError';
import { StatusBadge } from '../components/StatusBadge';
import type { WorkflowFieldsFragment } from '../gql/graphql';
import { DeployDialog } from './workflow/DeployDialog';
import { DeploymentPanel } from './workflow/DeploymentPanel';
import { Definition } from './workflow/Definition';
import { CloneDialog, DeleteDialog, RunDialog, ShareDialog, TemplateDialog } from './workflow/dialogs';
import { PauseWorkflow, UndeployWorkflow, UpdateWorkflow, WorkflowDetailQuery, WorkflowLive } from './workflow/documents';
import { Graph } from './workflow/Graph';
import { Revisions } from './workflow/Revisions';
import { ExecutionsTable } from './Executions';

const TABS = ['graph', 'definition', 'revisions', 'executions'] as const;
type Tab = (typeof TABS)[number];
type DialogName = 'deploy' | 'run' | 'clone' | 'template' | 'share' | 'delete';

function Actions({ workflow: w, editable, open }: { workflow: WorkflowFieldsFragment; editable: boolean; open(d: DialogName): void }) {
  const [undeployState, undeploy] = useMutation(UndeployWorkflow);
  const [pauseState, pause] = useMutation(PauseWorkflow);
  const [publicState, update] = useMutation(UpdateWorkflow);
  const { problem, check } = useProblem();
  const locked = editable ? undefined : `Managed by git (${w.sourcePath ?? 'workflows.d/'}): change the file instead`;
  const deployed = !!w.deploymentPhase;
  const button = (label: string, icon: ReactNode, onClick: () => void, disabled = false, title?: string) => (
    <button type="button" className="button" onClick={onClick} disabled={disabled} title={title}>
      {icon} {label}
    </button>
  );
  return (
    <>
      <div className="toolbar actions" role="toolbar" aria-label="Workflow actions">
        <button type="button" className="button primary" onClick={() => open('deploy')} disabled={!editable} title={locked}>
          <Rocket size={16} aria-hidden /> {deployed ? 'Redeploy' : 'Deploy'}
        </button>
        {button('Run', <Play size={16} aria-hidden />, () => open('run'), w.status === 'ARCHIVED')}
        {button(
          'Undeploy',
          <PowerOff size={16} aria-hidden />,
          () => void undeploy({ id: w.id }).then((r) => check(r, r.data?.undeployWorkflow)),
          !editable || !deployed || undeployState.fetching,
          locked,
        )}
        {button(
          'Pause',
          <Pause size={16} aria-hidden />,
          () => void pause({ id: w.id }).then((r) => check(r, r.data?.pauseWorkflow)),
          !editable || w.status === 'PAUSED' || pauseState.fetching,
          locked,
        )}
        {button('Clone', <Copy size={16} aria-hidden />, () => open('clone'))}
        {button('Save as template', <LayoutTemplate size={16} aria-hidden />, () => open('template'))}
        {button('Share', <Share2 size={16} aria-hidden />, () => open('share'), !editable, locked)}
        {button(
          w.isPublic ? 'Make private' : 'Make public',
          w.isPublic ? <EyeOff size={16} aria-hidden /> : <Globe size={16} aria-hidden />,
          () => void update({ id: w.id, input: { isPublic: !w.isPublic } }).then((r) => check(r, r.data?.updateWorkflow)),
          !editable || publicState.fetching,
          locked,
        )}
        <button type="button" className="button danger-outline" onClick={() => open('delete')} disabled={!editable} title={locked}>
          <Trash2 size={16} aria-hidden /> Delete
        </button>
      </div>
      <MutationError problem={problem} />
    </>
  );
}

function Dialogs({ workflow, dialog, close }: { workflow: WorkflowFieldsFragment; dialog: DialogName | null; close(): void }) {
  const props = { workflow, onClose: close };
  switch (dialog) {
    case 'deploy':
      return <DeployDialog {...props} />;
    case 'run':
      return <RunDialog {...props} />;
    case 'clone':
      return <CloneDialog {...props} />;
    case 'template':
      return <TemplateDialog {...props} />;
    case 'share':
      return <ShareDialog {...props} />;
    case 'delete':
      return <DeleteDialog {...props} />;
    default:
      return null;
  }
}

function Header({ workflow: w }: { workflow: WorkflowFieldsFragment }) {
  return (
    <header className="screen-header">
      <Link href="/workflows" className="back">
        <ArrowLeft size={14} aria-hidden /> Workflows
      </Link>
      <h1>
        {w.name} <StatusBadge status={w.status} /> <span className="muted version">v{w.version}</span>
        {w.isTemplate && <span className="badge">template</span>}
        {w.isPublic && <span className="badge">public</span>}
      </h1>
      {w.description && <p className="muted">{w.description}</p>}
      <p className="muted small">
        {w.managedBy === 'GIT' ? (
          <>
            Managed by git: <code>{w.sourcePath}</code>
            {w.syncStatus && ` · sync ${w.syncStatus.toLowerCase()}`}
            {w.syncError && <span className="sync-problem"> {w.syncError}</span>}
          </>
        ) : (
          'Managed through the API'
        )}
        {' · '}owner {w.owner.handle} · trigger {w.trigger.type.toLowerCase()}
        {w.trigger.cron && ` (${w.trigger.cron} ${w.trigger.timezone})`}
        {w.sharedWith.length > 0 && ` · shared with ${w.sharedWith.map((u) => u.handle).join(', ')}`}
      </p>
    </header>
  );
}

/** Keyed by the id: another workflow (after a clone) starts with fresh state. */
export function WorkflowDetailScreen() {
  const { id = '' } = useParams<{ id: string }>();
  return <WorkflowDetail key={id} id={id} />;
}

function WorkflowDetail({ id }: { id: string }) {
  const [location, navigate] = useLocation();
  const tab = (new URLSearchParams(useSearch()).get('tab') ?? 'graph') as Tab;
  const [dialog, setDialog] = useState<DialogName | null>(null);
  const [{ data, error, fetching }] = useQuery({ query: WorkflowDetailQuery, variables: { id } });
  // Graphcache merges each event's `workflow` into the cached one: the screen follows it.
  useSubscription({ query: WorkflowLive, variables: { id }, pause: data?.workflow.__typename !== 'Workflow' });

  if (error) return <p className="error" role="alert">{error.graphQLErrors[0]?.message ?? 'The workflow could not be loaded.'}</p>;
  if (!data) return fetching ? <p className="muted">Loading…</p> : null;
  if (data.workflow.__typename !== 'Workflow') {
    return (
      <p className="error" role="alert">
        {'message' in data.workflow ? data.workflow.message : 'No such workflow.'}
      </p>
    );
  }
  const w = data.workflow;
  const editable = w.managedBy !== 'GIT' || data.me.organization.allowGitOverrides;
  return (
    <section className="workflow-detail">
      <Header workflow={w} />
      <Actions workflow={w} editable={editable} open={setDialog} />
      <div className="detail-grid">
        <div>
          <nav className="tabs" role="tablist" aria-label="Workflow views">
            {TABS.map((t) => (
              <button
                key={t}
                type="button"
                role="tab"
                aria-selected={tab === t}
                className={tab === t ? 'tab active' : 'tab'}
                onClick={() => navigate(`${location}?tab=${t}`, { replace: true })}
              >
                {t[0]!.toUpperCase() + t.slice(1)}
                {t === 'executions' && <span className="count">{w.executionCount}</span>}
              </button>
            ))}
          </nav>
          {tab === 'graph' && <Graph nodes={w.nodes} connections={w.connections} />}
          {tab === 'definition' && <Definition workflow={w} editable={editable} />}
          {tab === 'revisions' && <Revisions key={w.version} workflowId={w.id} />}
          {tab === 'executions' && <ExecutionsTable workflowId={w.id} />}
        </div>
        <DeploymentPanel workflow={w} />
      </div>
      <Dialogs workflow={w} dialog={dialog} close={() => setDialog(null)} />
    </section>
  );
}
