/**
 * The NetworkPolicy engine (Limit stage): pure functions over an Inventory. Connectivity between
 * workloads and external ranges (NetworkPolicy v1, AdminNetworkPolicy and BaselineAdminNetworkPolicy
 * v1alpha1), one-connection verdicts, coverage findings, and least-privilege policy generation.
 */
export { ConnectionSet, PROTOCOLS, type Protocol } from './connections.js';
export { analyze, connectionLine, connectionList, type Analysis, type Connection, type ConnectionList } from './connlist.js';
export { describeOptions, resolveOptions, type AnalysisOptions } from './connectivity.js';
export { coverage, DEFAULT_CLUSTER_DNS, type ClusterDns, type CoverageOptions, type CoverageResult } from './coverage.js';
export { NETPOL_RULE_LIST, NETPOL_RULES, NETPOL_SCAN_RULE_LIST, netpolFindings, rangesText, workloadExposure, type NetpolFindings, type WorkloadExposure } from './findings.js';
export { parseFlows, type DeclaredFlow } from './flows.js';
export { CONNLIST_FORMATS, renderConnlist, type ConnlistFormat } from './format.js';
export { DEFAULT_SKIPPED_NAMESPACES, generatePolicies, renderGenerated, type GeneratedPolicies, type GenerateOptions } from './generate.js';
export { isPublicAddress } from './ip.js';
export { DnsObservations, emptyTraffic, FlowObservations, mergeTraffic, workloadOfPod, type ObservedConnection, type ObservedPod, type ObservedTraffic } from './observed.js';
export { verifyPolicies, type PolicyVerification } from './verify.js';
export { reach, renderReach, type ReachQuery, type ReachResult } from './reach.js';
