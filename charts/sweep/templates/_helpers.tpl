{{/* Names, labels and images shared by the templates. */}}
{{- define "sweep.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sweep.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sweep.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/part-of: sweep
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "sweep.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "sweep.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (printf "%s-orchestrator" (include "sweep.fullname" .)) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sweep.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "sweep.trainerImage" -}}
{{- printf "%s:%s" .Values.trainer.image.repository (default .Chart.AppVersion .Values.trainer.image.tag) -}}
{{- end -}}

{{/* Trial Job defaults as the executor reads them (SWEEP_TRAINER_DEFAULTS, JSON). */}}
{{- define "sweep.trainerDefaults" -}}
{{- $t := .Values.trainer -}}
{{- $d := dict "gpus" $t.gpus "cpu" (toString $t.cpu) "memory" (toString $t.memory) "nodeSelector" $t.nodeSelector "tolerations" $t.tolerations "activeDeadlineSeconds" $t.activeDeadlineSeconds "ttlSecondsAfterFinished" $t.ttlSecondsAfterFinished "unschedulableTimeoutSeconds" $t.unschedulableTimeoutSeconds "imagePullGraceSeconds" $t.imagePullGraceSeconds -}}
{{- if $t.priorityClassName }}{{ $_ := set $d "priorityClassName" $t.priorityClassName }}{{ end -}}
{{- if $t.queue }}{{ $_ := set $d "queue" $t.queue }}{{ end -}}
{{- toJson $d -}}
{{- end -}}

{{- define "sweep.metricsAnnotations" -}}
{{- if .Values.metrics.annotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .Values.metrics.port | quote }}
prometheus.io/path: /metrics
{{- if .Values.metrics.webConfigSecret }}
prometheus.io/scheme: https
{{- end }}
{{- end }}
{{- end -}}

{{/* Probes of /metrics' server: HTTP GET /healthz, or with a web config (TLS, maybe client
certificates the kubelet does not have) a TCP connection. */}}
{{- define "sweep.metricsProbe" -}}
{{- if .Values.metrics.webConfigSecret -}}
tcpSocket: { port: metrics }
{{- else -}}
httpGet: { path: /healthz, port: metrics }
{{- end -}}
{{- end -}}

{{/* NATS credentials and TLS as files: the projected volume of the Secrets the values name. */}}
{{- define "sweep.natsAuthSources" -}}
{{- $a := .Values.nats.auth -}}{{- $t := .Values.nats.tls -}}
{{- if $a.credsSecret.name }}
- secret: { name: {{ $a.credsSecret.name | quote }}, items: [{ key: {{ $a.credsSecret.key | quote }}, path: nats.creds }] }
{{- end }}
{{- if $a.passwordSecret.name }}
- secret: { name: {{ $a.passwordSecret.name | quote }}, items: [{ key: {{ $a.passwordSecret.key | quote }}, path: password }] }
{{- end }}
{{- if $a.tokenSecret.name }}
- secret: { name: {{ $a.tokenSecret.name | quote }}, items: [{ key: {{ $a.tokenSecret.key | quote }}, path: token }] }
{{- end }}
{{- if $a.nkeySeedSecret.name }}
- secret: { name: {{ $a.nkeySeedSecret.name | quote }}, items: [{ key: {{ $a.nkeySeedSecret.key | quote }}, path: nkey.seed }] }
{{- end }}
{{- if $t.caSecret.name }}
- secret: { name: {{ $t.caSecret.name | quote }}, items: [{ key: {{ $t.caSecret.key | quote }}, path: ca.crt }] }
{{- end }}
{{- if $t.clientSecret.name }}
- secret: { name: {{ $t.clientSecret.name | quote }}, items: [{ key: {{ $t.clientSecret.certKey | quote }}, path: tls.crt }, { key: {{ $t.clientSecret.keyKey | quote }}, path: tls.key }] }
{{- end }}
{{- end -}}

{{/* The SWEEP_NATS_* variables naming those files. */}}
{{- define "sweep.natsAuthEnv" -}}
{{- $a := .Values.nats.auth -}}{{- $t := .Values.nats.tls -}}{{- $d := "/etc/sweep/nats-auth" -}}
{{- if $a.credsSecret.name }}
- { name: SWEEP_NATS_CREDS, value: {{ printf "%s/nats.creds" $d | quote }} }
{{- end }}
{{- if $a.user }}
- { name: SWEEP_NATS_USER, value: {{ $a.user | quote }} }
{{- end }}
{{- if $a.passwordSecret.name }}
- { name: SWEEP_NATS_PASSWORD_FILE, value: {{ printf "%s/password" $d | quote }} }
{{- end }}
{{- if $a.tokenSecret.name }}
- { name: SWEEP_NATS_TOKEN_FILE, value: {{ printf "%s/token" $d | quote }} }
{{- end }}
{{- if $a.nkeySeedSecret.name }}
- { name: SWEEP_NATS_NKEY_SEED_FILE, value: {{ printf "%s/nkey.seed" $d | quote }} }
{{- end }}
{{- if $t.caSecret.name }}
- { name: SWEEP_NATS_TLS_CA, value: {{ printf "%s/ca.crt" $d | quote }} }
{{- end }}
{{- if $t.clientSecret.name }}
- { name: SWEEP_NATS_TLS_CERT, value: {{ printf "%s/tls.crt" $d | quote }} }
- { name: SWEEP_NATS_TLS_KEY, value: {{ printf "%s/tls.key" $d | quote }} }
{{- end }}
{{- end -}}

{{/* Temporal TLS and API key: environment naming the mounted files, the mounts, the volumes. */}}
{{- define "sweep.temporalAuthEnv" -}}
{{- $t := .Values.temporal -}}
{{- if $t.tls.enabled }}
- name: SWEEP_TEMPORAL_TLS
  value: "1"
{{- end }}
{{- if $t.tls.serverName }}
- name: SWEEP_TEMPORAL_TLS_SERVER_NAME
  value: {{ $t.tls.serverName | quote }}
{{- end }}
{{- if $t.tls.caSecret.name }}
- name: SWEEP_TEMPORAL_TLS_CA_FILE
  value: /etc/sweep/temporal/ca/ca.crt
{{- end }}
{{- if $t.tls.clientSecret.name }}
- name: SWEEP_TEMPORAL_TLS_CERT_FILE
  value: /etc/sweep/temporal/client/tls.crt
- name: SWEEP_TEMPORAL_TLS_KEY_FILE
  value: /etc/sweep/temporal/client/tls.key
{{- end }}
{{- if $t.apiKeySecret.name }}
- name: SWEEP_TEMPORAL_API_KEY_FILE
  value: /etc/sweep/temporal/api-key/api-key
{{- end }}
{{- end -}}

{{- define "sweep.temporalAuthMounts" -}}
{{- $t := .Values.temporal -}}
{{- if $t.tls.caSecret.name }}
- name: temporal-ca
  mountPath: /etc/sweep/temporal/ca
  readOnly: true
{{- end }}
{{- if $t.tls.clientSecret.name }}
- name: temporal-client
  mountPath: /etc/sweep/temporal/client
  readOnly: true
{{- end }}
{{- if $t.apiKeySecret.name }}
- name: temporal-api-key
  mountPath: /etc/sweep/temporal/api-key
  readOnly: true
{{- end }}
{{- end -}}

{{- define "sweep.temporalAuthVolumes" -}}
{{- $t := .Values.temporal -}}
{{- if $t.tls.caSecret.name }}
- name: temporal-ca
  secret:
    secretName: {{ $t.tls.caSecret.name }}
    defaultMode: 0440
    items: [{ key: {{ $t.tls.caSecret.key | quote }}, path: ca.crt }]
{{- end }}
{{- if $t.tls.clientSecret.name }}
- name: temporal-client
  secret:
    secretName: {{ $t.tls.clientSecret.name }}
    defaultMode: 0440
    items:
      - { key: {{ $t.tls.clientSecret.certKey | quote }}, path: tls.crt }
      - { key: {{ $t.tls.clientSecret.keyKey | quote }}, path: tls.key }
{{- end }}
{{- if $t.apiKeySecret.name }}
- name: temporal-api-key
  secret:
    secretName: {{ $t.apiKeySecret.name }}
    defaultMode: 0440
    items: [{ key: {{ $t.apiKeySecret.key | quote }}, path: api-key }]
{{- end }}
{{- end -}}
