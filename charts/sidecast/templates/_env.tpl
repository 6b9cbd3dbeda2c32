{{/*
The sidecast container's environment. Names are sidecast's configuration
interface (the same as the reference deployment guide's where they overlap);
POD_IP only feeds ADVERTISE_URL.
*/}}
{{- define "sidecast.env" -}}
{{- $s := .Values.sidecast -}}
{{- $r := .Values.redis -}}
- name: SERVER_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: ADVERTISE_URL
  value: "http://$(POD_IP):{{ $s.port }}"
- name: SERVER_PORT
  value: {{ $s.port | quote }}
- name: METRICS_PORT
  value: {{ $s.metricsPort | quote }}
- name: METRICS_ADDR
  value: {{ $s.metricsAddr | quote }}
- name: HEALTH_PATH
  value: {{ $s.healthPath | quote }}
- name: BACKEND_URL
  value: {{ printf "http://127.0.0.1:%d" (int .Values.app.port) | quote }}
- name: PROTOCOL
  value: {{ $s.protocol | quote }}
{{- with $s.mirrorEvents }}
- name: MIRROR_EVENTS
  value: {{ join "," . | quote }}
{{- end }}
{{- with $s.mirrorEventReply }}
- name: MIRROR_EVENT_REPLY
  value: {{ . | quote }}
{{- end }}
{{- with $s.localEvents }}
- name: LOCAL_EVENTS
  value: {{ join "," . | quote }}
{{- end }}
{{- with $s.eventField }}
- name: EVENT_FIELD
  value: {{ . | quote }}
{{- end }}
{{- if $r.existingSecretUrlKey }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $r.existingSecret }}
      key: {{ $r.existingSecretUrlKey }}
{{- else if $r.url }}
- name: REDIS_URL
  value: {{ $r.url | quote }}
{{- else if $r.host }}
- name: REDIS_HOST
  value: {{ $r.host | quote }}
- name: REDIS_PORT
  value: {{ $r.port | quote }}
{{- end }}
{{- with $r.username }}
- name: REDIS_USERNAME
  value: {{ . | quote }}
{{- end }}
{{- if $r.existingSecret }}
{{- if not $r.existingSecretUrlKey }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $r.existingSecret }}
      key: {{ $r.existingSecretPasswordKey }}
{{- end }}
{{- else if $r.password }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "sidecast.secretName" . }}
      key: redis-password
{{- end }}
- name: REDIS_ADAPTER_KEY
  value: {{ $r.adapterKey | quote }}
- name: REDIS_REQUESTS_TIMEOUT
  value: {{ $r.requestsTimeout | quote }}
{{- if $r.tls.enabled }}
- name: REDIS_TLS
  value: "true"
- name: REDIS_TLS_REJECT_UNAUTHORIZED
  value: {{ $r.tls.rejectUnauthorized | quote }}
{{- with $r.tls.existingSecret }}
{{- if $r.tls.caKey }}
- name: REDIS_TLS_CA
  value: {{ printf "%s/%s" (include "sidecast.tlsDir" $) $r.tls.caKey | quote }}
{{- end }}
{{- if $r.tls.certKey }}
- name: REDIS_TLS_CERT
  value: {{ printf "%s/%s" (include "sidecast.tlsDir" $) $r.tls.certKey | quote }}
- name: REDIS_TLS_KEY
  value: {{ printf "%s/%s" (include "sidecast.tlsDir" $) $r.tls.keyKey | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.admin.existingSecret }}
- name: ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.admin.existingSecret }}
      key: {{ .Values.admin.existingSecretKey }}
{{- else if .Values.admin.token }}
- name: ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "sidecast.secretName" . }}
      key: admin-token
{{- end }}
{{- if .Values.cluster.existingSecret }}
- name: CLUSTER_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.cluster.existingSecret }}
      key: {{ .Values.cluster.existingSecretKey }}
{{- else if .Values.cluster.secret }}
- name: CLUSTER_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "sidecast.secretName" . }}
      key: cluster-secret
{{- end }}
- name: DRAIN_TIMEOUT
  value: {{ printf "%ds" (int $s.drainTimeoutSeconds) | quote }}
{{- with $s.drainRate }}
- name: DRAIN_RATE
  value: {{ . | quote }}
{{- end }}
- name: LOG_LEVEL
  value: {{ $s.logLevel | quote }}
- name: LOG_FORMAT
  value: {{ $s.logFormat | quote }}
{{- with $s.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}
