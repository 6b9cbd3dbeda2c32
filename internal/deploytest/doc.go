// Package deploytest checks the deployment artefacts that no Docker engine
// or Kubernetes cluster verifies in CI: the Dockerfile and .dockerignore,
// examples/docker-compose.yml, examples/nginx/nginx.conf and the Helm chart
// in charts/sidecast. It holds tests only.
//
// What each test proves, and with which real tool:
//
//   - dockerfile_test.go parses the Dockerfile (stages, cached module
//     layer, static build flags, non-root numeric USER, EXPOSE,
//     HEALTHCHECK, ENTRYPOINT) and checks that .dockerignore keeps every
//     file the Go build needs; dockerfile_build_test.go replays the build
//     stage on the host (module download from go.mod and go.sum alone, then
//     the stage's own go build command on a copy of the filtered build
//     context) and checks the result is a static, stripped binary that runs
//     as the image's numeric user.
//   - backend_image_test.go replays examples/socketio-chat/Dockerfile on
//     the host (npm ci --omit=dev, the image's CMD and ENV) and runs its
//     HEALTHCHECK command against the running server.
//   - compose_loader_test.go loads the compose file with Docker Compose's
//     own loader (compose-go: schema validation, interpolation, merge keys)
//     and checks that this package's lighter reading of it agrees;
//     compose_test.go then checks the reference topology: Redis with a
//     password that every sidecast uses, two unmodified backends each
//     behind its own sidecast, nginx in front, environment names that
//     sidecast reads.
//   - compose_host_test.go runs the compose topology as plain processes
//     (redis-server with the compose password, two example backends, two
//     sidecast binaries with the compose environment, nginx with the
//     example configuration) and sends requests through nginx.
//   - nginx_test.go runs the real nginx: `nginx -t` on the configuration,
//     then nginx itself in front of two loopback backends, to show plain
//     round-robin, the forwarded headers and WebSocket upgrades;
//     nginxconf_test.go reads the configuration's syntax and checks the
//     settings loopback cannot tell apart (timeouts, no buffering).
//   - helm_test.go renders the chart with the real helm binary (SIDECAST_HELM,
//     or the copy .ci/helm.sh builds) for several value sets and checks the
//     sidecar container, its environment, probes, ports, preStop hooks,
//     Service and PodDisruptionBudget, and that values.schema.json and the
//     templates refuse broken values; helm_strict_test.go decodes every
//     rendered object into its Kubernetes API type (k8s.io/api), refusing
//     unknown fields; helm_notes_test.go renders NOTES.txt.
//   - sidecast_run_test.go runs the real sidecast binary with the
//     environment the compose file and the chart give it (pointed at
//     loopback) against a real redis-server configured like theirs
//     (password; mutual TLS with the certificates where the chart mounts
//     them): every value is accepted, Redis authenticates, the server id is
//     right, no secret reaches the output, SIGTERM stops it
//     cleanly. healthcheck_test.go checks `sidecast healthcheck`, which the
//     image's HEALTHCHECK runs.
//   - envnames_test.go reads sidecast's configuration struct from the
//     source of internal/config (env struct tags), so every environment name an
//     artefact sets is one sidecast reads.
//
// A missing tool (nginx, helm) fails the test with a message saying how to
// install it; nothing is skipped.
//
// Nothing here starts goroutines that outlive a test: processes started by
// a test are stopped and waited for in t.Cleanup. The sidecast binary and
// the example backend's install are made once per package run and removed
// by TestMain.
package deploytest
