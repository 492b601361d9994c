// A secret reference as one line of text and back: `secret:NAME[/KEY]` (the organization's
// store or a Kubernetes Secret), `env:VAR`, `file:PATH`. Names only: never a value.
import type { SecretRefInput } from '../../gql/graphql';

export interface SecretRefLike {
  env?: string | null;
  file?: string | null;
  secretName?: string | null;
  secretKey?: string | null;
}

export function describeSecretRef(ref: SecretRefLike | null | undefined): string {
  if (!ref) return '—';
  if (ref.secretName) return `secret:${ref.secretName}${ref.secretKey ? `/${ref.secretKey}` : ''}`;
  if (ref.env) return `env:${ref.env}`;
  if (ref.file) return `file:${ref.file}`;
  return '—';
}

export function parseSecretRef(text: string): SecretRefInput | null | { error: string } {
  const value = text.trim();
  if (!value) return null;
  const [kind, ...rest] = value.split(':');
  const target = rest.join(':');
  if (!target) return { error: 'write secret:NAME, secret:NAME/KEY, env:VAR or file:PATH' };
  if (kind === 'env') return { env: target };
  if (kind === 'file') return { file: target };
  if (kind === 'secret') {
    const [name, key] = target.split('/', 2);
    return { secretName: name, secretKey: key ?? null };
  }
  return { error: `unknown reference kind ${JSON.stringify(kind)}: use secret:, env: or file:` };
}
