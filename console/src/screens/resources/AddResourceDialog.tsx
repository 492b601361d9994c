// One dialog for adding any kind of resource: its fields are listed per kind; secret
// references are typed as `secret:NAME/KEY`, `env:VAR` or `file:PATH`.
import { Plus } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import type { CombinedError } from 'urql';
import { Dialog } from '../../components/Dialog';
import { MutationError, useProblem } from '../../components/MutationError';
import { parseSecretRef } from './secretRef';

export interface FieldSpec {
  key: string;
  label: string;
  required?: boolean;
  kind?: 'text' | 'number' | 'secret' | 'textarea';
  placeholder?: string;
}

type Create = (input: Record<string, unknown>) => Promise<{ error?: CombinedError | undefined; member: unknown }>;

/** The mutation input from the form's text values: numbers parsed, secrets as references,
 * empty optional fields left out. A string is the error to show. */
export function resourceInput(fields: FieldSpec[], values: Record<string, string>): Record<string, unknown> | string {
  const input: Record<string, unknown> = {};
  for (const field of fields) {
    const text = (values[field.key] ?? '').trim();
    if (!text) continue;
    if (field.kind === 'number') {
      const number = Number(text);
      if (!Number.isInteger(number)) return `${field.label}: not a whole number`;
      input[field.key] = number;
    } else if (field.kind === 'secret') {
      const ref = parseSecretRef(text);
      if (ref && 'error' in ref) return `${field.label}: ${ref.error}`;
      input[field.key] = ref;
    } else {
      input[field.key] = field.kind === 'textarea' ? values[field.key] : text;
    }
  }
  return input;
}

export function AddResourceDialog({
  title,
  fields,
  create,
  onClose,
}: {
  title: string;
  fields: FieldSpec[];
  create: Create;
  onClose(created: boolean): void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const { problem, setProblem, check } = useProblem();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = resourceInput(fields, values);
    if (typeof input === 'string') return setProblem({ text: input });
    setBusy(true);
    const result = await create(input);
    setBusy(false);
    if (check(result, result.member)) onClose(true);
  };
  return (
    <Dialog
      title={title}
      onClose={() => onClose(false)}
      onSubmit={(e) => void submit(e)}
      footer={
        <button type="submit" className="button primary" disabled={busy}>
          <Plus size={16} aria-hidden /> Add
        </button>
      }
    >
      {fields.map((field) => (
        <label key={field.key} className="field">
          <span>{field.label}</span>
          {field.kind === 'textarea' ? (
            <textarea
              className="code-editor small"
              value={values[field.key] ?? ''}
              onChange={(e) => setValues({ ...values, [field.key]: e.target.value })}
            />
          ) : (
            <input
              value={values[field.key] ?? ''}
              placeholder={field.placeholder}
              required={field.required}
              onChange={(e) => setValues({ ...values, [field.key]: e.target.value })}
            />
          )}
        </label>
      ))}
      <MutationError problem={problem} />
    </Dialog>
  );
}
