//go:build tools

// This file pins the module's planned dependencies while the packages that use them land.

package main

import (
	_ "github.com/caarlos0/env/v10"
	_ "github.com/gobwas/ws"
	_ "github.com/gobwas/ws/wsutil"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/valyala/bytebufferpool"
	_ "golang.org/x/sys/unix"
	_ "gopkg.in/yaml.v3"
)

func main() {}
