import { isRecord } from '../../core/object.js';
import type { Rule, Violation } from '../rule.js';
import { credentialAssignmentIn, credentialShape, namedCredential } from './credentials.js';

export const configmapCredential: Rule = {
  meta: {
    id: 'configmap-credential',
    title: 'Credential in a ConfigMap',
    severity: 'medium',
    stage: 'fortify',
    description:
      'ConfigMaps are not secret: anyone who may read configuration (the `view` role, most operators and dashboards) reads them, and they are not encrypted at rest. A key named like a credential with a literal value, a value shaped like one (an AWS access key id, a private key, a token: `high`; a connection string with a password: `medium`), or a configuration file in a value assigning `password:`/`token=`…: one finding per key, the value never printed.',
    remediation: 'Move the credential to a Secret (or an external secret store) and reference it; rotate the one that was exposed.',
    references: [
      { tool: 'trivy', id: 'KSV-0109' },
      { tool: 'polaris', id: 'sensitiveConfigmapContent' },
      { tool: 'kubescape', id: 'C-0012' },
    ],
    kinds: ['ConfigMap'],
  },
  check(object) {
    if (!isRecord(object.data)) return [];
    const violations: Violation[] = [];
    for (const [key, value] of Object.entries(object.data)) {
      if (typeof value !== 'string') continue;
      const direct = namedCredential(key, value.includes('\n') ? '' : value) ?? credentialShape(value);
      const inFile = direct ? undefined : credentialAssignmentIn(value);
      const match = direct ?? inFile?.match;
      if (!match) continue;
      violations.push({
        message: `key ${JSON.stringify(key)} holds ${match.description}${inFile ? ` (line ${inFile.line} of the value)` : ''}`,
        path: ['data', key],
        severity: match.severity,
        evidence: { key, credential: match.kind, ...(inFile ? { line: inFile.line } : {}) },
      });
    }
    return violations;
  },
  examples: {
    valid: [
      {
        name: 'ordinary configuration, and a file that reads its password from the environment',
        yaml: `
apiVersion: v1
kind: ConfigMap
metadata: {name: web}
data:
  LOG_LEVEL: info
  PASSWORD_FILE: /run/secrets/web/password
  app.yaml: |
    server:
      port: 8080
    database:
      host: db
      password: \${DB_PASSWORD}
`,
      },
    ],
    invalid: [
      {
        name: 'a token key (medium), a private key (high), a password inside a file (medium)',
        yaml: `
apiVersion: v1
kind: ConfigMap
metadata: {name: legacy, namespace: shop}
data:
  SLACK_TOKEN: "not-a-real-token-but-literal"
  tls.key: |
    -----BEGIN RSA PRIVATE KEY-----
    MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun
    -----END RSA PRIVATE KEY-----
  database.yml: |
    production:
      adapter: postgresql
      username: shop
      password: hunter2-prod
`,
        violations: 3,
        severities: ['medium', 'high', 'medium'],
      },
    ],
  },
};
