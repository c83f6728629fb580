{{- define "kubeward.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else -}}
{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end -}}
{{- end -}}

{{- define "kubeward.labels" -}}
app.kubernetes.io/name: kubeward
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kubeward.selector" -}}
app.kubernetes.io/name: kubeward
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kubeward.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* The webhook's pods carry their own name, so the audit receiver's selectors never take them. */}}
{{- define "kubeward.webhookLabels" -}}
app.kubernetes.io/name: kubeward-webhook
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: admission-webhook
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "kubeward.webhookSelector" -}}
app.kubernetes.io/name: kubeward-webhook
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
