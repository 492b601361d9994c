// The Deploy dialog: the seed's settings table as a form. Deploying answers at once; the
// phase then moves (progressing → available or failed) through the workflow's subscription.
import { Rocket } from 'lucide-react';
import { cloneElement, useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { Dialog } from '../../components/Dialog';
import { MutationError, useProblem } from '../../components/MutationError';
import type { WorkflowFieldsFragment } from '../../gql/graphql';
import { DeployWorkflow, EnvironmentNames } from './documents';
import { deployInput, initialForm, type DeployForm } from './deploySettings';

/** A labelled input with its hint below (the hint describes the input, it is not its name). */
function Field({ label, hint, children }: { label: string; hint: string; children: React.ReactElement<{ id?: string }> }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-describedby': `${id}-hint` } as { id: string })}
      <small className="muted" id={`${id}-hint`}>
        {hint}
      </small>
    </div>
  );
}

export function DeployDialog({ workflow, onClose }: { workflow: WorkflowFieldsFragment; onClose(): void }) {
  const [form, setForm] = useState<DeployForm>(() => initialForm(workflow.deploymentSettings, !!workflow.deploymentPhase));
  const [{ fetching }, deploy] = useMutation(DeployWorkflow);
  const [{ data: environments }] = useQuery({ query: EnvironmentNames });
  const { problem, check } = useProblem();
  const set = (key: keyof DeployForm) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [key]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const result = await deploy({ id: workflow.id, settings: deployInput(form), force: form.force });
    if (check(result, result.data?.deployWorkflow)) onClose();
  };
  const gpus = Number.parseInt(form.gpu || '0', 10);
  return (
    <Dialog
      title="Deploy workflow"
      onClose={onClose}
      onSubmit={(e) => void submit(e)}
      footer={
        <button type="submit" className="button primary" disabled={fetching}>
          <Rocket size={16} aria-hidden /> {fetching ? 'Deploying…' : 'Deploy workflow'}
        </button>
      }
    >
      <div className="form-grid">
        <Field label="Environment" hint="Custom environment id (image or Dockerfile); custom is the base image">
          <input value={form.environment} onChange={set('environment')} list="deploy-environments" required />
        </Field>
        <Field label="CPU" hint="Cores for the worker pod">
          <input type="number" min="0" step="any" value={form.cpu} onChange={set('cpu')} required />
        </Field>
        <Field label="Memory" hint="e.g. 1Gi (1 GB), 512Mi">
          <input value={form.memory} onChange={set('memory')} required />
        </Field>
        <Field label="Disk" hint="e.g. 5Gi (5 GB)">
          <input value={form.disk} onChange={set('disk')} required />
        </Field>
        <Field label="GPU" hint="GPUs for ML workloads">
          <input type="number" min="0" step="1" value={form.gpu} onChange={set('gpu')} required />
        </Field>
        {gpus > 0 && (
          <Field label="GPU type" hint="e.g. nvidia-a100">
            <input value={form.gpuType} onChange={set('gpuType')} />
          </Field>
        )}
      </div>
      <label className="check">
        <input type="checkbox" checked={form.autoscale} onChange={set('autoscale')} /> Autoscale (workers follow the
        queue; without it one worker is always running)
      </label>
      {form.autoscale && (
        <div className="form-grid">
          <Field label="Min workers" hint="0: none while idle; the first execution waits for one to start">
            <input type="number" min="0" step="1" value={form.minReplicas} onChange={set('minReplicas')} required />
          </Field>
          <Field label="Max workers" hint="At least 1 and at least min (the operator caps it)">
            <input type="number" min="1" step="1" value={form.maxReplicas} onChange={set('maxReplicas')} required />
          </Field>
        </div>
      )}
      <datalist id="deploy-environments">
        <option value="custom">the base image</option>
        {environments?.environments.nodes.map((e) => (
          <option key={e.id} value={e.name}>
            {e.buildStatus.toLowerCase()}
          </option>
        ))}
      </datalist>
      <label className="check">
        <input type="checkbox" checked={form.force} onChange={set('force')} /> Force redeploy (undeploy the current
        deployment first; briefly unavailable)
      </label>
      <MutationError problem={problem} />
    </Dialog>
  );
}
