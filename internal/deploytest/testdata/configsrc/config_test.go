package configsrc

type testOnly struct {
	X string `env:"TEST_ONLY"`
}
