// A JSON value as a collapsible tree: objects and arrays fold (the first levels open).
function Leaf({ value }: { value: unknown }) {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return <span className={`json-${value === null ? 'null' : typeof value}`}>{text}</span>;
}

export function JsonView({ value, depth = 0, label }: { value: unknown; depth?: number; label?: string }) {
  const name = label !== undefined && <span className="json-key">{label}: </span>;
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-line">
        {name}
        <Leaf value={value} />
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div className="json-line">
        {name}
        {open}
        {close}
      </div>
    );
  }
  return (
    <details className="json-node" open={depth < 2}>
      <summary>
        {name}
        {open} <span className="muted">{entries.length} {Array.isArray(value) ? 'item' : 'key'}
        {entries.length === 1 ? '' : 's'}</span>
      </summary>
      <div className="json-children">
        {entries.map(([key, member]) => (
          <JsonView key={key} label={key} value={member} depth={depth + 1} />
        ))}
      </div>
      <div>{close}</div>
    </details>
  );
}
