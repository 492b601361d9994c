import { expect, test } from 'vitest';
import { describeSecretRef, parseSecretRef } from './secretRef';

test('secret references read and parse as one line', () => {
  expect(parseSecretRef('secret:warehouse/password')).toEqual({ secretName: 'warehouse', secretKey: 'password' });
  expect(parseSecretRef('secret:warehouse')).toEqual({ secretName: 'warehouse', secretKey: null });
  expect(parseSecretRef('env:PG_PASSWORD')).toEqual({ env: 'PG_PASSWORD' });
  expect(parseSecretRef('file:/run/secrets/pg')).toEqual({ file: '/run/secrets/pg' });
  expect(parseSecretRef('  ')).toBeNull();
  expect(parseSecretRef('vault:x')).toMatchObject({ error: expect.stringContaining('unknown reference kind "vault"') });
  expect(parseSecretRef('secret:')).toMatchObject({ error: expect.any(String) });
  expect(describeSecretRef({ secretName: 'warehouse', secretKey: 'password' })).toBe('secret:warehouse/password');
  expect(describeSecretRef({ env: 'X' })).toBe('env:X');
  expect(describeSecretRef(null)).toBe('—');
});
