{{- define "flightschool.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "flightschool.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "flightschool.labels" -}}
{{ include "flightschool.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "flightschool.serviceAccountName" -}}
{{- .Values.serviceAccount.name | default (include "flightschool.fullname" .) -}}
{{- end -}}

{{/* The ClusterRole the app binds to itself in each lab namespace it creates. */}}
{{- define "flightschool.labRole" -}}
{{- printf "%s-lab" (include "flightschool.fullname" .) -}}
{{- end -}}

{{- define "flightschool.databaseSecret" -}}
{{- if .Values.database.existingSecret -}}
{{- .Values.database.existingSecret -}}
{{- else if .Values.database.url -}}
{{- printf "%s-database" (include "flightschool.fullname" .) -}}
{{- else -}}
{{- fail "database: set database.existingSecret (a Secret holding the PostgreSQL URL) or database.url" -}}
{{- end -}}
{{- end -}}
