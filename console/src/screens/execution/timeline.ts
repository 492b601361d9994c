// The span tree flattened into the rows of a Gantt chart: each span with its depth and its
// bar as fractions of the whole trace (a running span reaches `now`).
export interface SpanLike {
  id: string;
  startedAt: string;
  endedAt?: string | null;
  children?: SpanLike[];
}

export interface TimelineRow<S> {
  span: S;
  depth: number;
  /** Where the bar starts and how long it is, as fractions of the trace (0..1). */
  offset: number;
  width: number;
}

export function timelineRows<S extends SpanLike>(roots: S[], now: number): TimelineRow<S>[] {
  const flat: { span: S; depth: number }[] = [];
  const walk = (spans: S[], depth: number) => {
    for (const span of spans) {
      flat.push({ span, depth });
      walk((span.children ?? []) as S[], depth + 1);
    }
  };
  walk(roots, 0);
  if (flat.length === 0) return [];
  const start = (s: SpanLike) => Date.parse(s.startedAt);
  const end = (s: SpanLike) => (s.endedAt ? Date.parse(s.endedAt) : now);
  const t0 = Math.min(...flat.map((r) => start(r.span)));
  const t1 = Math.max(...flat.map((r) => end(r.span)));
  const total = Math.max(t1 - t0, 1);
  return flat.map(({ span, depth }) => ({
    span,
    depth,
    offset: (start(span) - t0) / total,
    width: Math.max((end(span) - start(span)) / total, 0.01),
  }));
}
