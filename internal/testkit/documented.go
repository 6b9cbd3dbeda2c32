package testkit

// DocumentedVariables lists the environment variables that the design
// (docs/design.md, Configuration) and the reference deployment guide name;
// --help, the README and the parser must all know them. It is kept by hand,
// apart from the Config struct, so that dropping one of them fails a test.
var DocumentedVariables = []string{
	"REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_USERNAME", "REDIS_PASSWORD",
	"REDIS_TLS", "REDIS_TLS_CERT", "REDIS_TLS_KEY", "REDIS_TLS_CA", "REDIS_TLS_REJECT_UNAUTHORIZED",
	"REDIS_ENABLED", "REDIS_ADAPTER_KEY", "REDIS_REQUESTS_TIMEOUT", "SERVER_ID", "SERVER_PORT",
	"BACKEND_URL", "PROTOCOL", "MAX_CONNECTIONS", "MAX_PAYLOAD", "MIRROR_EVENTS",
	"MIRROR_EVENT_REPLY", "LOCAL_EVENTS", "EVENT_FIELD", "HEALTH_PATH", "LOG_LEVEL", "LOG_FORMAT",
	"HANDSHAKE_TIMEOUT", "WRITE_QUEUE_SIZE", "DRAIN_TIMEOUT", "HEARTBEAT_INTERVAL",
	"HEARTBEAT_TTL", "DEMO_PORT", "SERVER_ADDR", "METRICS_ADDR", "PPROF",
}
