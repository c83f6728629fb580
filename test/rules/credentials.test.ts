import { describe, expect, it } from 'vitest';
import { credentialAssignmentIn, isCredentialName, namedCredential } from '../../src/rules/pack/credentials.js';

describe('credential names', () => {
  it.each([
    ['password', true],
    ['DB_PASSWORD', true],
    ['passWord', true],
    ['dbPasswd', true],
    ['apiKey', true],
    ['API-KEY', true],
    ['x.apikey', true],
    ['accessKey', true],
    ['secretKey', true],
    ['privateKey', true],
    ['clientSecret', true],
    ['authKey', true],
    ['connectionString', true],
    ['CONN_STR', true],
    ['credentials', true],
    ['token', true],
    ['pwd', true],
    ['PASSWORD_FILE', false],
    ['tokenTTL', false],
    ['secret_name', false],
    ['keyboard', false],
    ['passenger', false],
    ['monkey', false],
    ['LOG_LEVEL', false],
    ['', false],
  ])('%s: %s', (name, expected) => {
    expect(isCredentialName(name)).toBe(expected);
  });

  it('finds the first credential assignment in a file held in a value, and none in a file without one', () => {
    expect(credentialAssignmentIn('server:\n  port: 8080\nfeatures: [a, b, c]\n')).toBeUndefined();
    expect(credentialAssignmentIn('server:\n  port: 8080\n  apiKey: "s3cr3t-value"\n')).toEqual({ line: 3, match: { kind: 'named-value', description: 'a credential in plain text (apiKey)', severity: 'medium' } });
    expect(credentialAssignmentIn('db:\n  password: ${DB_PASSWORD}\n')).toBeUndefined();
    expect(namedCredential('greeting', 'hello world')).toBeUndefined();
    expect(namedCredential('dbPassword', 'hunter22')).toMatchObject({ kind: 'named-value' });
  });
});
