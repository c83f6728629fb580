// The manifest mix the scan benches read: `manifest(count)` is `count` YAML documents.

/** A mix shaped like real clusters: workloads with several containers, services, config, RBAC. */
export function manifest(count) {
  const documents = [];
  for (let index = 0; documents.length < count; index++) {
    const ns = `team-${index % 50}`;
    const app = `app-${index}`;
    documents.push(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app}\n  namespace: ${ns}\n  labels: {app: ${app}, tier: backend}\n  annotations: {owner: "team ${index % 50}"}\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: ${app}}\n  template:\n    metadata:\n      labels: {app: ${app}, tier: backend}\n    spec:\n      ${index % 3 ? `serviceAccountName: ${app}\n      ` : ''}containers:\n      - name: app\n        image: registry.example.com/${app}:${index % 7 ? `1.${index}.0` : 'latest'}\n        ports: [{containerPort: 8080, name: http}]\n        env:\n        - {name: LOG_LEVEL, value: info}\n        - {name: DB_URL, valueFrom: {secretKeyRef: {name: db, key: url}}}\n        resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n        securityContext: {privileged: ${index % 11 === 0}, runAsNonRoot: true, readOnlyRootFilesystem: true}\n      - name: proxy\n        image: envoyproxy/envoy:v1.31.0\n        ports: [{containerPort: 9901}]\n`,
      `apiVersion: v1\nkind: Service\nmetadata: {name: ${app}, namespace: ${ns}}\nspec:\n  selector: {app: ${app}}\n  ports: [{port: 80, targetPort: http}]\n`,
      `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ${app}, namespace: ${ns}}\nautomountServiceAccountToken: false\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${app}-config, namespace: ${ns}}\ndata:\n  config.yaml: |\n    server:\n      port: 8080\n    features: [a, b, c]\n`,
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: ${app}, namespace: ${ns}}\nrules:\n- apiGroups: [""]\n  resources: [configmaps]\n  verbs: [get, list, watch]\n`,
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: ${app}, namespace: ${ns}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ${app}}\nsubjects: [{kind: ServiceAccount, name: ${app}, namespace: ${ns}}]\n`,
    );
  }
  return documents.slice(0, count).join('---\n');
}
