package config

import "errors"

// maxDrainRate bounds DRAIN_RATE: the drain loop closes sessions in ticks of
// at least drainTick, so a higher rate would be rounded anyway.
const maxDrainRate = 100000

// checkOperations validates the settings of the operations port and the
// drain (METRICS_PORT, DRAIN_RATE). ADMIN_TOKEN needs no check: unset
// switches the admin API off (403).
func (c *Config) checkOperations() error {
	var errs []error
	errs = append(errs, checkPort("METRICS_PORT", c.MetricsPort, true))
	if c.MetricsPort != 0 && c.MetricsPort == c.ServerPort {
		errs = append(errs, Errorf("METRICS_PORT", "%d is SERVER_PORT too; give the metrics their own port (or 0 = off)", c.MetricsPort))
	}
	if c.DrainRate <= 0 || c.DrainRate > maxDrainRate {
		errs = append(errs, Errorf("DRAIN_RATE", "%d must be between 1 and %d sessions per second", c.DrainRate, maxDrainRate))
	}
	return errors.Join(errs...)
}
