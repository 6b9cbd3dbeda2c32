package difftest

// Example Node backends, relative to the repository root.
const (
	ChatServerDir   = "examples/socketio-chat"
	NoticeServerDir = "examples/socketio-notice"
)
