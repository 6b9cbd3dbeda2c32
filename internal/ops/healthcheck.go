package ops

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/sidecast/sidecast/internal/config"
)

// healthcheckTimeout stays below the image's HEALTHCHECK --timeout (3s).
const healthcheckTimeout = 2500 * time.Millisecond

// RunHealthcheck is `sidecast healthcheck`, the container image's
// HEALTHCHECK (a static image has no curl): it GETs
// http://127.0.0.1:SERVER_PORT/HEALTH_PATH (SERVER_ADDR instead of
// 127.0.0.1 when the port listens on one address only) and succeeds only
// on 200.
func RunHealthcheck(ctx context.Context, cfg *config.Config, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	u := "http://" + cfg.ServerDialAddr() + cfg.HealthPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %s", ErrUnhealthy, u, resp.Status)
	}
	fmt.Fprintf(out, "healthy: %s answered %s\n", u, resp.Status)
	return nil
}
