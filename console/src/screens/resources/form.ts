// A resource's form as text values and back: the fields are listed per kind; numbers, lists
// (one per line), JSON and secret references are typed as text and parsed on submit. A dotted
// key (`python.version`) is a field of a nested input.
import { describeSecretRef, parseSecretRef, type SecretRefLike } from './secretRef';

export interface FieldSpec {
  key: string;
  label: string;
  required?: boolean;
  kind?: 'text' | 'number' | 'secret' | 'textarea' | 'lines' | 'json';
  placeholder?: string;
}

function place(input: Record<string, unknown>, key: string, value: unknown): void {
  const [head, ...rest] = key.split('.');
  if (!rest.length) {
    input[head!] = value;
    return;
  }
  const inner = (input[head!] ??= {}) as Record<string, unknown>;
  place(inner, rest.join('.'), value);
}

function parse(field: FieldSpec, raw: string, text: string): unknown {
  switch (field.kind) {
    case 'number': {
      const number = Number(text);
      if (!Number.isInteger(number)) throw new Error('not a whole number');
      return number;
    }
    case 'secret': {
      const ref = parseSecretRef(text);
      if (ref && 'error' in ref) throw new Error(ref.error);
      return ref;
    }
    case 'lines':
      return text.split('\n').map((line) => line.trim()).filter(Boolean);
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error('not valid JSON');
      }
    case 'textarea':
      return raw;
    default:
      return text;
  }
}

/** The mutation input from the form's text values: empty optional fields left out (an update
 * replaces the whole spec, so a field emptied is cleared). A string is the error to show. */
export function resourceInput(fields: FieldSpec[], values: Record<string, string>): Record<string, unknown> | string {
  const input: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = values[field.key] ?? '';
    const text = raw.trim();
    if (!text) continue;
    try {
      place(input, field.key, parse(field, raw, text));
    } catch (e) {
      return `${field.label}: ${(e as Error).message}`;
    }
  }
  return input;
}

function read(item: Record<string, unknown>, key: string): unknown {
  return key.split('.').reduce<unknown>((value, part) => (value as Record<string, unknown> | null | undefined)?.[part], item);
}

function show(field: FieldSpec, value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (field.kind) {
    case 'secret': {
      const line = describeSecretRef(value as SecretRefLike);
      return line === '—' ? '' : line;
    }
    case 'lines':
      return (value as string[]).join('\n');
    case 'json':
      return typeof value === 'object' && Object.keys(value).length === 0 ? '' : JSON.stringify(value, null, 2);
    default:
      return String(value);
  }
}

/** The form's text values of an existing resource, so that submitting them unchanged gives
 * back the same spec. */
export function formValues(fields: FieldSpec[], item: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(fields.map((field) => [field.key, show(field, read(item, field.key))]));
}
