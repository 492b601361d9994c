import { render, screen } from '@testing-library/react';
import { expect, test } from 'vitest';
import { StatusBadge } from './StatusBadge';
import { ago } from './time';

test('each status gets its label and colour hook', () => {
  render(<StatusBadge status="PAUSED" />);
  const badge = screen.getByText('paused');
  expect(badge.dataset.status).toBe('PAUSED');
});

test('times read as how long ago', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  expect(ago('2026-12-01T11:59:50Z', now)).toBe('just now');
  expect(ago('2026-12-01T11:55:00Z', now)).toBe('5 min ago');
  expect(ago('2026-12-01T09:00:00Z', now)).toBe('3 h ago');
  expect(ago('2026-11-28T12:00:00Z', now)).toBe('3 d ago');
  expect(ago('2026-01-02T00:00:00Z', now)).toBe('2026-01-02');
});
