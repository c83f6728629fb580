/** The report formats, apart from the renderers: the CLI lists them in --help without loading any (issue 9). */
export const FORMATS = ['table', 'json', 'sarif', 'junit', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

/** The formats of `kubeward diff` (report/diff.ts). */
export const DIFF_FORMATS = ['table', 'json', 'markdown'] as const;

/** The formats of `kubeward policy test` (report/policy.ts). */
export const POLICY_FORMATS = ['table', 'json', 'junit', 'sarif'] as const;

/** The formats of `kubeward rbac diff` (report/rbac-usage.ts). */
export const USAGE_FORMATS = ['table', 'json', 'markdown'] as const;

/** The formats of `kubeward pss` (report/pod-security.ts). */
export const POD_SECURITY_FORMATS = ['table', 'json'] as const;

/** The formats of `kubeward drill run` (report/drill.ts). */
export const DRILL_FORMATS = ['table', 'json', 'markdown', 'html'] as const;
export type DrillFormat = (typeof DRILL_FORMATS)[number];
