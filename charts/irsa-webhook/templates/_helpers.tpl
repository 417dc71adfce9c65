{{- define "irsa-webhook.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "irsa-webhook.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "irsa-webhook.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "irsa-webhook.secretName" -}}
{{- default (printf "%s-cert" (include "irsa-webhook.fullname" .)) .Values.certificates.secretName -}}
{{- end -}}

{{- /*
A number that may have a fraction (kubeApiQps), for a flag: whole values as integers,
others unchanged (0.5; a fractional value of 1e6 or more, or below 1e-4, keeps Go's exponent
form, which the webhook's floating-point flag parser accepts). Helm reads every number in a
values file as float64, and the template prints a float64 of 1000000 or more in exponent
form (3145728 -> 3.145728e+06), which integer flags and Kubernetes' integer fields refuse;
values that are always whole are rendered with int64 instead.
*/ -}}
{{- define "irsa-webhook.number" -}}
{{- if eq (float64 .) (float64 (int64 .)) -}}{{ int64 . }}{{- else -}}{{ . }}{{- end -}}
{{- end -}}
