{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "sidecast.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name for every object of the release. */}}
{{- define "sidecast.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sidecast.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sidecast.labels" -}}
helm.sh/chart: {{ include "sidecast.chart" . }}
{{ include "sidecast.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "sidecast.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sidecast.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "sidecast.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sidecast.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "sidecast.image" -}}
{{- printf "%s:%s" .Values.sidecast.image.repository (default .Chart.AppVersion .Values.sidecast.image.tag) }}
{{- end }}

{{/* The Secret the chart creates for values given in plain text. */}}
{{- define "sidecast.secretName" -}}
{{- include "sidecast.fullname" . }}
{{- end }}

{{- define "sidecast.chartSecretNeeded" -}}
{{- if or (and .Values.redis.password (not .Values.redis.existingSecret)) (and .Values.admin.token (not .Values.admin.existingSecret)) (and .Values.cluster.secret (not .Values.cluster.existingSecret)) -}}
true
{{- end }}
{{- end }}

{{/* Where the Redis TLS secret is mounted in the sidecast container. */}}
{{- define "sidecast.tlsDir" -}}
/etc/sidecast/redis-tls
{{- end }}

{{/* Fails the render for settings that cannot work. */}}
{{- define "sidecast.validate" -}}
{{- $s := .Values.sidecast }}
{{- if not (has $s.protocol (list "socketio" "websocket")) }}
{{- fail (printf "sidecast.protocol must be socketio or websocket, not %q" $s.protocol) }}
{{- end }}
{{- if le (int $s.metricsPort) 0 }}
{{- fail "sidecast.metricsPort must be set: the readiness and liveness probes use it" }}
{{- end }}
{{- if eq (int $s.port) (int $s.metricsPort) }}
{{- fail "sidecast.port and sidecast.metricsPort must differ" }}
{{- end }}
{{- if eq (int $s.port) (int .Values.app.port) }}
{{- fail "sidecast.port and app.port must differ: both containers share the pod's network" }}
{{- end }}
{{- if le (int .Values.terminationGracePeriodSeconds) (add (int .Values.preStopSleepSeconds) (int $s.drainTimeoutSeconds)) }}
{{- fail "terminationGracePeriodSeconds must exceed preStopSleepSeconds + sidecast.drainTimeoutSeconds, or the drain is cut short by SIGKILL" }}
{{- end }}
{{- $redis := or .Values.redis.url .Values.redis.host .Values.redis.existingSecretUrlKey }}
{{- if and (gt (int .Values.replicaCount) 1) (not $redis) }}
{{- fail "redis.url or redis.host is required with more than one replica: without Redis each pod is a separate single-node cluster" }}
{{- end }}
{{- if and .Values.redis.existingSecretUrlKey (not .Values.redis.existingSecret) }}
{{- fail "redis.existingSecretUrlKey needs redis.existingSecret" }}
{{- end }}
{{- if and .Values.redis.tls.enabled .Values.redis.tls.existingSecret .Values.redis.tls.certKey (not .Values.redis.tls.keyKey) }}
{{- fail "redis.tls.certKey needs redis.tls.keyKey" }}
{{- end }}
{{- end }}
