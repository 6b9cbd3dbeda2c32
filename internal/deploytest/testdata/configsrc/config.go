// Package configsrc is a fixture for the env-tag reader: a configuration
// struct shaped like package main's.
package configsrc

type Config struct {
	Plain    string `env:"A_PLAIN"`
	WithOpts int    `env:"A_WITH_OPTS,required" envDefault:"1"`
	Skipped  string `env:"-"`
	Untagged string
	Nested   Inner `envPrefix:"NESTED_"`
	Bare     Bare
	Ptr      *Inner `envPrefix:"PTR_"`
}

type Inner struct {
	Value string `env:"INNER"`
}

type Bare struct {
	Value string `env:"BARE_INNER"`
}
