// A secret reference as one line of text and back: `secret:NAME` (the organization's secret
// store), `k8s:NAME/KEY` (a Kubernetes Secret in the organization's namespace), `env:VAR`,
// `file:PATH`, and `mounted:NAME/KEY` (a file under FLOWPLANE_SECRETS_DIR, deprecated by the
// API, read here so that editing a resource keeps it). Names only: never a value.
import type { SecretRefInput } from '../../gql/graphql';

export interface SecretRefLike {
  secret?: string | null;
  k8sSecretName?: string | null;
  k8sSecretKey?: string | null;
  env?: string | null;
  file?: string | null;
  secretName?: string | null;
  secretKey?: string | null;
}

export const SECRET_REF_HELP = 'write secret:NAME, k8s:NAME/KEY, env:VAR or file:PATH';

export function describeSecretRef(ref: SecretRefLike | null | undefined): string {
  if (!ref) return '—';
  if (ref.secret) return `secret:${ref.secret}`;
  if (ref.k8sSecretName) return `k8s:${ref.k8sSecretName}/${ref.k8sSecretKey ?? ''}`;
  if (ref.env) return `env:${ref.env}`;
  if (ref.file) return `file:${ref.file}`;
  if (ref.secretName) return `mounted:${ref.secretName}${ref.secretKey ? `/${ref.secretKey}` : ''}`;
  return '—';
}

function pair(target: string): [string, string | null] {
  const slash = target.indexOf('/');
  return slash < 0 ? [target, null] : [target.slice(0, slash), target.slice(slash + 1) || null];
}

export function parseSecretRef(text: string): SecretRefInput | null | { error: string } {
  const value = text.trim();
  if (!value) return null;
  const colon = value.indexOf(':');
  const kind = colon < 0 ? value : value.slice(0, colon);
  const target = colon < 0 ? '' : value.slice(colon + 1);
  if (!target) return { error: SECRET_REF_HELP };
  switch (kind) {
    case 'secret':
      if (target.includes('/')) return { error: `a stored secret is named without a key: secret:NAME (for a Kubernetes Secret write k8s:NAME/KEY)` };
      return { secret: target };
    case 'k8s': {
      const [name, key] = pair(target);
      if (!key) return { error: 'a Kubernetes Secret needs its key: k8s:NAME/KEY' };
      return { k8sSecretName: name, k8sSecretKey: key };
    }
    case 'env':
      return { env: target };
    case 'file':
      return { file: target };
    case 'mounted': {
      const [name, key] = pair(target);
      return { secretName: name, secretKey: key };
    }
    default:
      return { error: `unknown reference kind ${JSON.stringify(kind)}: ${SECRET_REF_HELP}` };
  }
}
