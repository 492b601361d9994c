// The workflow's dialogs other than Deploy: Run (input JSON), Clone, Save as template, Share
// and Delete. Each shows the mutation's error member in place and closes only on success.
import { Copy, LayoutTemplate, Play, Share2, Trash2, UserMinus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { useLocation } from 'wouter';
import { Dialog } from '../../components/Dialog';
import { MutationError, useProblem } from '../../components/MutationError';
import type { WorkflowFieldsFragment } from '../../gql/graphql';
import {
  CloneWorkflow,
  CreateTemplate,
  DeleteWorkflow,
  OrganizationMembers,
  RunWorkflow,
  ShareWorkflow,
  UnshareWorkflow,
} from './documents';

interface Props {
  workflow: WorkflowFieldsFragment;
  onClose(): void;
}

/** The input of a run: empty means none; anything else must be JSON. */
export function parseRunInput(text: string): { value: unknown } | { error: string } {
  if (!text.trim()) return { value: null };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    return { error: `The input is not JSON: ${(e as Error).message}` };
  }
}

/** Runs the workflow, then opens the new execution (it follows the run live). */
export function RunDialog({ workflow, onClose }: Props) {
  const [text, setText] = useState('{}');
  const [{ fetching }, run] = useMutation(RunWorkflow);
  const { problem, setProblem, check } = useProblem();
  const [, navigate] = useLocation();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = parseRunInput(text);
    if ('error' in input) return setProblem({ text: input.error });
    const result = await run({ id: workflow.id, input: input.value });
    const execution = result.data?.runWorkflow;
    if (check(result, execution) && execution?.__typename === 'Execution') navigate(`/executions/${execution.id}`);
  };
  return (
    <Dialog
      title={`Run ${workflow.name}`}
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <button type="submit" className="button primary" disabled={fetching}>
          <Play size={16} aria-hidden /> Run
        </button>
      }
    >
      <label className="field">
        <span>Input (JSON)</span>
        <textarea className="code-editor small" spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
        <small className="muted">Templates read it as {'{{ input.… }}'}.</small>
      </label>
      <MutationError problem={problem} />
    </Dialog>
  );
}

export function CloneDialog({ workflow, onClose }: Props) {
  const [name, setName] = useState(`${workflow.name}-copy`);
  const [{ fetching }, clone] = useMutation(CloneWorkflow);
  const { problem, check } = useProblem();
  const [, navigate] = useLocation();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await clone({ id: workflow.id, name });
    const copy = result.data?.cloneWorkflow;
    if (check(result, copy) && copy?.__typename === 'Workflow') {
      onClose();
      navigate(`/workflows/${copy.id}`);
    }
  };
  return (
    <Dialog
      title="Clone workflow"
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <button type="submit" className="button primary" disabled={fetching}>
          <Copy size={16} aria-hidden /> Clone
        </button>
      }
    >
      <p className="muted">
        A draft copy of the nodes, connections, settings and tags, owned by you, shared with nobody, not deployed.
      </p>
      <label className="field">
        <span>Name of the copy</span>
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <MutationError problem={problem} />
    </Dialog>
  );
}

export function TemplateDialog({ workflow, onClose }: Props) {
  const [name, setName] = useState(`${workflow.name}-template`);
  const [{ fetching }, create] = useMutation(CreateTemplate);
  const { problem, check } = useProblem();
  const [, navigate] = useLocation();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await create({ id: workflow.id, name: name || null });
    const template = result.data?.createTemplate;
    if (check(result, template) && template?.__typename === 'Workflow') {
      onClose();
      navigate(`/workflows/${template.id}`);
    }
  };
  return (
    <Dialog
      title="Save as template"
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <button type="submit" className="button primary" disabled={fetching}>
          <LayoutTemplate size={16} aria-hidden /> Save template
        </button>
      }
    >
      <label className="field">
        <span>Template name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <MutationError problem={problem} />
    </Dialog>
  );
}

export function ShareDialog({ workflow, onClose }: Props) {
  const [{ data }] = useQuery({ query: OrganizationMembers });
  const [userId, setUserId] = useState('');
  const [{ fetching: sharing }, share] = useMutation(ShareWorkflow);
  const [, unshare] = useMutation(UnshareWorkflow);
  const { problem, check } = useProblem();
  const shared = new Set(workflow.sharedWith.map((u) => u.id));
  // Users of this organization only, less the owner and those it is shared with already.
  const candidates = (data?.members.nodes ?? [])
    .map((m) => m.user)
    .filter((u) => u.id !== workflow.owner.id && !shared.has(u.id));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!userId) return;
    const result = await share({ id: workflow.id, userId });
    if (check(result, result.data?.shareWorkflow)) setUserId('');
  };
  return (
    <Dialog
      title="Share workflow"
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <button type="submit" className="button primary" disabled={sharing || !userId}>
          <Share2 size={16} aria-hidden /> Share
        </button>
      }
    >
      <p className="muted">People it is shared with may read, change and run it.</p>
      <label className="field">
        <span>Member</span>
        <select value={userId} onChange={(e) => setUserId(e.target.value)}>
          <option value="">choose a member of the organization</option>
          {candidates.map((u) => (
            <option key={u.id} value={u.id}>
              {u.displayName} ({u.handle})
            </option>
          ))}
        </select>
      </label>
      <ul className="plain" aria-label="Shared with">
        {workflow.sharedWith.map((u) => (
          <li key={u.id}>
            {u.displayName} <span className="muted">({u.handle})</span>
            <button
              type="button"
              className="button ghost"
              onClick={() => void unshare({ id: workflow.id, userId: u.id }).then((r) => check(r, r.data?.unshareWorkflow))}
            >
              <UserMinus size={14} aria-hidden /> Remove
            </button>
          </li>
        ))}
      </ul>
      <MutationError problem={problem} />
    </Dialog>
  );
}

export function DeleteDialog({ workflow, onClose }: Props) {
  const [typed, setTyped] = useState('');
  const [{ fetching }, remove] = useMutation(DeleteWorkflow);
  const { problem, check } = useProblem();
  const [, navigate] = useLocation();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await remove({ id: workflow.id });
    if (check(result, result.data?.deleteWorkflow)) navigate('/workflows', { replace: true });
  };
  return (
    <Dialog
      title="Delete workflow"
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <button type="submit" className="button danger" disabled={fetching || typed !== workflow.name}>
          <Trash2 size={16} aria-hidden /> Delete forever
        </button>
      }
    >
      <p className="notice" role="note">
        Deleting a workflow undeploys it, then removes all its versions, execution history and execution traces. This
        cannot be undone. Consider pausing instead if you may need the workflow later.
      </p>
      <label className="field">
        <span>Type {workflow.name} to confirm</span>
        <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
      </label>
      <MutationError problem={problem} />
    </Dialog>
  );
}
