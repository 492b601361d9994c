// One dialog for adding or editing any kind of resource: its fields are listed per kind (see
// form.ts). A secret reference is picked from the organization's stored secrets or written
// out as `k8s:NAME/KEY`, `env:VAR` or `file:PATH`.
import { Plus, Save } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useQuery, type CombinedError } from 'urql';
import { Dialog } from '../../components/Dialog';
import { MutationError, useProblem } from '../../components/MutationError';
import { SecretNames } from './documents';
import { resourceInput, type FieldSpec } from './form';
import { SECRET_REF_HELP } from './secretRef';

type Submit = (input: Record<string, unknown>) => Promise<{ error?: CombinedError | undefined; member: unknown }>;

const WRITTEN = '\u0000written'; // the select's value for "another reference", never a line

function SecretField({ field, value, names, onChange }: { field: FieldSpec; value: string; names: string[]; onChange(v: string): void }) {
  const stored = value.startsWith('secret:') && names.includes(value.slice('secret:'.length));
  const [writing, setWriting] = useState(false);
  const selected = writing || (value !== '' && !stored) ? WRITTEN : value;
  const id = `field-${field.key}`;
  return (
    <div className="field">
      <span id={id}>{field.label}</span>
      <select
        aria-labelledby={id}
        value={selected}
        onChange={(e) => {
          setWriting(e.target.value === WRITTEN);
          if (e.target.value !== WRITTEN) onChange(e.target.value);
        }}
      >
        <option value="">none</option>
        {names.map((name) => (
          <option key={name} value={`secret:${name}`}>
            stored secret {name}
          </option>
        ))}
        <option value={WRITTEN}>another reference…</option>
      </select>
      {selected === WRITTEN && (
        <input
          aria-label={`${field.label}, written out`}
          value={value}
          placeholder={field.placeholder ?? SECRET_REF_HELP}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </div>
  );
}

export function ResourceDialog({
  title,
  fields,
  initial = {},
  editing = false,
  submit,
  onClose,
}: {
  title: string;
  fields: FieldSpec[];
  initial?: Record<string, string>;
  editing?: boolean;
  submit: Submit;
  onClose(done: boolean): void;
}) {
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [busy, setBusy] = useState(false);
  const { problem, setProblem, check } = useProblem();
  const [{ data: secrets }] = useQuery({ query: SecretNames, pause: !fields.some((f) => f.kind === 'secret') });
  const names = secrets?.secrets.nodes.map((s) => s.name) ?? [];
  const set = (key: string) => (value: string) => setValues((before) => ({ ...before, [key]: value }));
  const send = async (event: FormEvent) => {
    event.preventDefault();
    const input = resourceInput(fields, values);
    if (typeof input === 'string') return setProblem({ text: input });
    setBusy(true);
    const result = await submit(input);
    setBusy(false);
    if (check(result, result.member)) onClose(true);
  };
  return (
    <Dialog
      title={title}
      onClose={() => onClose(false)}
      onSubmit={(e) => void send(e)}
      footer={
        <button type="submit" className="button primary" disabled={busy}>
          {editing ? <Save size={16} aria-hidden /> : <Plus size={16} aria-hidden />} {editing ? 'Save' : 'Add'}
        </button>
      }
    >
      {fields.map((field) =>
        field.kind === 'secret' ? (
          <SecretField key={field.key} field={field} value={values[field.key] ?? ''} names={names} onChange={set(field.key)} />
        ) : (
          <label key={field.key} className="field">
            <span>{field.label}</span>
            {field.kind === 'textarea' || field.kind === 'lines' || field.kind === 'json' ? (
              <textarea
                className="code-editor small"
                value={values[field.key] ?? ''}
                placeholder={field.placeholder}
                spellCheck={false}
                onChange={(e) => set(field.key)(e.target.value)}
              />
            ) : (
              <input
                value={values[field.key] ?? ''}
                placeholder={field.placeholder}
                required={field.required}
                onChange={(e) => set(field.key)(e.target.value)}
              />
            )}
          </label>
        ),
      )}
      <MutationError problem={problem} />
    </Dialog>
  );
}
