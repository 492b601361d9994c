// Where the workflow runs: phase, namespace, the Deployment and pod, when it was deployed,
// the webhook URL (with a copy button) and, after a failure, the error as the API reported it.
import { Check, Copy } from 'lucide-react';
import { useState } from 'react';
import type { WorkflowFieldsFragment } from '../../gql/graphql';

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(text);
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button type="button" className="button ghost icon" onClick={() => void copy()} aria-label="Copy webhook URL">
      {copied ? <Check size={14} aria-hidden /> : <Copy size={14} aria-hidden />}
    </button>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function DeploymentPanel({ workflow: w }: { workflow: WorkflowFieldsFragment }) {
  return (
    <section className="card panel" aria-label="Deployment">
      <h2>Deployment</h2>
      {!w.deploymentPhase && !w.deploymentError ? (
        <p className="muted">Not deployed.</p>
      ) : (
        <dl className="facts">
          <Row label="Phase">
            <span className="phase" data-phase={w.deploymentPhase ?? 'FAILED'} data-testid="deployment-phase">
              {(w.deploymentPhase ?? 'FAILED').toLowerCase()}
            </span>
          </Row>
          <Row label="Namespace">{w.deploymentNamespace ?? '—'}</Row>
          <Row label="Deployment">{w.deploymentName ? <code>{w.deploymentName}</code> : '—'}</Row>
          <Row label="Pod">{w.deploymentPodName ? <code>{w.deploymentPodName}</code> : '—'}</Row>
          <Row label="Deployed">{w.deployedAt ? new Date(w.deployedAt).toLocaleString() : '—'}</Row>
          <Row label="Resources">
            {w.deploymentEnvironmentId ?? 'custom'} · {w.deploymentCpu ?? '—'} CPU · {w.deploymentMemory ?? '—'} ·{' '}
            {w.deploymentDisk ?? '—'} disk
            {w.deploymentGpu ? ` · ${w.deploymentGpu} × ${w.deploymentGpuType ?? 'GPU'}` : ''}
          </Row>
          <Row label="Workers">
            {w.deploymentAutoscaleMax != null
              ? `autoscaled, ${w.deploymentAutoscaleMin ?? 0}–${w.deploymentAutoscaleMax} on the queue`
              : 'one'}
          </Row>
        </dl>
      )}
      {w.deploymentError && (
        <p className="error" data-testid="deployment-error">
          {w.deploymentError}
        </p>
      )}
      {w.webhookUrl && (
        <div className="webhook">
          <span className="muted">Webhook</span> <code data-testid="webhook-url">{w.webhookUrl}</code>
          <CopyButton text={w.webhookUrl} />
        </div>
      )}
    </section>
  );
}
