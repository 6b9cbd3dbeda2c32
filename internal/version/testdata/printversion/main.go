// Command printversion prints version.Get() for the package's link-time
// test: one field per line, so the test reads them without parsing String.
package main

import (
	"fmt"

	"github.com/sidecast/sidecast/internal/version"
)

func main() {
	i := version.Get()
	fmt.Printf("version=%s\ncommit=%s\ncommitTime=%s\nmodified=%t\ngo=%s\nstring=%s\n",
		i.Version, i.Commit, i.CommitTime, i.Modified, i.GoVersion, i)
}
