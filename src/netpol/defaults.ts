/**
 * The NetworkPolicy commands' defaults and choices, apart from the engine: the CLI names them in
 * --help without loading it (issue 9). Their modules re-export them.
 */
import type { ClusterDns } from './coverage.js';

/** connlist's output formats (format.ts). */
export const CONNLIST_FORMATS = ['txt', 'json', 'csv', 'md', 'dot'] as const;

/** Where cluster DNS runs unless --cluster-dns says otherwise (coverage.ts). */
export const DEFAULT_CLUSTER_DNS: ClusterDns = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };

/** The namespaces `netpol generate` writes no policies for by default (generate.ts). */
export const DEFAULT_SKIPPED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];
