// The Deploy dialog's settings: the seed's defaults (environment `custom`, 0.5 CPU, 1 GB of
// memory, 5 GB of disk, no GPU, one fixed worker), or what the workflow's definition already
// asks for.
import type { DeploymentSettingsLike } from '../../components/definition';
import type { DeployWorkflowInput } from '../../gql/graphql';

export interface DeployForm {
  environment: string;
  cpu: string;
  memory: string;
  disk: string;
  gpu: string;
  gpuType: string;
  autoscale: boolean;
  minReplicas: string;
  maxReplicas: string;
  force: boolean;
}

export const DEFAULTS: DeployForm = {
  environment: 'custom',
  cpu: '0.5',
  memory: '1Gi',
  disk: '5Gi',
  gpu: '0',
  gpuType: '',
  autoscale: false,
  minReplicas: '0',
  maxReplicas: '3',
  force: false,
};

export function initialForm(saved: DeploymentSettingsLike | null | undefined, deployed: boolean): DeployForm {
  const base = saved
    ? {
        environment: saved.environment,
        cpu: String(saved.cpu),
        memory: saved.memory,
        disk: saved.disk,
        gpu: String(saved.gpu),
        gpuType: saved.gpuType ?? '',
        ...(saved.autoscale
          ? { autoscale: true, minReplicas: String(saved.autoscale.min), maxReplicas: String(saved.autoscale.max) }
          : {}),
      }
    : DEFAULTS;
  return { ...DEFAULTS, ...base, force: deployed };
}

function whole(text: string): number {
  const value = Number.parseInt(text, 10);
  return Number.isNaN(value) ? -1 : value;
}

/** The mutation's `settings`; the GPU type only goes with at least one GPU, the replica
 * bounds only with autoscale on. Numbers the browser cannot read are sent as they are parsed
 * (NaN never; an unreadable bound as -1): the API reports bad values with their field. */
export function deployInput(form: DeployForm): DeployWorkflowInput {
  const gpu = Number.parseInt(form.gpu || '0', 10);
  return {
    environmentId: form.environment.trim() || 'custom',
    cpu: Number.parseFloat(form.cpu) || 0,
    memory: form.memory.trim(),
    disk: form.disk.trim(),
    gpu: Number.isNaN(gpu) ? 0 : gpu,
    gpuType: gpu > 0 && form.gpuType.trim() ? form.gpuType.trim() : null,
    autoscale: form.autoscale ? { min: whole(form.minReplicas), max: whole(form.maxReplicas) } : null,
  };
}
