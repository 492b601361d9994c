import { expect, test } from 'vitest';
import { describeSecretRef, parseSecretRef } from './secretRef';

test('secret references parse from one line', () => {
  expect(parseSecretRef('secret:warehouse-password')).toEqual({ secret: 'warehouse-password' });
  expect(parseSecretRef('k8s:pg/password')).toEqual({ k8sSecretName: 'pg', k8sSecretKey: 'password' });
  expect(parseSecretRef('env:PG_PASSWORD')).toEqual({ env: 'PG_PASSWORD' });
  expect(parseSecretRef('file:/run/secrets/pg')).toEqual({ file: '/run/secrets/pg' });
  expect(parseSecretRef('mounted:pg/password')).toEqual({ secretName: 'pg', secretKey: 'password' });
  expect(parseSecretRef('  ')).toBeNull();
});

test('a malformed secret reference says how to write it', () => {
  expect(parseSecretRef('vault:x')).toMatchObject({ error: expect.stringContaining('unknown reference kind "vault"') });
  expect(parseSecretRef('secret:')).toMatchObject({ error: expect.stringContaining('secret:NAME') });
  expect(parseSecretRef('hunter2')).toMatchObject({ error: expect.any(String) });
  expect(parseSecretRef('secret:pg/password')).toMatchObject({ error: expect.stringContaining('k8s:NAME/KEY') });
  expect(parseSecretRef('k8s:pg')).toMatchObject({ error: expect.stringContaining('needs its key') });
});

test('every reference the API returns reads back as the line that parses to it', () => {
  for (const line of ['secret:warehouse-password', 'k8s:pg/password', 'env:X', 'file:/run/x', 'mounted:pg/password']) {
    const ref = parseSecretRef(line);
    expect(describeSecretRef(ref as Record<string, string>)).toBe(line);
  }
  expect(describeSecretRef(null)).toBe('—');
});
